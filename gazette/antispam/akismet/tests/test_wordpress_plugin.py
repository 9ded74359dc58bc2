"""The must-use plugin in docs/wordpress, run by PHP against a live Gazette server.

WordPress itself is not here: tests/wordpress/harness.php supplies the handful of WordPress
functions the plugin calls, with requests made through PHP's own HTTP stream, and sends the
requests the Akismet plugin would send.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from gazette.antispam import keys
from gazette.antispam.tests.helpers import BLOG, HAM_TEXTS

ROOT = Path(__file__).resolve().parents[4]
PLUGIN = ROOT / "docs" / "wordpress" / "gazette-akismet.php"
HARNESS = Path(__file__).parent / "wordpress" / "harness.php"
PHP = shutil.which("php")

pytestmark = [
    pytest.mark.skipif(PHP is None, reason="php is not installed (.ci/run installs php-cli)"),
    # A live server needs committed data. Serialized rollback leaves the tables as the other
    # live-server and process tests expect to find them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("live_server"),
]


def run_php(job: dict) -> dict:
    result = subprocess.run([PHP, str(HARNESS)], input=json.dumps({"plugin": str(PLUGIN), **job}),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def akismet_call(key: str, path: str, fields: dict, host: str = "rest.akismet.com") -> dict:
    """A request as the Akismet plugin makes it (Akismet::http_post)."""
    return {
        "url": f"https://{host}/1.1/{path}",
        "args": {
            "method": "POST",
            "body": urlencode({"api_key": key, **fields}),
            "headers": {
                "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                "Host": host,
                "User-Agent": "WordPress/6.6 | Akismet/5.3.3",
            },
            "httpversion": "1.0",
            "timeout": 15,
        },
    }


@pytest.fixture
def key():
    return keys.key_create(sites=[BLOG]).key


def comment(**fields) -> dict:
    return {"blog": BLOG, "user_ip": "203.0.113.7", "user_agent": "Mozilla/5.0",
            "comment_type": "comment", "comment_author": "Ann Reader",
            "comment_author_email": "ann@example.net", "comment_content": HAM_TEXTS[0],
            "blog_lang": "en_US", "blog_charset": "UTF-8", **fields}


def test_comment_checks_go_to_gazette_with_the_same_path_and_body(live_server, key):
    base = f"{live_server.url}/akismet"
    spam = run_php({"mode": "request", "base": base,
                    **akismet_call(key, "comment-check",
                                   comment(comment_author="akismet-guaranteed-spam"))})
    assert spam["error"] is None
    # Nothing reaches rest.akismet.com: the one request made is Gazette's.
    assert [sent["url"] for sent in spam["sent"]] == [f"{base}/1.1/comment-check"]
    # The Akismet host's name is not sent on to Gazette (Django would refuse it).
    assert not any(h.lower().startswith("host:") for h in spam["sent"][0]["headers"])
    assert spam["status"] == 200 and spam["body"] == "true"
    assert spam["verdict"] in ("spam", "discard")

    ham = run_php({"mode": "request", "base": base,
                   **akismet_call(key, "comment-check", comment(user_role="administrator"))})
    assert ham["body"] == "false" and ham["verdict"] == "ham"


def test_key_hosts_and_a_trailing_slash_are_rewritten_too(live_server, key):
    verify = run_php({"mode": "request", "base": f"{live_server.url}/akismet/",
                      **akismet_call(key, "verify-key", {"key": key, "blog": BLOG},
                                     host=f"{key}.rest.akismet.com")})
    assert [sent["url"] for sent in verify["sent"]] == [
        f"{live_server.url}/akismet/1.1/verify-key"]
    assert verify["body"] == "valid"
    assert verify["verdict"] == ""  # only comment-check answers carry a verdict


def test_other_requests_are_left_alone(live_server, key):
    lookalike = akismet_call(key, "verify-key", {"key": key, "blog": BLOG},
                             host="notrest.akismet.com.example")
    lookalike["url"] = f"{live_server.url}/akismet/1.1/test"
    lookalike["args"]["headers"].pop("Host")
    lookalike["args"]["method"] = "GET"
    report = run_php({"mode": "request", "base": f"{live_server.url}/akismet", **lookalike})
    assert [sent["url"] for sent in report["sent"]] == [f"{live_server.url}/akismet/1.1/test"]
    assert report["body"] == "connected"


def test_without_a_configured_address_nothing_is_rewritten(live_server, key):
    call = akismet_call(key, "verify-key", {"key": key, "blog": BLOG})
    call["url"] = f"{live_server.url}/akismet/1.1/verify-key"
    call["args"]["headers"].pop("Host")
    report = run_php({"mode": "request", **call})
    assert len(report["sent"]) == 1 and report["body"] == "valid"


@pytest.mark.parametrize(("verdict", "approved", "setting", "expected"), [
    ("hold", 1, None, 0),        # held for a moderator
    ("hold", 1, False, 1),       # GAZETTE_AKISMET_HOLD false: published, as Akismet would
    ("hold", "spam", None, "spam"),  # the Akismet plugin's own decision stands
    ("ham", 1, None, 1),
    ("", 1, None, 1),            # no verdict: nothing to add
])
def test_held_comments_go_to_the_moderation_queue(verdict, approved, setting, expected):
    report = run_php({"mode": "hold", "verdict": verdict, "approved": approved,
                      "hold_setting": setting})
    assert report["approved"] == expected
    assert report["verdict_left"] == ""  # one verdict, one comment


def test_the_settings_page_calls_find_an_active_key_and_statistics(live_server, key):
    """What the Akismet plugin's settings page asks before it saves a key and shows stats."""
    base = f"{live_server.url}/akismet"
    subscription = run_php({"mode": "request", "base": base,
                            **akismet_call(key, "get-subscription", {"key": key, "blog": BLOG})})
    assert [sent["url"] for sent in subscription["sent"]] == [f"{base}/1.1/get-subscription"]
    assert json.loads(subscription["body"])["status"] == "active"  # the plugin saves the key
    for period in ("6-months", "all"):
        stats = run_php({"mode": "request", "base": base,
                         **akismet_call(key, "get-stats",
                                        {"blog": BLOG, "key": key, "from": period})})
        figures = json.loads(stats["body"])
        assert {"spam", "accuracy", "missed_spam", "false_positives"} <= set(figures)


def test_the_statistics_frames_are_framed_from_gazette(live_server, key):
    """The plugin frames tools.akismet.com's charts with a token from 1.1/token: both are
    Gazette's once the must-use plugin is in."""
    base = f"{live_server.url}/akismet"
    token = run_php({"mode": "request", "base": base, **akismet_call(key, "token", {})})
    assert token["sent"][0]["url"] == f"{base}/1.1/token" and token["body"]
    for page in ("snapshot.php", "user-stats.php"):
        # As the plugin's views print it (esc_url of sprintf).
        url = (f"https://tools.akismet.com/1.0/{page}?blog={quote(BLOG, safe='')}"
               f"&token={quote(token['body'], safe='')}&locale=en_US&is_redecorated=1")
        printed = run_php({"mode": "esc_url", "base": base, "url": url})["url"]
        assert printed.startswith(f"{base}/1.0/{page}?blog=")
        # What the editor's browser loads from the frame's src attribute.
        with urllib.request.urlopen(html.unescape(printed), timeout=10) as response:
            assert response.status == 200
            assert "Spam blocked" in response.read().decode()
    # Other addresses, and every address without a configured Gazette, are left alone.
    elsewhere = "https://example.org/page?a=1&b=2"
    assert run_php({"mode": "esc_url", "base": base, "url": elsewhere})["url"] == (
        "https://example.org/page?a=1&#038;b=2")
    assert run_php({"mode": "esc_url", "url": "https://tools.akismet.com/1.0/snapshot.php"}
                   )["url"] == "https://tools.akismet.com/1.0/snapshot.php"

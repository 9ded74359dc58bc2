"""Debian's WordPress 6.1 with its Akismet plugin (5.0.2) and the must-use plugin in
docs/wordpress, against a live Gazette: comments posted through wp-comments-post.php as a
browser posts them, moderated with WordPress's own functions.

The site (tests/wordpress_site.py) runs on a private MariaDB and PHP's built-in server, on
loopback, and is torn down after each test. Readers post from loopback addresses of their own
(127.0.N.1: one network each), so that WordPress and Gazette see distinct commenters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gazette.antispam import keys, services
from gazette.antispam.engine import Submission
from gazette.antispam.models import ApiKey, LabelledExample, RecentSubmission, UsageCount

from .wordpress_site import WordPressSite, missing

MISSING = missing()

pytestmark = [
    pytest.mark.skipif(bool(MISSING), reason=f"needs Debian's wordpress packages ({MISSING}); "
                                             ".ci/run installs them"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("live_server"),
]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
LINKS = " ".join(f'<a href="https://pills{n}.example/buy">cheap pills {n}</a>' for n in range(16))

# Each kind of comment, as a reader's browser posts it (the Akismet plugin's ak_* fields
# included), and what WordPress and Gazette should make of it.
COMMENTS = {
    "ordinary": dict(
        author="Maria Lopez", email="maria@example.net",
        comment="Good to see the council finally act on the harbour wall. The storms last "
                "winter flooded our street twice and the pumps could not keep up.",
        script=True),
    "quotes": dict(
        author="Siobhán O'Brien", email="siobhan@example.net",
        comment='I\'d ask the council\'s engineers whether "before winter" is realistic: '
                'last year\'s repairs took five months. See <a href="https://www.example.org/'
                'harbour">the report</a>.',
        script=True),
    "links": dict(
        author="Best Deals", email="deals@example.com", comment=f"Great post! {LINKS}",
        script=True),
    "test_spam": dict(
        author="viagra-test-123", email="tester@example.net",
        comment="Don't miss \"this\" one: it's the council's best plan in years.",
        script=True),
    "honeypot": dict(
        author="Jo Reader", email="jo@example.net",
        comment="Thanks for the clear write-up on the harbour plan and its costs.",
        script=True, honeypot="https://win-a-prize.example"),
    "held": dict(  # generic praise, posted a second after the page loaded
        author="Kim Park", email="kim@example.net",
        comment="Nice article, thanks for sharing this information with us.",
        script=True, seconds=1.0),
    "no_script": dict(
        author="Tom Baker", email="tom@example.net",
        comment="Will the ferry keep running while they rebuild the wall? I take it daily.",
        script=False),
}


@pytest.fixture
def api_key(db) -> ApiKey:
    return keys.key_create(name="WordPress")


@pytest.fixture
def wordpress(live_server, api_key, tmp_path: Path) -> Iterator[WordPressSite]:
    site = WordPressSite(base=tmp_path, gazette=f"{live_server.url}/akismet", key=api_key.key)
    try:
        site.start()
        yield site
    finally:
        site.stop()


def post_comment(site: WordPressSite, reader: int, *, author: str, email: str, comment: str,
                 script: bool, honeypot: str = "", seconds: float = 40.0) -> httpx.Response:
    """POST wp-comments-post.php from 127.0.<reader>.1 as the comment form does: the
    plugin's hidden ak_js (its script sets the page's load time, else a number up to 250)
    and, from its form script, ak_bfs (the time of the submit)."""
    now_ms = int(time.time() * 1000)
    form = {"comment_post_ID": str(site.installed["post_id"]), "author": author,
            "email": email, "url": "", "comment": comment, "comment_parent": "0",
            "ak_hp_textarea": honeypot,
            "ak_js": str(now_ms - int(seconds * 1000)) if script else "117"}
    if script:
        form.update(ak_bib=str(now_ms - 30_000), ak_bfs=str(now_ms), ak_bkpc="95")
    transport = httpx.HTTPTransport(local_address=f"127.0.{reader}.1")
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(f"{site.home}/wp-comments-post.php", data=form,
                           headers={"User-Agent": BROWSER,
                                    "Referer": str(site.installed["permalink"])})


def recorded_kind(api_key: ApiKey, comment: dict) -> str:
    """Gazette's recorded verdict of a comment, found as the plugin's reports find it: by
    the comment as the plugin keeps it for them (unslashed; before WordPress's filters add
    rel="nofollow ugc" to its links)."""
    kept = comment["as_submitted"]
    sub = Submission(content=kept["comment_content"], author=kept["comment_author"],
                     author_email=kept["comment_author_email"], user_ip=kept["user_ip"])
    digest = services.match_hash(sub, services._scope(api_key))
    deadline = time.monotonic() + 5  # recorded as the answer closes
    while time.monotonic() < deadline:
        row = RecentSubmission.objects.filter(match_hash=digest).first()
        if row is not None:
            return row.kind
        time.sleep(0.05)
    return ""


def usage(api_key: ApiKey) -> UsageCount:
    return UsageCount.objects.get(api_key=api_key)


def test_comments_verdicts_and_reports_through_a_real_wordpress(wordpress, api_key):
    versions = wordpress.installed["versions"]
    assert versions["akismet"] == "5.0.2" and versions["wordpress"].startswith("6.1")
    for reader, (name, fields) in enumerate(COMMENTS.items(), start=1):
        response = post_comment(wordpress, reader, **fields)
        assert response.status_code == 302, (name, response.text[:500])
    by_author = {c["author"]: c for c in wordpress.tool("comments")}
    comments = {name: by_author[fields["author"]] for name, fields in COMMENTS.items()}

    # What WordPress did with each, and what Gazette recorded for it.
    table = {name: (c["approved"], recorded_kind(api_key, c)) for name, c in comments.items()}
    assert table == {
        "ordinary": ("1", "ham"),
        "quotes": ("1", "ham"),
        "links": ("spam", "discard"),
        "test_spam": ("spam", "spam"),
        "honeypot": ("spam", "discard"),
        "held": ("0", "hold"),  # held by the must-use plugin, from X-Gazette-Verdict
        "no_script": ("1", "ham"),
    }, table
    # WordPress stores the text as the reader typed it; Gazette scored that same text.
    kept = comments["quotes"]["as_submitted"]
    assert kept["comment_content"] == COMMENTS["quotes"]["comment"]
    assert comments["quotes"]["author"] == "Siobhán O'Brien"
    for c in comments.values():
        assert c["akismet_result"] == ("true" if c["approved"] == "spam" else "false")
        assert c["events"][0] == ("check-spam" if c["approved"] == "spam" else "check-ham")
    # The Akismet plugin keeps its own fields with the comment, for its reports.
    assert comments["honeypot"]["as_submitted"]["POST_ak_hp_textarea"]
    assert comments["links"]["akismet_pro_tip"] == "discard"
    assert usage(api_key).calls == len(COMMENTS)

    # The moderator: "Spam" under a published comment with quotes, "Not Spam" under a
    # caught one with an apostrophe. WordPress reports both with the stored, clean text.
    spammed = wordpress.tool("spam", id=comments["quotes"]["id"])
    assert spammed["done"] and spammed["comment"]["approved"] == "spam"
    assert spammed["comment"]["user_result"] == "true"
    unspammed = wordpress.tool("unspam", id=comments["test_spam"]["id"])
    assert unspammed["done"] and unspammed["comment"]["approved"] in ("0", "1")
    assert unspammed["comment"]["user_result"] == "false"
    assert "report-ham" in unspammed["comment"]["events"]

    reports = {e.label: e for e in LabelledExample.objects.filter(api_key=api_key)}
    assert reports["spam"].checked_as == "ham"   # each report found its check
    assert reports["ham"].checked_as == "spam"
    assert reports["spam"].content == COMMENTS["quotes"]["comment"]
    counts = usage(api_key)
    assert (counts.missed_spam, counts.false_positives) == (1, 1)
    assert counts.calls == len(COMMENTS)  # reports are not calls


def test_check_for_spam_history_statistics_and_a_new_key(wordpress, api_key, client):
    """The rest of what the plugin asks of its server: the pending queue's "Check for Spam"
    button, the history it shows moderators, its settings and statistics pages, a new key."""
    post_comment(wordpress, 1, **COMMENTS["ordinary"])
    post_comment(wordpress, 2, **COMMENTS["no_script"])
    pending = [c for c in wordpress.tool("comments") if c["author"] in
               (COMMENTS["ordinary"]["author"], COMMENTS["no_script"]["author"])]
    for comment in pending:  # a moderator sends both back to the queue
        wordpress.tool("unapprove", id=comment["id"])
    calls = usage(api_key).calls
    recent = RecentSubmission.objects.count()

    counts = wordpress.tool("recheck")
    assert counts == {"processed": 2, "spam": 0, "ham": 2, "error": 0}
    # Rechecks are calls, not new activity (the stored rows, sent with recheck_reason).
    assert usage(api_key).calls == calls + 2
    assert RecentSubmission.objects.count() == recent
    history = wordpress.tool("comments")[-1]["history"]
    assert any("checked" in line and "cleared" in line for line in history), history

    pages = wordpress.tool("admin_pages")
    assert pages["subscription"]["status"] == "active"
    assert set(pages["stats"]) == {"6-months", "all"}
    assert pages["stats"]["all"]["ham"] >= 2
    # Akismet 5.0.2 frames its charts with the API key in the address; the must-use
    # plugin points them at Gazette with a token instead, and Gazette draws them.
    for frame in (pages["stats_frame"], pages["snapshot"]):
        assert frame.startswith(f"{wordpress.gazette}/1.0/") and "token=" in frame
        assert api_key.key not in frame
        drawn = client.get(frame.removeprefix(wordpress.gazette.rsplit("/akismet", 1)[0]))
        assert drawn.status_code == 200 and b"Spam blocked" in drawn.content

    # Settings > Akismet: a new key is verified against Gazette before it is saved.
    assert wordpress.tool("set_key", key="0123456789ab") == {"status": "invalid",
                                                             "key": api_key.key}
    new_key = keys.key_create(name="WordPress, new key")
    assert wordpress.tool("set_key", key=new_key.key) == {"status": "valid", "key": new_key.key}
    post_comment(wordpress, 3, **COMMENTS["quotes"])
    assert UsageCount.objects.get(api_key=new_key).calls == 1

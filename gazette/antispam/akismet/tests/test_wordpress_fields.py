"""What the WordPress Akismet plugin sends, read as WordPress means it (akismet/wordpress.py):
slashed live checks, its honeypot and its form timestamps. The real plugin is in
test_wordpress_real.py; these pin the rules, fast."""

from __future__ import annotations

import pytest

from gazette.antispam.akismet import protocol, wordpress
from gazette.antispam.models import LabelledExample, UsageCount
from gazette.antispam.tests.helpers import comment, form_post

pytestmark = pytest.mark.django_db

PLUGIN = "WordPress/6.1.9 | Akismet/5.0.2"
CLEAN = {"comment_author": "Siobhán O'Brien",
         "comment_content": 'I\'d ask the council\'s engineers: is "before winter" realistic? '
                            'Paths like C:\\temp stay.'}


def slashed(value: str) -> str:
    """PHP's addslashes, as wp_magic_quotes and wp_slash apply it."""
    return (value.replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"')
            .replace("\0", "\\0"))


@pytest.mark.parametrize("value", ["", "plain", "I'd", 'say "yes"', "C:\\temp", "\\", "a\\\\b",
                                   "x\0y"])
def test_unslash_undoes_what_wordpress_adds(value):
    assert wordpress.unslash(slashed(value)) == value


def test_unslash_is_php_stripslashes():
    assert wordpress.unslash("I\\'d") == "I'd"
    assert wordpress.unslash("a\\\\b") == "a\\b"
    assert wordpress.unslash("trailing\\") == "trailing"
    assert wordpress.unslash("a\\0b") == "a\0b"


@pytest.mark.parametrize(("agent", "fields", "expected"), [
    (PLUGIN, {}, True),
    (PLUGIN, {"REQUEST_URI": "/wp-comments-post.php"}, True),
    (PLUGIN, {"recheck_reason": "recheck_queue"}, False),     # the stored row, clean
    (PLUGIN, {"REQUEST_URI": "/wp-json/wp/v2/comments"}, False),  # REST: not slashed
    (PLUGIN, {"REQUEST_URI": "/?rest_route=/wp/v2/comments"}, False),
    ("akismet-python/24.0", {}, False),
    ("Mozilla/5.0", {}, False),
])
def test_which_checks_are_slashed(agent, fields, expected):
    assert wordpress.sent_slashed(fields.get, agent) is expected


def test_a_slashed_check_is_scored_and_matched_as_readers_see_it(client, api_key):
    """The report (clean text, no guid) finds the check (slashed text): counted once."""
    sent = {name: slashed(value) for name, value in CLEAN.items()}
    answer = form_post(client, "/akismet/1.1/comment-check", comment(api_key.key, **sent),
                       HTTP_USER_AGENT=PLUGIN)
    assert answer.content in (b"false", b"true")
    checked = answer["X-Gazette-Verdict"]
    label = "ham" if checked in ("spam", "discard") else "spam"
    form_post(client, f"/akismet/1.1/submit-{label}", comment(api_key.key, **CLEAN),
              HTTP_USER_AGENT=PLUGIN)
    example = LabelledExample.objects.get()
    assert example.checked_as == checked
    assert example.content == CLEAN["comment_content"]
    counts = UsageCount.objects.get(api_key=api_key)
    assert (counts.missed_spam + counts.false_positives) == 1


def test_other_clients_text_is_taken_as_sent(client, api_key):
    """The same slashed text from another client is its text: a clean report is another."""
    sent = {name: slashed(value) for name, value in CLEAN.items()}
    form_post(client, "/akismet/1.1/comment-check", comment(api_key.key, **sent),
              HTTP_USER_AGENT="akismet-python/24.0")
    form_post(client, "/akismet/1.1/submit-spam", comment(api_key.key, **CLEAN))
    assert LabelledExample.objects.get().checked_as == ""


def test_the_plugins_honeypot_is_a_honeypot(client, api_key):
    filled = form_post(client, "/akismet/1.1/comment-check",
                       comment(api_key.key, POST_ak_hp_textarea="https://prize.example"),
                       HTTP_USER_AGENT=PLUGIN)
    assert filled.content == b"true" and filled["X-Gazette-Verdict"] == "discard"
    empty = form_post(client, "/akismet/1.1/comment-check",
                      comment(api_key.key, POST_ak_hp_textarea="", comment_author="Bo"),
                      HTTP_USER_AGENT=PLUGIN)
    assert empty["X-Gazette-Verdict"] != "discard"


@pytest.mark.parametrize(("fields", "seconds"), [
    ({"POST_ak_js": "1765000000000", "POST_ak_bfs": "1765000042500"}, 42.5),
    ({"POST_ak_js": "1765000000000", "POST_ak_bfs": "1765000001000"}, 1.0),
    ({"POST_ak_js": "117", "POST_ak_bfs": "1765000042500"}, None),  # no script ran
    ({"POST_ak_js": "1765000000000"}, None),       # not the browser's clock against ours
    ({"POST_ak_js": "1765000042500", "POST_ak_bfs": "1765000000000"}, None),
    ({"POST_ak_js": "nan", "POST_ak_bfs": "inf"}, None),
    ({}, None),
])
def test_the_plugins_form_timestamps_give_the_time_to_submit(fields, seconds):
    submission = protocol.submission_from({**fields, "comment_content": "x"})
    assert submission.seconds_to_submit == seconds
    assert submission.rendered_at is None and submission.submitted_at is None


def test_no_script_is_no_evidence_against_a_reader(client, api_key):
    def score(**fields: str) -> str:
        answer = form_post(client, "/akismet/1.1/comment-check",
                           comment(api_key.key, is_test="1", **fields), HTTP_USER_AGENT=PLUGIN)
        return answer["X-Gazette-Verdict"]

    reader = score(POST_ak_js="1765000000000", POST_ak_bfs="1765000060000")
    no_script = score(POST_ak_js="117")
    assert reader == no_script == "ham"  # no script is no evidence against a reader

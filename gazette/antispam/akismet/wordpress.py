"""What the WordPress Akismet plugin sends, read as WordPress means it.

Two things set its comment-checks apart from other clients' (read from Akismet 5.0.2, the
plugin Debian's WordPress 6.1 ships, and tried against it: tests/test_wordpress_real.py):

**Slashes.** WordPress adds backslashes before quotes and backslashes in everything a request
brings in (``wp_magic_quotes``: ``$_POST``, ``$_SERVER``) and hands ``preprocess_comment``,
where the plugin checks a comment, the comment slashed (``I\\'d``, ``href=\\"...\\"``): that is
``wp_new_comment``'s contract. So a live check carries slashed text, while the plugin's reports
(submit-spam/submit-ham: the values WordPress stored, unslashed) and its rechecks (the
database row) carry the text as readers see it. Gazette unslashes a check when it comes from
the plugin (its User-Agent ``WordPress/x | Akismet/y``), is not a recheck (no
``recheck_reason``) and did not come through WordPress's REST API (whose comments reach the
plugin unslashed): the engine then scores what readers read, and a report finds its check.
Unslashing everywhere instead, or comparing in a form without backslashes, would eat the
backslashes a reader really typed (``C:\\temp``) in reports and rechecks, or leave the engine
scoring one text and learning from another.

**Form evidence.** The plugin adds two fields to the comment form and sends them back as
``POST_ak_hp_textarea`` and ``POST_ak_js`` (``$_POST`` as ``POST_*``; Contact Form 7's
``_wpcf7_ak_*`` arrive under the same names): a hidden textarea no person sees (filled: a
honeypot hit), and a hidden input that holds a random number from 0 to 250 until an inline
script sets it to the browser's clock in milliseconds as the page loads. The plugin's form
script (``_inc/akismet-frontend.js``) adds ``ak_bfs``, the same clock as the form is
submitted. Both timestamps give the time from page to post on one clock; Gazette does not
compare the browser's clock with its own (a reader whose clock runs a few seconds fast would
look like a bot). A number from 0 to 250 means no script ran (scripts off, or a bot that does
not run them), and no field means the form had none of the plugin's fields (a theme without
the ``comment_form`` hook, a direct post): both are no evidence at all, since many readers
block scripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# The plugin's User-Agent (Akismet::http_post): "WordPress/6.1.9 | Akismet/5.0.2".
_PLUGIN_AGENT = re.compile(r"^WordPress/\S+ \| Akismet/\S+")
# Where WordPress's REST API is asked: /wp-json/... or ?rest_route=...
_REST_REQUEST = re.compile(r"/wp-json/|[?&]rest_route=")
# A millisecond timestamp a script set: after September 2001 (the placeholder is 0-250).
_SCRIPT_TIME_MS = 10**12
# Fields of a live check that WordPress took from the request, and so slashed.
SLASHED_FIELDS = ("comment_author", "comment_author_email", "comment_author_url",
                  "comment_content", "user_agent", "referrer")
_STRIPSLASHES = re.compile(r"\\(.?)", re.DOTALL)

HONEYPOT_FIELD = "POST_ak_hp_textarea"
PAGE_TIME_FIELD = "POST_ak_js"
SUBMIT_TIME_FIELD = "POST_ak_bfs"


def is_plugin(user_agent: str) -> bool:
    """Whether a request comes from the WordPress Akismet plugin."""
    return bool(_PLUGIN_AGENT.match(user_agent or ""))


def sent_slashed(get: Callable[[str], str | None], user_agent: str) -> bool:
    """Whether a comment-check's fields are slashed: a live check by the WordPress plugin
    (see the module's docstring). ``get`` reads a field of the request."""
    if not is_plugin(user_agent) or (get("recheck_reason") or "").strip():
        return False
    uri = (get("REQUEST_URI") or "") + " " + (get("DOCUMENT_URI") or "")
    return not _REST_REQUEST.search(uri)


def unslash(value: str) -> str:
    """PHP's ``stripslashes``: a backslash goes, the character after it stays (``\\\\``
    becomes one backslash, ``\\0`` a NUL, as ``addslashes`` wrote it); a lone trailing
    backslash goes."""
    if "\\" not in value:
        return value
    return _STRIPSLASHES.sub(lambda match: "\0" if match.group(1) == "0" else match.group(1),
                             value)


def _milliseconds(value: str | None) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    if not _SCRIPT_TIME_MS <= number < 100 * _SCRIPT_TIME_MS:  # also rejects nan and inf
        return None
    return number / 1000.0


def seconds_to_submit(get: Callable[[str], str | None]) -> float | None:
    """Seconds from page to post by the plugin's two form timestamps (one clock, the
    reader's); None unless both were set by its scripts, in that order. Only the
    difference is kept: the reader's clock says nothing of when the comment arrived."""
    rendered = _milliseconds(get(PAGE_TIME_FIELD))
    submitted = _milliseconds(get(SUBMIT_TIME_FIELD))
    if rendered is None or submitted is None or submitted < rendered:
        return None
    return submitted - rendered

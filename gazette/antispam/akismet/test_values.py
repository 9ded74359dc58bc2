"""Akismet's test values: fields whose verdict Akismet fixes, so that a plugin or a site can
test its integration without training anything.

Author ``akismet-guaranteed-spam`` or ``viagra-test-123`` (or the e-mail
``akismet-guaranteed-spam@example.com``) is always spam; ``user_role=administrator`` (how
WordPress marks its administrators' comments) always ham, whatever else the comment holds.
Only the Akismet door applies them: a reader of this site's own comments who calls
themselves "viagra-test-123" is judged like anyone else. (``is_test=true``, a check that
leaves no trace, is handled by ``keys.key_spam_check``.)
"""

from __future__ import annotations

from ..engine import Submission, Verdict

SPAM_AUTHORS = frozenset({"akismet-guaranteed-spam", "viagra-test-123"})
SPAM_EMAILS = frozenset({"akismet-guaranteed-spam@example.com"})


def forced_verdict(submission: Submission) -> Verdict | None:
    """The verdict Akismet's test values fix for ``submission``; None when none applies."""
    if submission.user_role.strip().lower() == "administrator":
        return Verdict("ham", 0.0, ("posted by an administrator",), {})
    if (
        submission.author.strip().lower() in SPAM_AUTHORS
        or submission.author_email.strip().lower() in SPAM_EMAILS
    ):
        return Verdict("spam", 1.0, ("Akismet test value for guaranteed spam",), {})
    return None

"""Akismet's test values fix a verdict at the Akismet door only."""

from __future__ import annotations

import pytest

from gazette.antispam.akismet.test_values import forced_verdict
from gazette.antispam.engine import Submission


@pytest.mark.parametrize("fields", [
    {"author": "akismet-guaranteed-spam"},
    {"author": " Viagra-Test-123 "},
    {"author_email": "AKISMET-GUARANTEED-SPAM@example.com"},
])
def test_guaranteed_spam(fields: dict[str, str]) -> None:
    verdict = forced_verdict(Submission(content="A perfectly nice comment.", **fields))
    assert verdict is not None and verdict.kind == "spam" and verdict.score == 1.0


def test_administrators_are_ham_whatever_they_write() -> None:
    verdict = forced_verdict(Submission(content="buy cheap pills http://bit.ly/x",
                                        author="viagra-test-123", user_role="Administrator",
                                        honeypot_value="x"))
    assert verdict is not None and verdict.kind == "ham" and verdict.score == 0.0


def test_anything_else_is_left_to_the_engine() -> None:
    for fields in ({}, {"author": "viagra"}, {"user_role": "editor"},
                   {"author_email": "someone@example.com"}):
        assert forced_verdict(Submission(content="x", **fields)) is None

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_spam_engine(settings):
    """Every comments test starts with no spam engine in memory: one that learned in an
    earlier test (whose rows were rolled back) would judge differently."""
    from gazette.antispam import state

    settings.GAZETTE_ANTISPAM_SECRET_KEY = "test-secret"
    settings.GAZETTE_ANTISPAM_SYNC_MS = 0
    state.forget()
    yield
    state.forget()

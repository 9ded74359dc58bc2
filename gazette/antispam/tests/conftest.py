from __future__ import annotations

import pytest

from gazette.antispam import state


@pytest.fixture(autouse=True)
def _fresh_engines(settings):
    """Every test starts with no engine in memory, a fixed secret and shared learning."""
    settings.GAZETTE_ANTISPAM_SECRET_KEY = "test-secret"
    settings.GAZETTE_ANTISPAM_SHARED_LEARNING = True
    settings.GAZETTE_ANTISPAM_SYNC_MS = 0
    state.forget()
    yield
    state.forget()


@pytest.fixture
def api_key(db):
    from gazette.antispam import keys

    return keys.key_create(sites=["https://blog.example.org"], name="Example blog")

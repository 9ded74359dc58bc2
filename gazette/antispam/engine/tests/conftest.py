"""Engine tests are plain pytest: no database, no Django settings needed."""

from __future__ import annotations

import pytest

from gazette.antispam.engine import Config, Engine, MemoryHistory, Submission


@pytest.fixture
def engine() -> Engine:
    return Engine(Config(secret_key="test-key"))


@pytest.fixture
def history() -> MemoryHistory:
    return MemoryHistory()


def sub(content: str, **kw: object) -> Submission:
    return Submission(content=content, **kw)  # type: ignore[arg-type]

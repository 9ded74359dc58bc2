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


HAM_TEXTS = [
    "I enjoyed this article about the council budget, thanks for the detail.",
    "The photo of the harbour at dawn is lovely. Who took it?",
    "I disagree with the conclusion; the bus figures were from 2019.",
    "Great interview, the mayor dodged the housing question though.",
    "Could you publish the full report you quote in the third paragraph?",
    "My street flooded too last week, the drains are never cleaned.",
    "Thanks for covering the school concert, our kids loved it.",
    "Is the new cycle lane going to reach the station next year?",
]
SPAM_TEXTS = [
    "Cheap pills online buy now best price free shipping click here",
    "Earn money from home fast, click here to win cash prizes now",
    "Buy cheap followers and likes, best price guaranteed, click now",
    "Win a free iphone now, click here and claim your prize today",
    "Best casino bonus, free spins, win money now, click here",
    "Cheap replica watches online, buy now with discount, click here",
]


def sub(content: str, **kw: object) -> Submission:
    return Submission(content=content, **kw)  # type: ignore[arg-type]

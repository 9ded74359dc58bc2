"""Cross-site learning: one key's reports cannot steer another site's verdicts."""

from __future__ import annotations

import pytest

from gazette.antispam import keys, services, state
from gazette.antispam.engine import Submission
from gazette.antispam.models import LabelledExample

from .helpers import HAM_TEXTS, SPAM_TEXTS

pytestmark = pytest.mark.django_db

ORDINARY = "The library opening hours changed again, does anyone know the new times?"
SITE = "blog.example.org"


def ordinary(n: int = 0) -> Submission:
    return Submission(content=ORDINARY, author="Pat", author_email="pat@example.net",
                      user_ip=f"198.51.100.{n % 200 + 1}", comment_type="comment")


def seed_shared() -> None:
    """A few moderated decisions in the shared pool, so that verdicts mean something."""
    for round_ in range(4):
        for i, text in enumerate(HAM_TEXTS):
            services.spam_learn(submission=Submission(content=text, user_ip=f"192.0.2.{i}",
                                                      author=f"reader{round_}"), label="ham")
        for i, text in enumerate(SPAM_TEXTS):
            services.spam_learn(submission=Submission(content=text, user_ip=f"203.0.113.{i}",
                                                      author=f"bot{round_}"), label="spam")


def verdict(key) -> tuple[str, float]:
    outcome = keys.key_spam_check(api_key=key, site=SITE, submission=ordinary(), is_test=True)
    return outcome.verdict.kind, outcome.verdict.score


def report(key, times: int = 1) -> None:
    for n in range(times):
        keys.key_spam_learn(api_key=key, site=SITE, submission=ordinary(n), label="spam")


def test_one_keys_reports_change_its_own_verdicts_only(settings):
    settings.GAZETTE_ANTISPAM_AGREEING_KEYS = 3
    seed_shared()
    a, b, c, d = (keys.key_create(name=name) for name in "ABCD")
    before_a, before_b = verdict(a), verdict(b)
    assert before_a[0] == "ham" and before_a == before_b
    shared_before = LabelledExample.objects.filter(pool="shared").count()

    report(b, 60)
    # Key B learned its reports in a pool of its own...
    assert verdict(b)[1] > before_b[1] and verdict(b)[0] != "ham"
    # ...and key A's verdict, from the shared pool, did not move at all.
    assert verdict(a) == before_a
    assert LabelledExample.objects.filter(pool="shared").count() == shared_before

    # Two more keys agree: three independent keys now, each counted once.
    report(c)
    assert verdict(a) == before_a
    report(d)
    promoted = LabelledExample.objects.filter(pool="shared", source="api")
    assert sorted(promoted.values_list("api_key__name", flat=True)) == ["B", "C", "D"]
    assert verdict(a)[1] > before_a[1]
    # More reports from a key already counted add nothing to the shared pool.
    report(b, 5)
    assert promoted.count() == 3


def test_what_the_shared_pool_learns_reaches_keys_with_pools_of_their_own(settings):
    seed_shared()
    b = keys.key_create(name="B")
    report(b)
    assert state.forked(f"key:{b.pk}")
    text = "Totally new moderated spam about discount roof repairs, call now"
    before = keys.key_spam_check(api_key=b, site=SITE, is_test=True,
                                submission=Submission(content=text, user_ip="192.0.2.9"))
    for i in range(5):
        services.spam_learn(submission=Submission(content=text, user_ip=f"192.0.2.{i}"),
                            label="spam")
    after = keys.key_spam_check(api_key=b, site=SITE, is_test=True,
                               submission=Submission(content=text, user_ip="192.0.2.9"))
    assert after.pool == f"key:{b.pk}" and after.verdict.score > before.verdict.score
    assert LabelledExample.objects.filter(pool=f"key:{b.pk}", source="moderation").count() == 5


def test_a_rebuilt_fork_is_the_shared_model_plus_the_keys_own_reports(settings):
    seed_shared()
    b = keys.key_create(name="B")
    report(b, 10)
    kind, score = verdict(b)
    state.rebuild("shared")
    snapshot = state.rebuild(f"key:{b.pk}")
    assert snapshot.generation == 1
    state.forget()
    assert verdict(b)[1] > verdict(keys.key_create(name="A"))[1]
    assert kind != "ham" or score > 0


def test_without_shared_learning_each_key_learns_alone(settings):
    settings.GAZETTE_ANTISPAM_SHARED_LEARNING = False
    a, b = keys.key_create(name="A"), keys.key_create(name="B")
    before = verdict(a)
    report(b, 20)
    assert verdict(a) == before
    assert set(LabelledExample.objects.values_list("pool", flat=True)) == {f"key:{b.pk}"}

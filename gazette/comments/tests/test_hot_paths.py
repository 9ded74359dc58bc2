"""What a post's plain-SQL statements (hot.py) and its remembered story (stories.py) must
keep: the ORM's answers, the same rows, and no stale story after a change in any process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from gazette.antispam import activity
from gazette.comments import hot, stories, surge
from gazette.comments.models import Comment, Discussion, Status
from gazette.comments.rules import rules_for
from gazette.comments.services import Accepted, Refused

from .pipeline_helpers import (
    entry,
    fresh_engine,  # noqa: F401 (autouse)
    override,
    person_evidence,
    site_rules,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_site(article):
    site_rules(moderation_mode="none")
    return article


def test_nothing_listens_to_comment_saves():
    """hot.insert skips Model.save's signals: a receiver added for Comment would be skipped
    silently, so this fails first. (Wagtail's one sets a locale on translatable models.)"""
    from wagtail.models import TranslatableMixin

    names = {getattr(receiver, "__name__", "") for signal in (pre_save, post_save)
             for group in signal._live_receivers(Comment) for receiver in group}
    assert names <= {"set_locale_on_new_instance"}
    assert not issubclass(Comment, TranslatableMixin)


def test_insert_stores_what_save_stores(open_site):
    stored = submit(open_site, entry(text="A plain comment, stored by one INSERT.",
                                     url="https://example.org/me"),
                    person_evidence(ip="2001:db8::7")).comment
    again = Comment.objects.get(pk=stored.pk)
    for field in Comment._meta.concrete_fields:
        assert getattr(again, field.attname) == getattr(stored, field.attname), field.name
    assert again.updated_at is not None and again.trail[-1]["step"] == "published"
    assert again.ip_address == "2001:db8::7" and again.spam_stats == stored.spam_stats


def test_a_published_post_runs_few_statements(open_site):
    submit(open_site)  # the Discussion row exists from here on
    rules, permalink = rules_for(open_site), open_site.full_url  # as the view has them
    with CaptureQueriesContext(connection) as queries:
        assert isinstance(submit(open_site, rules=rules, permalink=permalink), Accepted)
    sql = [q["sql"] for q in queries.captured_queries
           if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # commenter state, spam history, engine generation, flood+duplicate, the comment, the
    # spam record (3 statements on SQLite, 1 on PostgreSQL), counts, discussion
    assert len(sql) <= 10, sql


def test_commenter_state_counts_the_last_minute_only_while_surging(open_site):
    now = timezone.now()
    stored = [submit(open_site, entry(text=f"Comment number {n}, said at its own time."),
                     now=now - timedelta(seconds=seconds)).comment
              for n, seconds in enumerate((10, 30, 90))]
    key, since = stored[0].email_key, now - surge.WINDOW
    assert hot.commenter_state(key, open_site.pk, since, now) == (True, False, None)
    Discussion.objects.filter(article=open_site).update(surge_since=now - timedelta(minutes=5))
    assert hot.commenter_state(key, open_site.pk, since, now) == (True, True, 2)
    assert surge.comments_last_minute(open_site.pk, now) == 2
    assert hot.commenter_state("", open_site.pk, since, now)[0] is False


def test_a_post_to_a_surging_story_counts_its_rate_in_the_first_statement(open_site):
    submit(open_site)
    override(open_site, surge_threshold=3)
    Discussion.objects.filter(article=open_site).update(surge_since=timezone.now())
    rules, permalink = rules_for(open_site), open_site.full_url
    with CaptureQueriesContext(connection) as queries:
        held = submit(open_site, entry(text="A newcomer on a busy story, held in the rush."),
                      rules=rules, permalink=permalink)
    assert isinstance(held, Accepted) and held.comment.held_by == "surge"
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if '"__count"' in q], sql


def test_a_post_builds_its_writes_before_its_transaction_begins(open_site, monkeypatch):
    """The write transaction holds SQLite's one write lock: the comment's INSERT and the spam
    check's record are built before it begins, and only run inside it."""
    built: list[tuple[str, bool]] = []
    outside = len(connection.atomic_blocks)  # the test's own transaction
    for owner, name in ((hot, "insert_statement"), (activity.DatabaseHistory, "prepare")):
        real = getattr(owner, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            built.append((_name, len(connection.atomic_blocks) > outside))
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)
    outcome = submit(open_site)
    assert isinstance(outcome, Accepted) and outcome.published
    assert sorted(built) == [("insert_statement", False), ("prepare", False)]
    recorded = activity.RecentSubmission.objects.get(guid__isnull=False, kind="ham")
    assert Comment.objects.get(pk=outcome.comment.pk).spam_guid
    assert recorded.stats == outcome.comment.spam_stats


def test_a_posts_lookups_use_two_column_indexes_without_statistics(open_site):
    """SQLite plans without statistics on a new site (and a busy day outgrows them): each of a
    post's reads of the comments table must find its index from its equalities alone, not
    scan the story's comments or every approved one."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query planner")
    submit(open_site)
    override(open_site, surge_threshold=3)
    Discussion.objects.filter(article=open_site).update(surge_since=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        submit(open_site, entry(text="One more voice on a busy story, to be held."))
    reads = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("SELECT") and '"comments_comment"' in q["sql"]]
    assert len(reads) >= 3, reads  # commenter state, flood and duplicate, counts
    plans = []
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.append(" | ".join(row[-1] for row in cursor.fetchall()))
    plan = "\n".join(plans)
    assert "SCAN comments_comment" not in plan, plan
    for index in ("comment_email_status", "comment_email_article", "comment_article_created"):
        assert f"INDEX {index} (" in plan, plan


def test_flood_and_duplicate_keep_their_order_and_rules(open_site, article):
    now = timezone.now()
    said = entry(text="Said once.")
    first = submit(open_site, said, person_evidence(ip="203.0.113.80"), now=now)
    assert isinstance(first, Accepted)
    # Both at once: flood is step 2, duplicate step 3.
    both = submit(open_site, said, person_evidence(ip="203.0.113.80"),
                  now=now + timedelta(seconds=5))
    assert isinstance(both, Refused) and both.step == "flood"
    # A reply with the same words is not a duplicate of the top-level comment.
    reply = submit(open_site, entry(text="Said once.", author=said.author, email=said.email,
                                    parent_id=first.comment.pk),
                   now=now + timedelta(minutes=2))
    assert isinstance(reply, Accepted) and reply.comment.parent_id == first.comment.pk
    again = submit(open_site, entry(text="Said once.", author=said.author, email=said.email,
                                    parent_id=first.comment.pk),
                   now=now + timedelta(minutes=3))
    assert isinstance(again, Refused) and again.step == "duplicate"
    # A trashed copy does not count.
    Comment.objects.filter(pk=first.comment.pk).update(status=Status.TRASH)
    assert isinstance(submit(open_site, said, now=now + timedelta(minutes=4)), Accepted)


def test_flood_without_address_or_email_checks_duplicates_only(open_site):
    anonymous = entry(text="No address, no email.", email="")
    evidence = person_evidence(ip="not an address")
    assert isinstance(submit(open_site, anonymous, evidence), Accepted)
    assert submit(open_site, anonymous, person_evidence(ip="not an address")).step == "duplicate"


def test_counts_after_write(open_site):
    now = timezone.now()
    for minutes in (0, 2):
        submit(open_site, now=now - timedelta(minutes=minutes))
    Comment.objects.create(article=open_site, author_name="Held", text="x",
                           status=Status.PENDING, created_at=now)
    assert hot.counts_after_write(open_site.pk, approved=True, since=now - timedelta(minutes=1),
                                  until=now) == (2, 2)
    assert hot.counts_after_write(open_site.pk, approved=False, since=None, until=now) \
        == (None, None)
    assert Discussion.objects.get(article=open_site).approved_count == 2


def test_a_failed_spam_record_leaves_the_comment(open_site, monkeypatch, caplog):
    def broken(self, prepared):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(activity.DatabaseHistory, "write", broken)
    outcome = submit(open_site)
    assert isinstance(outcome, Accepted) and outcome.published
    assert Comment.objects.filter(pk=outcome.comment.pk).exists()
    assert Discussion.objects.get(article=open_site).approved_count == 1
    assert "could not record the spam check" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_remembered_story_follows_unpublishing_moves_and_restrictions(article):
    stories.forget()
    assert connection.in_atomic_block is False
    story = stories.live_story(article.pk)
    assert story is not None and story.url == article.url and story.full_url
    assert stories.live_story(article.pk) is story  # remembered
    PageViewRestriction.objects.create(page=article, restriction_type="login")
    assert stories.live_story(article.pk) is None
    PageViewRestriction.objects.all().delete()
    assert stories.live_story(article.pk) is not None
    article.unpublish()
    assert stories.live_story(article.pk) is None
    article.save_revision().publish()
    assert stories.live_story(article.pk) is not None
    article.slug = "moved-story"  # a new address, as a move gives it
    article.save_revision().publish()
    moved = stories.live_story(article.pk)
    assert moved is not None and moved.url.endswith("/moved-story/")

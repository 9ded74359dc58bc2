"""Moderators' actions: statuses, the trail, counts and caches, and the spam engine learning
from every approve, spam and not-spam decision at once."""

from __future__ import annotations

import pytest

from gazette.antispam.models import Label, LabelledExample, Source
from gazette.antispam.services import spam_check
from gazette.comments import spam as comment_spam
from gazette.comments.models import Comment, Discussion, Status
from gazette.comments.services import comment_edit, comment_moderate, comment_reply_as_staff
from gazette.news.cache import tags_version

from .pipeline_helpers import (
    entry,
    fresh_engine,  # noqa: F401 (autouse)
    override,
    person_evidence,
    site_rules,
    submit,
)

pytestmark = pytest.mark.django_db

SPAMMY = ("Cheap replica watches and pills, best prices online, order today at "
          "https://replica-deals.example/shop now")


@pytest.fixture
def held(article):
    """A first-time commenter's comment, held by pre-moderation."""
    comment = submit(article).comment
    assert comment.status == Status.PENDING
    return comment


def page_version(article_id: int) -> str:
    return tags_version(f"page:{article_id}", "comments-feed")


def test_approve_publishes_counts_refreshes_and_teaches_ham(
        held, admin_user, monkeypatch, django_capture_on_commit_callbacks):
    from gazette.comments import notifications

    published: list[int] = []
    monkeypatch.setattr(notifications, "comment_published", lambda c: published.append(c.pk))
    before = page_version(held.article_id)
    with django_capture_on_commit_callbacks(execute=True):
        changed = comment_moderate(comments=[held], action="approve", by=admin_user,
                                   reason="fair point")
    assert changed == 1
    held.refresh_from_db()
    assert held.status == Status.APPROVED and held.moderated_by == admin_user
    last = held.trail[-1]
    assert (last["step"], last["outcome"], last["by"], last["reason"], last["from"]) == (
        "moderator", "approved", admin_user.username, "fair point", "pending")
    assert Discussion.objects.get(article_id=held.article_id).approved_count == 1
    assert page_version(held.article_id) != before
    assert published == [held.pk]
    example = LabelledExample.objects.get()
    assert (example.label, example.source, example.content) == (
        Label.HAM, Source.MODERATION, held.text)
    assert example.stats == held.spam_stats


def test_unchanged_status_changes_nothing_and_teaches_nothing(held, admin_user):
    assert comment_moderate(comments=[held], action="unapprove", by=admin_user) == 0
    assert comment_moderate(comments=[held], action="restore", by=admin_user) == 0
    assert not LabelledExample.objects.exists()
    with pytest.raises(ValueError):
        comment_moderate(comments=[held], action="publish", by=admin_user)


def test_spam_decision_is_learned_and_a_near_copy_scores_higher(
        article, admin_user, django_capture_on_commit_callbacks):
    site_rules(moderation_mode="none")
    comment = submit(article, entry(text=SPAMMY, author="Deals Desk",
                                    email="deals@replica-deals.example")).comment
    near_copy = comment_spam.submission_for_entry(
        article=article, entry=entry(text=SPAMMY.replace("today", "this week"),
                                     author="Deal Desk", email="desk@replica-deals.example"),
        text=SPAMMY.replace("today", "this week"),
        evidence=person_evidence(), user=None, now=comment.created_at)
    before = spam_check(submission=near_copy, record=False).verdict.score
    with django_capture_on_commit_callbacks(execute=True):
        assert comment_moderate(comments=[comment], action="spam", by=admin_user,
                                reason="watch spam") == 1
    comment.refresh_from_db()
    assert comment.status == Status.SPAM and comment.trail[-1]["outcome"] == "spam"
    example = LabelledExample.objects.get()
    assert (example.label, example.source, example.checked_as) == (
        Label.SPAM, Source.MODERATION, comment.trail[3]["engine"])
    after = spam_check(submission=near_copy, record=False).verdict.score
    assert after > before


def test_not_spam_approves_and_teaches_ham_as_a_false_positive(article, admin_user):
    site_rules(moderation_mode="none")
    caught = submit(article, entry(), person_evidence(honeypot="autofill")).comment
    assert caught.status == Status.SPAM
    assert comment_moderate(comments=Comment.objects.filter(pk=caught.pk), action="not_spam",
                            by=admin_user) == 1
    caught.refresh_from_db()
    assert caught.status == Status.APPROVED
    example = LabelledExample.objects.get()
    assert (example.label, example.checked_as) == (Label.HAM, "discard")
    assert Discussion.objects.get(article=article).approved_count == 1


def test_unapprove_and_trash_leave_the_page_without_teaching(
        article, admin_user, django_capture_on_commit_callbacks):
    site_rules(moderation_mode="none")
    first, second = submit(article).comment, submit(article).comment
    assert Discussion.objects.get(article=article).approved_count == 2
    version = page_version(article.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert comment_moderate(comments=[first], action="unapprove", by=admin_user) == 1
    assert page_version(article.pk) != version
    version = page_version(article.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert comment_moderate(comments=[second], action="trash", by=admin_user) == 1
    assert page_version(article.pk) != version
    assert Discussion.objects.get(article=article).approved_count == 0
    assert not LabelledExample.objects.exists()
    assert Comment.objects.get(pk=first.pk).status == Status.PENDING


def test_restore_returns_to_the_status_before_the_trash(article, admin_user):
    site_rules(moderation_mode="none", disallowed_words="casino")
    published = submit(article).comment
    comment_moderate(comments=[published], action="trash", by=admin_user)
    assert comment_moderate(comments=[published], action="restore", by=admin_user) == 1
    published.refresh_from_db()
    assert published.status == Status.APPROVED
    assert Discussion.objects.get(article=article).approved_count == 1
    trashed = submit(article, entry(text="casino night")).comment
    assert trashed.status == Status.TRASH
    comment_moderate(comments=[trashed], action="restore", by=admin_user)
    trashed.refresh_from_db()
    assert trashed.status == Status.PENDING


def test_delete_is_permanent_and_recounts(article, admin_user):
    site_rules(moderation_mode="none")
    top = submit(article).comment
    submit(article, entry(parent_id=top.pk))
    assert Discussion.objects.get(article=article).approved_count == 2
    assert comment_moderate(comments=[top], action="delete", by=admin_user) == 1
    assert not Comment.objects.exists()  # its replies went with it
    assert Discussion.objects.get(article=article).approved_count == 0


def test_edit_renders_again_and_keeps_markup_inert(
        article, admin_user, django_capture_on_commit_callbacks):
    site_rules(moderation_mode="none")
    comment = submit(article).comment
    version = page_version(article.pk)
    with django_capture_on_commit_callbacks(execute=True):
        comment_edit(comment=comment, text="Fixed <script>x()</script>\n\nwww.example.org",
                     by=admin_user, reason="typo")
    comment.refresh_from_db()
    assert "<script" not in comment.html and "&lt;script&gt;" in comment.html
    assert comment.html.count("<p>") == 2 and 'rel="nofollow ugc noopener"' in comment.html
    assert comment.trail[-1]["outcome"] == "edited" and comment.trail[-1]["reason"] == "typo"
    assert page_version(article.pk) != version


def test_staff_reply_publishes_at_once_and_approves_its_parent(held, admin_user):
    reply = comment_reply_as_staff(parent=held, text="Thanks, we corrected the figure.",
                                   user=admin_user)
    held.refresh_from_db()
    assert held.status == Status.APPROVED
    assert (reply.status, reply.is_staff, reply.parent_id, reply.depth) == (
        Status.APPROVED, True, held.pk, 2)
    assert reply.thread_id == held.pk and reply.trail[-1]["by"] == admin_user.username
    assert Discussion.objects.get(article_id=held.article_id).approved_count == 2
    assert LabelledExample.objects.filter(label=Label.HAM).count() == 1  # the parent's


def test_staff_reply_at_the_deepest_level_goes_beside(article, admin_user):
    site_rules(moderation_mode="none")
    override(article, max_depth=2)
    top = submit(article).comment
    reply = submit(article, entry(parent_id=top.pk)).comment
    answer = comment_reply_as_staff(parent=reply, text="Noted.", user=admin_user)
    assert (answer.parent_id, answer.depth) == (top.pk, 2)

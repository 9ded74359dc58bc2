"""What moderators do from the admin: bulk and row actions (the spam engine learns at once),
reply as staff, edit; and nothing a forged form sends gives a 500."""

from __future__ import annotations

import pytest

from gazette.antispam.models import LabelledExample
from gazette.comments.models import Comment, Status

from .admin_testing import ACTION, QUEUE, client_for, make_comment, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod(django_user_model):
    return moderator(django_user_model)


@pytest.fixture
def mod_client(mod):
    return client_for(mod)


def statuses(*comments: Comment) -> list[str]:
    return [Comment.objects.get(pk=c.pk).status for c in comments]


@pytest.mark.parametrize("action, start, end, label", [
    ("approve", Status.PENDING, Status.APPROVED, "ham"),
    ("unapprove", Status.APPROVED, Status.PENDING, None),
    ("spam", Status.PENDING, Status.SPAM, "spam"),
    ("not_spam", Status.SPAM, Status.APPROVED, "ham"),
    ("trash", Status.PENDING, Status.TRASH, None),
])
def test_bulk_actions_change_the_ticked_comments_and_teach_the_engine(
        article, mod, mod_client, action, start, end, label):
    ticked = [make_comment(article, status=start, text=f"Comment number {n} on the vote.")
              for n in range(2)]
    untouched = make_comment(article, status=start, text="Not ticked.")
    here = f"{QUEUE}?status={start}"
    response = mod_client.post(ACTION, {"action": action, "ids": [c.pk for c in ticked],
                                        "next": here})
    assert response.status_code == 302 and response["Location"] == here
    assert statuses(*ticked) == [end, end]
    assert statuses(untouched) == [start]
    examples = LabelledExample.objects.filter(content__startswith="Comment number")
    if label is None:
        assert not examples.exists()
    else:
        assert sorted(examples.values_list("label", "source")) == [(label, "moderation")] * 2
    first = Comment.objects.get(pk=ticked[0].pk)
    assert first.moderated_by == mod
    assert first.trail[-1]["step"] == "moderator" and first.trail[-1]["by"] == "mod"
    followed = mod_client.get(here).content.decode()
    assert "2 comments" in followed


def test_restore_puts_a_trashed_comment_back_where_it_was(article, mod_client):
    approved = make_comment(article, status=Status.APPROVED)
    mod_client.post(ACTION, {"row_action": f"trash:{approved.pk}"})
    assert statuses(approved) == [Status.TRASH]
    mod_client.post(ACTION, {"action": "restore", "ids": [approved.pk]})
    assert statuses(approved) == [Status.APPROVED]


def test_delete_permanently(article, mod_client):
    spam = make_comment(article, status=Status.SPAM)
    kept = make_comment(article, status=Status.SPAM)
    response = mod_client.post(ACTION, {"action": "delete", "ids": [spam.pk]}, follow=True)
    assert "1 comment deleted permanently" in response.content.decode()
    assert not Comment.objects.filter(pk=spam.pk).exists()
    assert Comment.objects.filter(pk=kept.pk).exists()


def test_a_row_button_acts_on_its_comment_only(article, mod_client):
    one, other = make_comment(article), make_comment(article)
    # The ticked boxes are ignored when a row's own button was pressed.
    mod_client.post(ACTION, {"row_action": f"spam:{one.pk}", "ids": [other.pk],
                             "action": "approve"})
    assert statuses(one, other) == [Status.SPAM, Status.PENDING]
    assert LabelledExample.objects.filter(label="spam").count() == 1


def test_the_queue_page_posts_what_the_action_view_reads(article, mod_client):
    """The form's field names and button values, read from the rendered queue."""
    comment = make_comment(article)
    html = mod_client.get(QUEUE).content.decode()
    assert f'name="row_action" value="approve:{comment.pk}"' in html
    assert f'name="ids" value="{comment.pk}"' in html
    assert 'name="action"' in html and 'value="not_spam"' not in html  # pending: no not-spam
    make_comment(article, status=Status.SPAM)
    spam_html = mod_client.get(QUEUE, {"status": "spam"}).content.decode()
    assert 'value="not_spam"' in spam_html and 'value="delete"' in spam_html


@pytest.mark.parametrize("data", [
    {},
    {"action": "approve"},
    {"action": "explode", "ids": ["1"]},
    {"action": "approve", "ids": ["abc", "-3", "1.5", "99999999999999999999999", "٣"]},
    {"row_action": "approve"},
    {"row_action": "approve:"},
    {"row_action": ":12"},
    {"row_action": "approve:abc"},
    {"row_action": "nuke:1"},
    {"action": "approve", "ids": ["999999"]},
    {"action": "approve", "ids": ["1"], "next": "https://evil.example/"},
    {"action": "approve", "ids": ["1"], "next": "//evil.example/"},
    {"action": "approve", "ids": ["1"], "reason": "x" * 10000},
])
def test_forged_or_empty_forms_never_fail(article, mod_client, data):
    make_comment(article)
    response = mod_client.post(ACTION, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/comments/")


def test_the_action_view_answers_post_only(mod_client):
    assert mod_client.get(ACTION).status_code == 405


def test_reply_as_staff_is_published_under_the_comment(article, mod, mod_client):
    mod.first_name, mod.last_name = "Nora", "Desk"
    mod.save()
    parent = make_comment(article, status=Status.APPROVED)
    response = mod_client.post(f"{QUEUE}{parent.pk}/reply/",
                               {"text": "Thanks: we have corrected the figure."})
    assert response.status_code == 302
    reply = Comment.objects.get(parent=parent)
    assert response["Location"] == f"{QUEUE}{reply.pk}/"
    assert reply.status == Status.APPROVED
    assert reply.author_name == "Nora Desk" and reply.user == mod
    assert reply.text == "Thanks: we have corrected the figure."


def test_a_moderators_reply_carries_the_staff_badge(article, mod, mod_client):
    assert not mod.is_staff  # Wagtail's admin does not need Django's staff flag
    parent = make_comment(article, status=Status.APPROVED)
    mod_client.post(f"{QUEUE}{parent.pk}/reply/", {"text": "From the newsroom."})
    assert Comment.objects.get(parent=parent).is_staff


def test_replying_to_a_held_comment_approves_it(article, mod_client):
    parent = make_comment(article)
    mod_client.post(f"{QUEUE}{parent.pk}/reply/", {"text": "Welcome."})
    assert statuses(parent) == [Status.APPROVED]
    assert LabelledExample.objects.filter(label="ham").count() == 1


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01", "x" * 70000])
def test_an_empty_or_oversized_reply_is_refused_with_the_form(article, mod_client, text):
    parent = make_comment(article, status=Status.APPROVED)
    response = mod_client.post(f"{QUEUE}{parent.pk}/reply/", {"text": text})
    assert response.status_code == 400
    assert 'class="error-message"' in response.content.decode()
    assert not Comment.objects.filter(parent=parent).exists()


def test_edit_changes_the_text_and_notes_it_in_the_trail(article, mod_client):
    comment = make_comment(article, status=Status.APPROVED, text="Teh council voted.")
    form = mod_client.get(f"{QUEUE}{comment.pk}/edit/")
    assert "Teh council voted." in form.content.decode()
    response = mod_client.post(f"{QUEUE}{comment.pk}/edit/",
                               {"text": "The council voted. <b>bold</b>"})
    assert response.status_code == 302 and response["Location"] == f"{QUEUE}{comment.pk}/"
    comment.refresh_from_db()
    assert comment.text == "The council voted. <b>bold</b>"
    assert "<b>" not in comment.html
    assert comment.trail[-1]["outcome"] == "edited" and comment.trail[-1]["by"] == "mod"
    detail = mod_client.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert "edited" in detail


def test_an_empty_edit_is_refused(article, mod_client):
    comment = make_comment(article, text="Keep me.")
    response = mod_client.post(f"{QUEUE}{comment.pk}/edit/", {"text": "  "})
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.text == "Keep me."


@pytest.mark.parametrize("path", ["999999/reply/", "999999/edit/"])
def test_posting_to_an_unknown_comment_is_not_found(mod_client, path):
    assert mod_client.post(QUEUE + path, {"text": "Hello"}).status_code == 404

"""The moderators' forms: the queue's filters and search, a staff reply, an edit.

Every value comes from the address bar or a form and may be anything: a form that does not
validate filters nothing rather than failing.
"""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Comment, Status
from .text import MAX_LENGTHS, normalise

# What a moderator may do with a comment, in the order the buttons appear, with the queues
# where each is offered (every action is accepted anywhere: a bookmarked form stays valid).
ACTIONS: dict[str, str] = {
    "approve": "Approve",
    "unapprove": "Unapprove",
    "spam": "Spam",
    "not_spam": "Not spam",
    "trash": "Trash",
    "restore": "Restore",
    "delete": "Delete permanently",
}
ACTIONS_BY_QUEUE: dict[str, tuple[str, ...]] = {
    Status.PENDING: ("approve", "spam", "trash"),
    Status.APPROVED: ("unapprove", "spam", "trash"),
    Status.SPAM: ("not_spam", "trash", "delete"),
    Status.TRASH: ("restore", "delete"),
}
# Done: what the message says after an action.
DONE: dict[str, str] = {
    "approve": "approved", "unapprove": "sent back to Pending", "spam": "marked as spam",
    "not_spam": "marked as not spam and approved", "trash": "moved to the trash",
    "restore": "restored", "delete": "deleted permanently",
}
# The single-letter keys of the admin script (static/comments/admin/moderation.js).
SHORTCUTS: dict[str, str] = {"approve": "a", "spam": "s", "trash": "t"}


class QueueFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200,
                        help_text="Words in the text, the name or the email.")
    article = forms.IntegerField(label="Article id", required=False, min_value=1,
                                 max_value=2**31 - 1)
    name = forms.CharField(required=False, max_length=MAX_LENGTHS["author"])
    email = forms.CharField(required=False, max_length=254)
    ip = forms.GenericIPAddressField(label="IP address", required=False)
    date_from = forms.DateField(label="From", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, comments: QuerySet[Comment]) -> QuerySet[Comment]:
        """``comments`` narrowed by every field that validated (the others are ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if words := (data.get("q") or "").strip():
            comments = comments.filter(
                Q(text__icontains=words) | Q(author_name__icontains=words)
                | Q(author_email__icontains=words)
            )
        if article := data.get("article"):
            comments = comments.filter(article_id=article)
        if name := (data.get("name") or "").strip():
            comments = comments.filter(author_name__icontains=name)
        if email := (data.get("email") or "").strip():
            comments = comments.filter(author_email__icontains=email)
        if ip := data.get("ip"):
            comments = comments.filter(ip_address=ip)
        zone = timezone.get_current_timezone()
        if first := data.get("date_from"):
            comments = comments.filter(created_at__gte=datetime.combine(first, time.min, zone))
        if last := data.get("date_to"):
            comments = comments.filter(created_at__lte=datetime.combine(last, time.max, zone))
        return comments

    def active(self) -> dict[str, str]:
        """The filters in use, by field name, as typed (for the chips and the links that keep
        them across queues)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(self.data.get(name, "")).strip() for name in self.fields
                if data.get(name) not in (None, "")}


class _TextForm(forms.Form):
    def clean_text(self) -> str:
        text = normalise(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError("Write something first.")
        return text


class StaffReplyForm(_TextForm):
    text = forms.CharField(label="Reply as staff", max_length=MAX_LENGTHS["comment"],
                           widget=forms.Textarea(attrs={"rows": 5}))


class CommentEditForm(_TextForm):
    text = forms.CharField(label="Text", max_length=MAX_LENGTHS["comment"],
                           widget=forms.Textarea(attrs={"rows": 10}))

"""The comment form: WordPress's fields and limits, checked at the door before the pipeline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from . import text as comment_text
from .services import CommentInput

LIMITS = comment_text.MAX_LENGTHS


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment", max_length=LIMITS["comment"],
        widget=forms.Textarea(attrs={"rows": 8, "cols": 45}),
        error_messages={"required": "Please type your comment."},
    )
    author = forms.CharField(
        label="Name", max_length=LIMITS["author"],
        error_messages={"required": "Please give your name."},
    )
    email = forms.EmailField(
        label="Email", max_length=LIMITS["email"],
        error_messages={"required": "Please give your email address (it is not published).",
                        "invalid": "Please give a valid email address."},
    )
    url = forms.URLField(
        label="Website", max_length=LIMITS["url"], required=False, assume_scheme="https",
        error_messages={"invalid": "Please give a web address starting with http:// or "
                                   "https://, or leave it empty."},
    )
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput,
        error_messages={"invalid": "The comment you replied to is not on this story.",
                        "min_value": "The comment you replied to is not on this story.",
                        "max_value": "The comment you replied to is not on this story."},
    )
    notify = forms.BooleanField(required=False, label="Notify me of replies by email")
    remember = forms.BooleanField(
        required=False,
        label="Save my name, email, and website in this browser for the next time I comment",
    )
    token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    js_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    # The honeypot: hidden from people; whatever a bot puts here goes to the spam defence.
    subject = forms.CharField(required=False, max_length=1000)

    def clean_comment(self) -> str:
        value: str = self.cleaned_data["comment"]
        if not comment_text.normalise(value):
            raise ValidationError("Please type your comment.")
        return value.strip()

    def clean_author(self) -> str:
        value = comment_text.normalise(self.cleaned_data["author"]).replace("\n", " ")
        if not value:
            raise ValidationError("Please give your name.")
        return value

    def clean_url(self) -> str:
        value: str = self.cleaned_data["url"]
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValidationError("Please give a web address starting with http:// or https://, "
                                  "or leave it empty.")
        return value

    def entry(self) -> CommentInput:
        data: dict[str, Any] = self.cleaned_data
        return CommentInput(
            author=data["author"], email=data["email"], text=data["comment"],
            url=data["url"], parent_id=data["parent"], notify_replies=data["notify"],
        )

    def kept(self) -> dict[str, str]:
        """What the reader sent, to put back in the form (never lost on an error)."""
        return {name: str(self.data.get(name, ""))
                for name in ("comment", "author", "email", "url", "parent")}

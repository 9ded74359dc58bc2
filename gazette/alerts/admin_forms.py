"""The newsroom's "Send alert" form: what the notification says, where it leads, whom it reaches.

Its defaults come from the story (headline, standfirst, lead image, link); the topic is one of
the story's own (breaking news, its section, the readers following it).
"""

from __future__ import annotations

from typing import Any

from django import forms

from gazette.news.models import ArticlePage

from .topics import BREAKING, section_topic, story_topic


def topic_choices(article: ArticlePage) -> list[tuple[str, str]]:
    choices = [(BREAKING, "Breaking news (every breaking-news subscriber)")]
    section = article.section
    if section is not None:
        choices.append((section_topic(section.pk), f"Section: {section.title}"))
    choices.append((story_topic(article.pk), "Followers of this story"))
    return choices


def initial_for(article: ArticlePage) -> dict[str, Any]:
    from .services import MAX_BODY, MAX_TITLE, article_url, lead_image_url

    return {
        "title": article.title[:MAX_TITLE],
        "body": (article.standfirst or "")[:MAX_BODY],
        "image_url": lead_image_url(article),
        "url": article_url(article),
        "topic": BREAKING if article.breaking else story_topic(article.pk),
    }


class SendAlertForm(forms.Form):
    title = forms.CharField(max_length=120, help_text="The notification's first line.")
    body = forms.CharField(
        max_length=400, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two; shortened if the message would be too long.")
    image_url = forms.URLField(
        label="Image", max_length=1000, required=False, assume_scheme="https",
        help_text="Address of a picture shown in the notification (optional).")
    url = forms.URLField(label="Link", max_length=1000, assume_scheme="https",
                         help_text="Where a click leads.")
    topic = forms.ChoiceField(label="Send to", widget=forms.RadioSelect)
    force = forms.BooleanField(
        label="Send again", required=False,
        help_text="This story already had an alert to these readers: tick to send another.")

    def __init__(self, *args: Any, article: ArticlePage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article = article
        topic_field = self.fields["topic"]
        assert isinstance(topic_field, forms.ChoiceField)
        topic_field.choices = topic_choices(article)

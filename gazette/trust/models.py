"""The pages readers trust: About, Terms (standard pages), Privacy, Contact and the staff list.

Each lives under the front page and is edited in the Wagtail admin like any page. The footer of
every page links them (``selectors.footer_links``). The contact page is a Wagtail form-builder
page whose form posts to ``trust.views.contact_post`` rather than to the page itself, so the page
carries no CSRF cookie and stays in the shared page cache (see ``tokens``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import (
    AbstractEmailForm,
    AbstractFormField,
    AbstractFormSubmission,
)
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from gazette.news.cache import page_cache_tag
from gazette.news.routing import NoRestrictionsShortcutMixin

from .forms import ContactFormBuilder

# Headings, emphasis, links and lists: what a page of policy or addresses needs, and all of it
# on the allow-list of gazette.news.richtext, which cleans the text again when it is shown.
TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]
SENT_PARAMETER = "sent"
MAILED_FIELD = "mailed_at"


def comments_notice_url() -> str:
    """The comments' privacy notice, by URL name (trust does not import comments); "" on a
    site without comments."""
    try:
        return reverse("comments:privacy")
    except NoReverseMatch:
        return ""


def privacy_page_url() -> str:
    page = PrivacyPage.objects.live().public().first()
    return str(page.url or "") if page is not None else ""


class TrustPage(NoRestrictionsShortcutMixin, Page):
    """What every trust page has: a line under the title and the editable text."""

    summary: models.CharField[str, str] = models.CharField(
        max_length=250, blank=True, help_text="One sentence under the title; also the page's "
        "description for search engines when the Promote tab's is empty.")
    body = RichTextField(features=TEXT_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["news.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        abstract = True

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # Published edits bump the page cache's global tag (news.signals; receivers here too).
        page_cache_tag(request, f"page:{self.pk}")
        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        return context


class StandardPage(TrustPage):
    """About, Terms, or any other page of the newsroom's own text."""

    template = "trust/standard_page.html"

    class Meta:
        verbose_name = "standard page (About, Terms...)"


class PrivacyPage(TrustPage):
    """The site's privacy page: the newsroom's text, then a link to the comments' notice,
    which is generated from the retention settings in force."""

    template = "trust/privacy_page.html"
    max_count = 1

    class Meta:
        verbose_name = "privacy page"

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["comments_notice_url"] = comments_notice_url()
        return context


class StaffPage(TrustPage):
    """The newsroom's people, listed from the authors (name, role, bio, photo)."""

    template = "trust/staff_page.html"
    max_count = 1

    class Meta:
        verbose_name = "staff list page"

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from . import selectors

        # Authors are snippets: saving one bumps the global tag (news.signals); "authors" is
        # the tag author pages carry.
        page_cache_tag(request, "authors")
        context = super().get_context(request, *args, **kwargs)
        context["staff"] = selectors.staff_list()
        return context


class ContactFormField(AbstractFormField):
    page = ParentalKey("trust.ContactPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactSubmission(AbstractFormSubmission):
    """A message sent through the contact form: what the reader typed, nothing about them
    (no IP address, no user agent), and when it went to the newsroom's inbox."""

    mailed_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True)

    def get_data(self) -> dict[str, Any]:
        data: dict[str, Any] = super().get_data()
        data[MAILED_FIELD] = self.mailed_at
        return data


class ContactPage(NoRestrictionsShortcutMixin, AbstractEmailForm):
    """The newsroom's addresses and a contact form built in the admin."""

    summary: models.CharField[str, str] = models.CharField(max_length=250, blank=True)
    body = RichTextField(features=TEXT_FEATURES, blank=True,
                         help_text="Addresses, telephone numbers, who to write to about what.")
    thank_you_text = RichTextField(features=TEXT_FEATURES, blank=True,
                                   help_text="Shown once a message is sent.")

    form_builder = ContactFormBuilder
    template = "trust/contact_page.html"
    landing_page_template = "trust/contact_page_landing.html"
    max_count = 1
    parent_page_types = ["news.HomePage"]
    subpage_types: list[str] = []

    content_panels = AbstractEmailForm.content_panels + [
        FormSubmissionsPanel(),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
            FieldPanel("subject"),
        ], heading="Where messages go (emailed by the task worker; always kept in the admin)"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        verbose_name = "contact page"

    def get_submission_class(self) -> type[ContactSubmission]:
        return ContactSubmission

    def get_data_fields(self) -> list[tuple[str, Any]]:
        # The admin's list of messages (and its CSV) says which reached the newsroom's inbox.
        fields: list[tuple[str, Any]] = super().get_data_fields()
        return [*fields, (MAILED_FIELD, "Emailed to the newsroom")]

    def process_form_submission(self, form: Any) -> ContactSubmission:
        """Store the message; the email goes later, from a task (``services.contact_submit``).
        Wagtail's EmailFormMixin would send it during the request: never here."""
        from .forms import stored_data

        submission: ContactSubmission = ContactSubmission.objects.create(
            form_data=stored_data(form), page=self)
        return submission

    def form_action(self) -> str:
        return reverse("trust:contact", args=[self.pk])

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from .tokens import shared_form_token

        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context.setdefault("form", self.get_form(page=self, user=None))
        context["form_token"] = shared_form_token(self.pk)
        context["privacy_url"] = privacy_page_url()
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The form posts to trust.views.contact_post; the page itself only reads.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        page_cache_tag(request, f"page:{self.pk}")
        if request.GET.get(SENT_PARAMETER) == "1":
            landing: HttpResponse = self.render_landing_page(request)
            return landing
        return TemplateResponse(request, self.get_template(request), self.get_context(request))

    def render_with_form(self, request: HttpRequest, form: Any, *, status: int,
                         message: str = "") -> HttpResponse:
        """The page again with what the reader typed and why it was not sent; never cached."""
        context = self.get_context(request)
        context.update(form=form, message=message)
        response = TemplateResponse(request, self.get_template(request), context, status=status)
        add_never_cache_headers(response)
        return response

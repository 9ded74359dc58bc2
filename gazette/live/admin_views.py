"""The quick entry screen: post an update to a live page without editing the page, see the
latest entries, remove one posted in error. Thin: ``services`` posts, removes and refreshes
the caches. Every view needs publish permission on the page (Wagtail's page permissions), on
top of the admin access Wagtail's URLs already require."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from . import services
from .models import ENTRY_BODY_LENGTH, ENTRY_TITLE_LENGTH, LiveEntry, LivePage

RECENT = 20


def may_post(page: Page, user: Any) -> bool:
    return bool(user.is_active and page.permissions_for_user(user).can_publish())


class EntryForm(forms.Form):
    title = forms.CharField(max_length=ENTRY_TITLE_LENGTH, required=False,
                            help_text="Optional: a short headline for the update.")
    body = forms.CharField(max_length=ENTRY_BODY_LENGTH, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Plain text. A blank line starts a new paragraph; web "
                                     "addresses become links.")


class LivePageMixin:
    page: LivePage

    def setup_page(self, request: HttpRequest, page_id: int) -> LivePage:
        page: LivePage = get_object_or_404(LivePage, pk=page_id)
        if not may_post(page, request.user):
            raise PermissionDenied
        self.page = page
        return page


class QuickEntryView(LivePageMixin, WagtailAdminTemplateMixin, View):
    template_name = "live/admin/entries.html"
    header_icon = "time"

    def get_page_title(self) -> str:
        return f"Live: {self.page.title}"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*self.breadcrumbs_items,
                {"url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
                 "label": self.page.title},
                {"url": "", "label": "Live entries"}]

    def render(self, form: EntryForm, status: int = 200) -> HttpResponse:
        entries = LiveEntry.objects.filter(page=self.page).order_by("-created_at", "-pk")
        context = self.get_context_data(form=form, live_page=self.page,
                                        entries=list(entries[:RECENT]), total=entries.count())
        response: HttpResponse = self.render_to_response(context, status=status)
        return response

    def get(self, request: HttpRequest, page_id: int) -> HttpResponse:
        self.setup_page(request, page_id)
        return self.render(EntryForm())

    def post(self, request: HttpRequest, page_id: int) -> HttpResponse:
        page = self.setup_page(request, page_id)
        form = EntryForm(request.POST)
        if form.is_valid():
            try:
                services.live_entry_add(page=page, body=form.cleaned_data["body"],
                                        title=form.cleaned_data["title"], user=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                note = "" if page.live else " It will show once the page is published."
                messages.success(request, f"Update posted.{note}")
                return HttpResponseRedirect(reverse("live_admin:entries", args=[page.pk]))
        return self.render(form, status=400)


class DeleteEntryView(LivePageMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, page_id: int, entry_id: int) -> HttpResponse:
        page = self.setup_page(request, page_id)
        entry = get_object_or_404(LiveEntry, pk=entry_id, page=page)
        services.live_entry_delete(entry=entry)
        messages.success(request, "Update removed.")
        return HttpResponseRedirect(reverse("live_admin:entries", args=[page.pk]))

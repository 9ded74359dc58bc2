""""Most read" in the Wagtail admin (Reports menu): each story's reads in the last hour, day
and week, as counted by gazette.news.reads. Wagtail's admin URLs already require access to
the admin; the figures are aggregates, the same for every editor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .reads import READS_NOTE, reads_by_story


class MostReadView(WagtailAdminTemplateMixin, View):
    template_name = "news/admin/most_read.html"
    page_title = "Most read"
    header_icon = "view"

    def get(self, request: HttpRequest) -> HttpResponse:
        context: dict[str, Any] = self.get_context_data(rows=reads_by_story(), note=READS_NOTE)
        response: HttpResponse = self.render_to_response(context)
        return response

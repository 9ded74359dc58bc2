"""The spam defence in the Wagtail admin: API keys, what the filter learned from, a dashboard
panel."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy

from . import conf, selectors, services, state
from .models import ApiKey, LabelledExample


class ApiKeyViewSet(ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = "API keys"
    add_to_admin_menu = False
    copy_view_enabled = False
    list_display = [
        TitleColumn("key", label="Key", url_name="antispam_keys:edit"),
        "name",
        Column("sites_display", label="Sites", accessor=lambda key: ", ".join(
            s.host + (" (revoked)" if s.is_revoked else "") for s in key.sites.all()
        ) or "any site"),
        Column("is_active", label="Active"),
        Column("calls", label="Checks this month", accessor=selectors.month_usage),
        DateColumn("created"),
    ]
    list_filter = ["is_active"]
    search_fields = ["key", "name", "sites__host"]
    search_backend_name = None


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Examples are an append-only log that every process replays: view them, never edit.

    Deleting one would leave running engines with a lesson the log no longer has; a wrong
    decision is corrected by learning the opposite label.
    """

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action != "view":
            return False
        return bool(super().user_has_permission(user, action))

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)


def _verdict_html(example: LabelledExample) -> str:
    verdict = getattr(example, "verdict_today", None)
    if verdict is None:
        return ""
    agrees = verdict.is_spam == (example.label == "spam") or (
        example.label == "spam" and verdict.kind == "hold"
    )
    return format_html(
        "<strong>{}</strong> {}{}<br><small>{}</small>",
        verdict.kind, f"{verdict.score:.2f}", "" if agrees else " ⚠",
        "; ".join(verdict.reasons[:3]),
    )


class ExampleIndexView(generic.IndexView):
    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        paginator, page, object_list, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        # Only the examples on this page are checked again: a check costs about a millisecond.
        object_list = list(object_list)
        verdicts = services.verdicts_today(object_list)
        for example in object_list:
            example.verdict_today = verdicts.get(example.pk)
        return paginator, page, object_list, is_paginated


class LabelledExampleViewSet(ModelViewSet):
    model = LabelledExample
    icon = "list-ul"
    menu_label = "Learned decisions"
    add_to_admin_menu = False
    index_view_class = ExampleIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 25
    list_display = [
        TitleColumn("excerpt", label="Text", url_name="antispam_examples:inspect",
                    accessor=lambda e: (e.content[:120] or "(no text)")),
        "label",
        "source",
        Column("checked_as", label="Verdict then"),
        Column("today", label="Verdict today", accessor=_verdict_html),
        "pool",
        DateColumn("created", label="Learned"),
    ]
    list_filter = ["label", "source", "pool"]
    search_fields = ["content", "author"]
    search_backend_name = None
    # Never offered (see ReadOnlyPolicy); Wagtail builds the form views regardless.
    form_fields = ["label"]
    inspect_view_fields = [
        "label", "source", "pool", "site", "content", "author", "author_email", "author_url",
        "user_ip", "user_agent", "permalink", "comment_type", "lang", "checked_as", "stats",
        "created",
    ]

    @property
    def permission_policy(self) -> ReadOnlyPolicy:
        return ReadOnlyPolicy(self.model)


class AntispamGroup(ModelViewSetGroup):
    menu_label = "Spam defence"
    menu_icon = "warning"
    menu_order = 900
    items = (
        ApiKeyViewSet("antispam_keys"),
        LabelledExampleViewSet("antispam_examples"),
    )


@hooks.register("register_admin_viewset")
def register_viewsets() -> ModelViewSetGroup:
    return AntispamGroup()


REPORTED_FIELDS = ("checks", "caught", "held", "false_positives", "missed_spam")


class SpamDashboardPanel(Component):
    name = "antispam"
    template_name = "antispam/admin/dashboard_panel.html"
    order = 250

    def __init__(self, days: list[selectors.DayTotals] | None = None) -> None:
        self.days = days

    def get_context_data(self, parent_context: Any) -> dict[str, Any]:
        days = self.days if self.days is not None else selectors.daily_totals(14)
        totals = {
            field: sum(getattr(d, field) for d in days)
            for field in ("checks", "caught", "held", "false_positives", "missed_spam")
        }
        with state.engine_for(conf.default_pool()) as engine:
            binning = engine.binning_status()
        return {"days": days, "totals": totals, "binning": binning,
                "budget_percent": f"{binning.budget * 100:g}%"}


@hooks.register("construct_homepage_panels")
def add_spam_panel(request: Any, panels: list[Any]) -> None:
    # A newsroom with no comments and no API callers has nothing to read in a table of zeros:
    # the panel appears once the filter has checked something in the last 14 days.
    if request.user.has_perm("antispam.view_labelledexample"):
        days = selectors.daily_totals(14)
        if any(getattr(day, field) for day in days for field in REPORTED_FIELDS):
            panels.append(SpamDashboardPanel(days))

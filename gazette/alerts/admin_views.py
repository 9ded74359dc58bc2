"""The newsroom's alert screens in the Wagtail admin: send an alert about a story (form, preview,
confirmation), the list of alerts with their figures, one alert's outcomes and its resume button.

Thin by design: recording and fanning out an alert is ``services.alert_send``'s, the preview and
the audience ``services.alert_preview``'s. Every view needs ``alerts.send_alert`` (Wagtail's
"Moderators" group has it, superusers anyway); Wagtail's admin URLs already require
``wagtailadmin.access_admin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from gazette.news.models import ArticlePage

from . import services
from .admin_forms import SendAlertForm, initial_for
from .models import Alert, Delivery, DeliveryStatus
from .push import MAX_PAYLOAD
from .topics import topic_label

SEND_PERMISSION = "alerts.send_alert"
PER_PAGE = 50
# The service worker shows the site's logo when an alert names no icon (static/alerts/sw.js).
DEFAULT_ICON = "news/logo.png"


def can_send(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(SEND_PERMISSION))


def earlier_alerts(article: ArticlePage) -> QuerySet[Alert]:
    """Alerts already sent about the story, newest first."""
    return Alert.objects.filter(article=article).order_by("-created_at", "-pk")


# --- Figures --------------------------------------------------------------------------------


def with_last_delivery(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Each alert with ``last_delivered_at``: when its last delivered message was recorded."""
    last = (Delivery.objects.filter(alert=OuterRef("pk"), status=DeliveryStatus.DELIVERED)
            .order_by("-updated_at").values("updated_at")[:1])
    return alerts.annotate(last_delivered_at=Subquery(last))


def time_to_last_delivery(alert: Alert) -> timedelta | None:
    """From sending (the editor's Send, the command, the publication) to the last delivery,
    a wait in the queue included: what a reader waits (None before the first delivery)."""
    last: datetime | None = getattr(alert, "last_delivered_at", None)
    if last is None:
        return None
    return max(last - alert.created_at, timedelta(0))


def duration_text(duration: timedelta | None) -> str:
    if duration is None:
        return "–"
    seconds = duration.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def alert_status(alert: Alert) -> str:
    return "finished" if alert.finished_at is not None else "sending"


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    status: str
    to_last_delivery: str
    topic: str


def alert_row(alert: Alert) -> AlertRow:
    return AlertRow(alert=alert, status=alert_status(alert),
                    to_last_delivery=duration_text(time_to_last_delivery(alert)),
                    topic=topic_label(alert.topic))


def outcome_counts(alert: Alert) -> list[tuple[str, int]]:
    """How many of the alert's deliveries are in each state (every state, zero included)."""
    found = dict(Delivery.objects.filter(alert=alert).values_list("status")
                 .annotate(n=Count("id")).order_by())
    return [(label, int(found.get(value, 0))) for value, label in DeliveryStatus.choices]


# --- Views ----------------------------------------------------------------------------------


class SenderRequiredMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_send(request.user):
            raise PermissionDenied
        response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
            request, *args, **kwargs)
        return response


class AlertsTemplateView(SenderRequiredMixin, WagtailAdminTemplateMixin, View):
    header_icon = "mail"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = list(self.breadcrumbs_items)
        return [*items, {"url": reverse("alerts_admin:report"), "label": "Alerts"}]

    def render(self, http_status: int = 200, **context: Any) -> HttpResponse:
        response: HttpResponse = self.render_to_response(self.get_context_data(**context),
                                                         status=http_status)
        return response


class ReportView(AlertsTemplateView):
    """Every alert, newest first, with its figures."""

    template_name = "alerts/admin/report.html"
    page_title = "Alerts"

    def get(self, request: HttpRequest) -> HttpResponse:
        alerts = with_last_delivery(Alert.objects.select_related("article", "created_by")
                                    .order_by("-created_at", "-pk"))
        page = Paginator(alerts, PER_PAGE).get_page(request.GET.get("page"))
        return self.render(page=page, rows=[alert_row(alert) for alert in page.object_list])


class AlertView(AlertsTemplateView):
    """One alert: what it said, its counts per outcome, and "resume" while it is unfinished."""

    template_name = "alerts/admin/alert.html"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = get_object_or_404(
            with_last_delivery(Alert.objects.select_related("article", "created_by")), pk=pk)
        self.page_title = f"Alert: {alert.title}"
        return self.render(alert=alert, row_list=[alert_row(alert)], outcomes=outcome_counts(alert),
                           payload_limit=MAX_PAYLOAD)


class ResumeView(SenderRequiredMixin, View):
    """Walk the alert's fan-out again (a worker died; retries fell due with no task to run
    them): nothing already claimed is sent twice."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = get_object_or_404(Alert, pk=pk)
        services.alert_resume(alert.pk)
        messages.success(request, "The fan-out is enqueued again: what was not sent yet goes "
                                  "out, nothing is sent twice.")
        return HttpResponseRedirect(reverse("alerts_admin:alert", args=[alert.pk]))


class SendView(AlertsTemplateView):
    """Send an alert about a story in two steps: the form, then a preview of the notification
    with its audience and "Send to N subscribers?"; only that last button sends."""

    template_name = "alerts/admin/send.html"
    confirm_template_name = "alerts/admin/confirm.html"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def setup_article(self, page_id: int) -> ArticlePage:
        article: ArticlePage = get_object_or_404(ArticlePage.objects.live(), pk=page_id)
        self.page_title = f"Send an alert: {article.title}"
        return article

    def get(self, request: HttpRequest, page_id: int) -> HttpResponse:
        article = self.setup_article(page_id)
        form = SendAlertForm(initial=initial_for(article), article=article)
        return self.render_form(form)

    def post(self, request: HttpRequest, page_id: int) -> HttpResponse:
        article = self.setup_article(page_id)
        form = SendAlertForm(request.POST, article=article)
        step = request.POST.get("step", "preview")
        if step == "edit" or not form.is_valid():
            return self.render_form(form, http_status=200 if step == "edit" else 400)
        values = {name: form.cleaned_data[name]
                  for name in ("title", "body", "url", "image_url", "topic")}
        try:
            if step == "send":
                return self.send(request, article, form, values)
            preview = services.alert_preview(article=article, force=form.cleaned_data["force"],
                                             **values)
        except services.AlertAlreadySent:
            # The rule is the service's (the command line and publication follow it too).
            form.add_error("force", "This story already had an alert to these readers. Tick "
                                    "“Send again” to send another one.")
            return self.render_form(form, http_status=409)
        except services.AlertRefused as refused:
            form.add_error(None, str(refused))
            return self.render_form(form, http_status=400)
        self.template_name = self.confirm_template_name
        return self.render(
            form=form, article=article,
            preview=preview, audience_total=sum(preview.audience.values()),
            payload_limit=MAX_PAYLOAD, icon_url=static(DEFAULT_ICON),
            topic_label=topic_label(values["topic"]), force=form.cleaned_data["force"])

    def send(self, request: HttpRequest, article: ArticlePage, form: SendAlertForm,
             values: dict[str, str]) -> HttpResponse:
        alert = services.alert_send(
            article=article, title=values["title"], body=values["body"], url=values["url"],
            image_url=values["image_url"], topic=values["topic"], by=request.user,
            force=bool(form.cleaned_data["force"]))
        messages.success(request, f"Alert “{alert.title}” is on its way to "
                                  f"{topic_label(alert.topic)}.")
        return HttpResponseRedirect(reverse("alerts_admin:alert", args=[alert.pk]))

    def render_form(self, form: SendAlertForm, http_status: int = 200) -> HttpResponse:
        return self.render(http_status=http_status, form=form, article=form.article,
                           earlier=list(earlier_alerts(form.article)[:5]))

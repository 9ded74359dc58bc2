"""The moderators' views in the Wagtail admin: the queues, one comment, reply, edit, actions.

Thin by design: what a decision does (the status, the trail, the spam engine's lesson, the
counts and caches) is ``services.comment_moderate``'s; here only what to show and which
comments a form names. Every view needs ``comments.moderate_comment`` (superusers have it);
Wagtail's admin URLs already require ``wagtailadmin.access_admin``.

Personal data (email, IP address, user agent) is shown here and nowhere public.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .admin_forms import (
    ACTIONS,
    ACTIONS_BY_QUEUE,
    DONE,
    SHORTCUTS,
    CommentEditForm,
    QueueFilterForm,
    StaffReplyForm,
)
from .models import Comment, Discussion, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MODERATE_PERMISSION = "comments.moderate_comment"
PER_PAGE = 50
# How many comments one bulk form may name: more is not a person clicking.
MAX_BULK = 500


def can_moderate(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(MODERATE_PERMISSION))


def queue_counts() -> dict[str, int]:
    """How many comments each queue holds (every status, zero when empty)."""
    found = dict(Comment.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: int(found.get(status, 0)) for status in Status.values}


def pending_count() -> int:
    return Comment.objects.filter(status=Status.PENDING).count()


def oldest_pending_at() -> datetime | None:
    oldest: datetime | None = Comment.objects.filter(status=Status.PENDING).aggregate(
        at=Min("created_at"))["at"]
    return oldest


def surging_discussions() -> list[Discussion]:
    """Stories in surge mode now: first-time commenters there are held until it calms."""
    return list(Discussion.objects.filter(surge_since__isnull=False)
                .select_related("article").order_by("surge_since"))


@dataclass(frozen=True)
class TrailEntry:
    """One decision about a comment, from the stored trail (read defensively: it is JSON)."""

    step: str
    outcome: str
    reason: str = ""
    at: datetime | None = None
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    by: str = ""


def trail_entries(trail: object) -> list[TrailEntry]:
    if not isinstance(trail, list):
        return []
    entries = []
    for item in trail:
        if not isinstance(item, dict):
            continue
        score = item.get("score")
        reasons = item.get("reasons")
        at = item.get("at")
        entries.append(TrailEntry(
            step=str(item.get("step", "")),
            outcome=str(item.get("outcome", "")),
            reason=str(item.get("reason", "") or ""),
            at=parse_datetime(at) if isinstance(at, str) else None,
            score=float(score) if isinstance(score, int | float) else None,
            reasons=[str(r) for r in reasons] if isinstance(reasons, list) else [],
            by=str(item.get("by", "") or ""),
        ))
    return entries


def action_buttons(status: str) -> list[dict[str, str]]:
    return [{"action": name, "label": ACTIONS[name], "key": SHORTCUTS.get(name, "")}
            for name in ACTIONS_BY_QUEUE.get(status, ())]


def _safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


class ModeratorRequiredMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_moderate(request.user):
            raise PermissionDenied
        response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
            request, *args, **kwargs)
        return response


class ModerationTemplateView(ModeratorRequiredMixin, WagtailAdminTemplateMixin, View):
    header_icon = "comment"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = list(self.breadcrumbs_items)
        return [*items, {"url": reverse("comment_moderation:queue"), "label": "Comments"}]

    def render(self, http_status: int = 200, **context: Any) -> HttpResponse:
        response: HttpResponse = self.render_to_response(self.get_context_data(**context),
                                                         status=http_status)
        return response


class QueueView(ModerationTemplateView):
    """One queue (pending by default), filtered, searched, a page at a time."""

    template_name = "comments/admin/queue.html"
    page_title = "Comments"

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", Status.PENDING)
        if status not in Status.values:
            status = Status.PENDING
        filters = QueueFilterForm(request.GET)
        comments = filters.filter(Comment.objects.filter(status=status))
        comments = comments.select_related("article", "parent").order_by(
            *(("created_at", "id") if status == Status.PENDING else ("-created_at", "-id"))
        )
        page = Paginator(comments, PER_PAGE).get_page(request.GET.get("page"))
        counts = queue_counts()
        active = filters.active()
        queue_url = reverse("comment_moderation:queue")
        queues = [
            {"status": value, "label": label, "count": counts[value], "current": value == status,
             "url": f"{queue_url}?{_query(active, status=value)}"}
            for value, label in Status.choices
        ]
        return self.render(
            status=status, status_label=Status(status).label, queues=queues, page=page,
            filters=filters, active_filters=active, actions=action_buttons(status),
            oldest_pending_at=oldest_pending_at(), surges=surging_discussions(),
            here=request.get_full_path(), page_query=_query(active, status=status),
        )


def _query(active: dict[str, str], **extra: str) -> str:
    return urlencode({**active, **extra})


class CommentView(ModerationTemplateView):
    """One comment: everything known about it, its trail, a staff reply."""

    template_name = "comments/admin/comment.html"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        comment = get_object_or_404(
            Comment.objects.select_related("article", "parent", "moderated_by", "user"), pk=pk)
        return self.render_comment(request, comment, StaffReplyForm())

    def render_comment(self, request: HttpRequest, comment: Comment, reply_form: StaffReplyForm,
                       status: int = 200) -> HttpResponse:
        self.page_title = f"Comment by {comment.author_name}"
        surge = Discussion.objects.filter(article_id=comment.article_id,
                                          surge_since__isnull=False).first()
        return self.render(
            http_status=status, comment=comment, trail=trail_entries(comment.trail),
            reply_form=reply_form, actions=action_buttons(comment.status), surge=surge,
            replies=Comment.objects.filter(parent=comment).order_by("created_at", "id"),
            here=request.get_full_path(),
            queue_url=f"{reverse('comment_moderation:queue')}?status={comment.status}",
        )


class ReplyView(CommentView):
    """Reply as staff: published at once, under the moderator's name."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        parent = get_object_or_404(Comment.objects.select_related("article"), pk=pk)
        form = StaffReplyForm(request.POST)
        if form.is_valid():
            try:
                reply = services.comment_reply_as_staff(
                    parent=parent, text=form.cleaned_data["text"],
                    user=cast("User", request.user))
            except (ValueError, ValidationError) as refused:
                form.add_error("text", _message(refused))
            else:
                messages.success(request, "Your reply is published.")
                return HttpResponseRedirect(
                    reverse("comment_moderation:comment", args=[reply.pk]))
        return self.render_comment(request, parent, form, status=400)


class EditView(ModerationTemplateView):
    """Change a comment's text (a typo, a link to remove); the trail says who did."""

    template_name = "comments/admin/edit.html"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.page_title}]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        comment = get_object_or_404(Comment, pk=pk)
        return self.render_form(comment, CommentEditForm(initial={"text": comment.text}))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        comment = get_object_or_404(Comment, pk=pk)
        form = CommentEditForm(request.POST)
        if form.is_valid():
            try:
                services.comment_edit(comment=comment, text=form.cleaned_data["text"],
                                      by=cast("User", request.user))
            except (ValueError, ValidationError) as refused:
                form.add_error("text", _message(refused))
            else:
                messages.success(request, "The comment is saved.")
                return HttpResponseRedirect(
                    reverse("comment_moderation:comment", args=[comment.pk]))
        return self.render_form(comment, form, status=400)

    def render_form(self, comment: Comment, form: CommentEditForm,
                    status: int = 200) -> HttpResponse:
        self.page_title = f"Edit the comment by {comment.author_name}"
        return self.render(http_status=status, comment=comment, form=form)


class ActionView(ModeratorRequiredMixin, View):
    """Apply one action to the comments a form names: the ticked rows (``action`` + ``ids``)
    or one row's button (``row_action`` = "<action>:<id>")."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = _safe_next(request, reverse("comment_moderation:queue"))
        action, ids = _requested(request)
        if action not in ACTIONS:
            messages.error(request, "Choose an action.")
            return HttpResponseRedirect(back)
        if not ids:
            messages.warning(request, "Tick the comments to act on first.")
            return HttpResponseRedirect(back)
        changed = services.comment_moderate(
            comments=Comment.objects.filter(pk__in=ids), action=action,
            by=cast("User", request.user), reason=request.POST.get("reason", "")[:500],
        )
        noun = "comment" if changed == 1 else "comments"
        if changed:
            messages.success(request, f"{changed} {noun} {DONE[action]}.")
        else:
            messages.info(request, "Nothing changed.")
        return HttpResponseRedirect(back)


def _requested(request: HttpRequest) -> tuple[str, list[int]]:
    """The action and the comment ids a POST names; bad ids are dropped."""
    row_action = request.POST.get("row_action", "")
    if row_action:
        action, _, raw_id = row_action.partition(":")
        return action, _ids([raw_id])
    return request.POST.get("action", ""), _ids(request.POST.getlist("ids")[:MAX_BULK])


def _ids(raw: list[str]) -> list[int]:
    out = []
    for value in raw:
        value = value.strip()
        if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
            out.append(int(value))
    return out


def _message(error: ValueError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error) or "That could not be done."

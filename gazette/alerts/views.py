"""Readers' doors into the alerts part: the email sign-up form, the signed links (confirm,
preferences, one-click unsubscribe), the service worker and its click reports.

Every page here answers one reader and is never cached or indexed. The sign-up box itself
sits on cached pages, so it carries no per-reader token: cross-site posts are refused by their
Origin (as the comment form does), and the forms behind signed links need no CSRF token because
the link is the secret.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import subscriptions, topics
from .forms import EmailSignupForm, PreferencesForm
from .models import Channel
from .subscriptions import CONFIRM, MANAGE, UNSUBSCRIBE, SubscriptionError

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "alerts" / "sw.js"


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


def _message(request: HttpRequest, title: str, text: str, status: int = 200) -> HttpResponse:
    return _private(render(request, "alerts/message.html", {"title": title, "text": text},
                           status=status))


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _message(request, "This link does not work",
                    "It may have expired or been altered. Nothing was changed.", status=404)


def same_origin(request: HttpRequest) -> bool:
    """Origin (or, without it, Referer) names this site, or neither was sent."""
    host = request.get_host().lower()
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value is None or (header == "Referer" and not value):
            continue
        if value == "null":
            return False
        try:
            return urlsplit(value).netloc.lower() == host
        except ValueError:
            return False
    return True


@csrf_exempt
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """The sign-up box's email form: a confirmation email, then a page saying so."""
    if not same_origin(request):
        return _message(request, "Not sent", "This form must be sent from our own pages.", 403)
    form = EmailSignupForm(request.POST)
    if not form.is_valid():
        return _private(render(request, "alerts/subscribe_error.html", {"form": form},
                               status=400))
    try:
        subscriptions.email_subscribe(email=form.cleaned_data["email"],
                                      topics=form.cleaned_data["topics"])
    except SubscriptionError as error:
        return _message(request, "Not subscribed", str(error).capitalize() + ".", 400)
    # The same answer whether the address was new, pending or confirmed: the page must not
    # tell a stranger which addresses subscribe.
    return _message(request, "Check your inbox",
                    "We have sent a message to that address. Follow its link to start "
                    "receiving alerts; nothing is sent before you do.")


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button (mail scanners follow links and must not confirm anyone); POST: confirm."""
    subscription = subscriptions.subscription_from_token(token, CONFIRM)
    if subscription is None:
        return _bad_link(request)
    if request.method == "POST":
        subscriptions.email_confirm(subscription)
        return _private(render(request, "alerts/confirmed.html", {
            "manage_url": subscriptions.manage_url(subscription)}))
    return _private(render(request, "alerts/confirm.html"))


def _choices(current: list[str]) -> list[tuple[str, str]]:
    """Breaking news, every live section (a reader may add one here), then the reader's other
    topics (stories followed; a section no longer published, so it can be unticked)."""
    from gazette.news.models import SectionPage

    choices = [(topics.BREAKING, topics.topic_label(topics.BREAKING))]
    sections = SectionPage.objects.live().order_by("path").values_list("pk", "title")
    choices += [(topics.section_topic(pk), f"Section: {title}") for pk, title in sections]
    offered = {value for value, _ in choices}
    choices += [(t, topics.topic_label(t)) for t in current if t not in offered]
    return choices


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Change topics or cancel, by the signed link (no account)."""
    subscription = subscriptions.subscription_from_token(token, MANAGE)
    if subscription is None:
        return _bad_link(request)
    current = subscriptions.topics_of(subscription)
    form = PreferencesForm(request.POST if request.method == "POST" else None,
                           choices=_choices(current), initial={"topics": current})
    if request.method == "POST":
        if not same_origin(request):
            return _message(request, "Not changed", "This form must be sent from our pages.", 403)
        if "cancel" in request.POST or (form.is_valid() and not form.cleaned_data["topics"]):
            subscriptions.subscription_cancel(subscription)
            return _message(request, "Unsubscribed", "You will get no more alerts from us.")
        if form.is_valid():
            try:
                subscriptions.subscription_topics_set(subscription, form.cleaned_data["topics"])
            except SubscriptionError as error:
                return _message(request, "Not changed", str(error).capitalize() + ".", 400)
            return _message(request, "Saved", "Your alert choices are saved.")
    what = "this browser" if subscription.channel == Channel.PUSH else "your email address"
    return _private(render(request, "alerts/manage.html", {"form": form, "what": what},
                           status=400 if form.errors else 200))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a POST (the mail client's one-click button, or ours) unsubscribes at once;
    a GET shows the button."""
    subscription = subscriptions.subscription_from_token(token, UNSUBSCRIBE)
    if subscription is None:
        return _bad_link(request)
    if request.method == "POST":
        subscriptions.subscription_cancel(subscription)
        return _message(request, "Unsubscribed", "You will get no more alerts from us.")
    return _private(render(request, "alerts/unsubscribe.html"))


def service_worker(request: HttpRequest) -> HttpResponseBase:
    """The push service worker at the site's root, so that its scope may be the whole site."""
    response = FileResponse(SERVICE_WORKER.open("rb"),
                            content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at least daily; keep it short so a fix arrives soon.
    patch_cache_control(response, public=True, max_age=300)
    return response


@csrf_exempt
@require_POST
def clicked(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The service worker reports that a reader opened an alert (counted once per report)."""
    if not same_origin(request):
        return JsonResponse({"error": "cross-site request refused"}, status=403)
    from . import services  # written alongside the sender; imported when first needed

    services.alert_clicked(alert_id)
    response = HttpResponse(status=204)
    add_never_cache_headers(response)
    return response

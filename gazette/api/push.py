"""Web Push subscriptions: the site's VAPID key, and a browser's PushSubscription plus topics.

Bodies are read by hand rather than by a ninja schema so that every refusal is one clear JSON
error (``{"error": ...}``) and an oversized body is refused (413) before it is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.decorators import decorate_view

from gazette.alerts import subscriptions, vapid
from gazette.alerts.subscriptions import SubscriptionError

MAX_BODY = 8 * 1024

router = Router(tags=["push"])


class PublicKeyOut(Schema):
    publicKey: str  # noqa: N815  (the Push API's spelling)


class SubscriptionOut(Schema):
    id: int
    topics: list[str]
    manage: str


class ErrorOut(Schema):
    error: str


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _same_origin(request: HttpRequest) -> bool:
    """A browser names the page's origin on every POST; one from another site is refused. A
    client sending no Origin (curl, a monitor) is no browser and carries no reader's cookies."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        return origin != "null" and urlsplit(origin).netloc.lower() == request.get_host().lower()
    except ValueError:
        return False


def _guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    """Size and origin checks before anything is parsed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error("bad Content-Length", 400)
        if declared > MAX_BODY or len(request.body) > MAX_BODY:
            return _error(f"body larger than {MAX_BODY} bytes", 413)
        if not _same_origin(request):
            return _error("cross-site request refused", 403)
        return view(request, *args, **kwargs)

    return wrapper


def _json_object(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _error("body is not JSON", 400)
    if not isinstance(data, dict):
        return _error("body must be a JSON object", 400)
    return data


@router.get("key", response=PublicKeyOut, summary="The site's VAPID public key")
def push_key(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"publicKey": vapid.public_key_b64()})
    response["Cache-Control"] = "public, max-age=300"
    return response


@router.post("subscriptions", response={201: SubscriptionOut, 400: ErrorOut, 403: ErrorOut,
                                        413: ErrorOut, 422: ErrorOut},
             summary="Store a browser's push subscription and its topics",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
                 "type": "object", "required": ["endpoint", "keys", "topics"],
                 "properties": {
                     "endpoint": {"type": "string"},
                     "keys": {"type": "object", "properties": {
                         "p256dh": {"type": "string"}, "auth": {"type": "string"}}},
                     "topics": {"type": "array", "items": {"type": "string"}}}}}}}})
@decorate_view(_guarded)
def push_subscribe(request: HttpRequest) -> HttpResponse:
    data = _json_object(request)
    if isinstance(data, JsonResponse):
        return data
    endpoint, keys, topics = data.get("endpoint"), data.get("keys"), data.get("topics")
    if not isinstance(endpoint, str):
        return _error("endpoint must be a string", 422)
    if not isinstance(keys, dict):
        return _error("keys must be an object with p256dh and auth", 422)
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        return _error("keys.p256dh and keys.auth must be strings", 422)
    if not isinstance(topics, list):
        return _error("topics must be a list", 422)
    try:
        subscription = subscriptions.push_subscribe(
            endpoint=endpoint, p256dh=p256dh, auth=auth, topics=topics)
    except SubscriptionError as error:
        return _error(str(error), 422)
    response = JsonResponse({"id": subscription.pk,
                             "topics": subscriptions.topics_of(subscription),
                             "manage": subscriptions.manage_url(subscription)}, status=201)
    response["Cache-Control"] = "no-store"
    return response


@router.delete("subscriptions", response={204: None, 400: ErrorOut, 404: ErrorOut},
               summary="Forget a push subscription (by its endpoint)")
@decorate_view(_guarded)
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    data = _json_object(request)
    if isinstance(data, JsonResponse):
        return data
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return _error("endpoint must be a string", 422)
    if not subscriptions.push_unsubscribe(endpoint=endpoint):
        return _error("no such subscription", 404)
    return HttpResponse(status=204)

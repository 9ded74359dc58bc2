"""Project-wide HTTP hardening: security headers and admin login throttling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

ADMIN_PREFIXES = ("/admin/", "/django-admin/")
LOGIN_PATHS = ("/admin/login/", "/django-admin/login/")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = (
                settings.GAZETTE_ADMIN_CSP
                if request.path.startswith(ADMIN_PREFIXES)
                else settings.GAZETTE_CSP
            )
            response["Content-Security-Policy"] = policy
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _throttle_keys(request: HttpRequest, username: str) -> list[str]:
    # Per address (one attacker, many usernames) and per username (many addresses, one account).
    return [f"login-fail:ip:{client_ip(request)}", f"login-fail:user:{username.lower()[:150]}"]


def _failures(keys: list[str]) -> int:
    return max(cache.get_many(keys).values(), default=0)


@receiver(user_login_failed)
def count_login_failure(sender: object, credentials: dict[str, Any],
                        request: HttpRequest | None = None, **kwargs: object) -> None:
    if request is None:
        return
    for key in _throttle_keys(request, credentials.get("username", "")):
        cache.add(key, 0, timeout=settings.LOGIN_THROTTLE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW)


@receiver(user_logged_in)
def forget_login_failures(sender: object, request: HttpRequest | None = None,
                          user: AbstractBaseUser | None = None, **kwargs: object) -> None:
    if request is not None and user is not None:
        cache.delete(f"login-fail:user:{user.get_username().lower()[:150]}")


class LoginThrottleMiddleware:
    """Refuse admin login attempts after repeated failures, for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in LOGIN_PATHS:
            keys = _throttle_keys(request, request.POST.get("username", ""))
            if _failures(keys) >= settings.LOGIN_THROTTLE_ATTEMPTS:
                response = HttpResponse(
                    "Too many failed sign-in attempts. Wait a few minutes and try again.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(settings.LOGIN_THROTTLE_WINDOW)
                return response
        return self.get_response(request)

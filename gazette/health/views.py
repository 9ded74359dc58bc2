"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for load balancers.

Neither is a page: the page cache stores only views that call ``page_cache_tag``, and both
say ``Cache-Control: no-store`` so no proxy keeps an old answer either.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from . import selectors


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    # Touches nothing: a slow database must not make a load balancer kill a live process.
    return _no_store(JsonResponse({"status": "ok"}))


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    document = selectors.readiness()
    return _no_store(JsonResponse(document, status=200 if document["status"] == "ok" else 503))

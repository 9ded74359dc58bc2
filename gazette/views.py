"""Error pages that look like the rest of the site and never depend on the database."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.http.response import HttpResponseBase
from django.template import loader
from django.views.static import serve


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = loader.render_to_string("404.html", {"request_path": request.path}, request=request)
    return HttpResponseNotFound(html)


# The database is away (restarting, failing over, out of connections): a passing state that a
# client should retry, not a bug. Django calls the error handler inside its except block.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: the failure may be in what a context processor reads.
    if isinstance(sys.exc_info()[1], UNAVAILABLE_ERRORS):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def media_serve(request: HttpRequest, path: str, document_root: str) -> HttpResponseBase:
    """Django's static file view, with a name the file system refuses (too long, a NUL) a 404."""
    try:
        return serve(request, path, document_root=document_root)
    except (OSError, ValueError) as error:
        raise Http404("No such file") from error

"""Error pages that look like the rest of the site and never depend on the database."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = loader.render_to_string("404.html", {"request_path": request.path}, request=request)
    return HttpResponseNotFound(html)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: the failure may be in what a context processor reads.
    return HttpResponseServerError(loader.get_template("500.html").render())

"""Serve the Akismet API at the root of hosts of its own (GAZETTE_AKISMET_HOSTS)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host

from .. import conf


class AkismetHostMiddleware:
    """Switch the URLconf for requests to an Akismet host, so ``/1.1/comment-check`` works there.

    Hosts are matched like ALLOWED_HOSTS: ``.example.org`` also matches its subdomains, which
    is how Akismet's older ``KEY.rest.akismet.com`` addressing can be mirrored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hosts = conf.get("GAZETTE_AKISMET_HOSTS")
        if hosts:
            try:
                domain, _port = split_domain_port(request.get_host())
            except DisallowedHost:
                domain = ""
            if domain and validate_host(domain, hosts):
                # Django reads request.urlconf (documented); django-stubs does not declare it.
                request.urlconf = "gazette.antispam.akismet.host_urls"  # type: ignore[attr-defined]
        return self.get_response(request)

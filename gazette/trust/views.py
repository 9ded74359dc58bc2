"""The contact form's door. Thin: ``tokens`` checks what the page carried, the form what was
typed, ``services.contact_submit`` decides. Every refusal shows the page again with the text."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .models import SENT_PARAMETER, ContactPage
from .tokens import form_token_check

OTHER_SITE = ("This form was sent from another site, so your message was not sent. It is "
              "below: send it from this page.")
EXPIRED = "This form had expired, so your message was not sent. It is below: send it again."
CHECK_FORM = "Please check the form: your message was not sent."
LIMITED = ("Too many messages were sent from your network in the last hour, so this one was "
           "not sent. It is below: please try again later, or write to an address above.")


def _host(value: str) -> str | None:
    try:
        return urlsplit(value).netloc.lower()
    except ValueError:
        return None


def same_origin(request: HttpRequest) -> bool:
    """Origin (else Referer) names this site, or neither was sent: browsers send Origin with
    every cross-site POST, so a form on another site posting here is refused."""
    host = request.get_host().lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and _host(origin) == host
    referer = request.headers.get("Referer")
    return _host(referer) == host if referer else True


def client_address(request: HttpRequest) -> str | None:
    """The peer's address (Gazette serves HTTP itself; a proxy must pass the client as peer)."""
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


@csrf_exempt  # the page is cached and cookie-free: Origin and the signed token stand in
@require_POST
def contact_post(request: HttpRequest, page_id: int) -> HttpResponse:
    page: ContactPage | None = ContactPage.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404("No such contact page.")
    form = page.get_form(request.POST, page=page, user=None)
    if not same_origin(request):
        return page.render_with_form(request, form, status=403, message=OTHER_SITE)
    token = form_token_check(str(request.POST.get("contact_token", "")), page.pk)
    if not token.valid:
        return page.render_with_form(request, form, status=400,
                                     message=EXPIRED if token.expired else CHECK_FORM)
    if not form.is_bot and not form.is_valid():
        return page.render_with_form(request, form, status=400, message=CHECK_FORM)
    try:
        services.contact_submit(page=page, form=form, client_address=client_address(request))
    except services.ContactLimited:
        response = page.render_with_form(request, form, status=429, message=LIMITED)
        response["Retry-After"] = str(services.RATE_WINDOW_SECONDS)
        return response
    return HttpResponseRedirect(f"{page.get_url(request)}?{SENT_PARAMETER}=1", status=303)

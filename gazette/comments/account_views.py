"""A commenter's own pages: the privacy notice and its requests, the confirmation of an
address for reply emails, the one-click unsubscribe; and the moderators' "commenter data"
admin view. Thin: the rules are in ``privacy.py`` and ``notifications.py``.

Pages reached through a link in an email are authorised by the signed token in their URL, not
by a session: they work without logging in, and their POSTs need no CSRF token (RFC 8058's
one-click unsubscribe is a bare POST from the mail client). A bad or expired token gets a page
that says so, with status 400, never an error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import notifications, privacy


class PrivacyRequestForm(forms.Form):
    email = forms.EmailField(max_length=100, label="Your email address")
    action = forms.ChoiceField(
        choices=[(privacy.EXPORT, "Send me a copy of my data"),
                 (privacy.ERASE, "Erase my data")],
        widget=forms.RadioSelect, initial=privacy.EXPORT, label="What would you like?",
    )


class CommenterDataForm(forms.Form):
    email = forms.EmailField(max_length=100, label="Commenter's email address")
    remove_text = forms.BooleanField(required=False,
                                     label="Erase: remove the comments' text too")
    confirm = forms.BooleanField(required=False, label="Erase: yes, anonymise this commenter")


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


def _message(request: HttpRequest, title: str, text: str, status: int = 200) -> HttpResponse:
    return _private(render(request, "comments/privacy_message.html",
                           {"title": title, "text": text}, status=status))


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _message(request, "This link does not work",
                    "It may be mistyped, or it has expired. Nothing was changed.", status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice, with the form that mails a reader their export or erasure link."""
    form = PrivacyRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                privacy.privacy_request(form.cleaned_data["email"],
                                        form.cleaned_data["action"],
                                        client_ip=request.META.get("REMOTE_ADDR"))
            except privacy.PrivacyRequestsLimited:
                return _message(request, "Too many requests",
                                "This network asked for too many links this hour; nothing "
                                "was sent. Please try again later.", status=429)
            return redirect("comments:privacy_sent")
        status = 400
    else:
        status = 200
    return _private(render(request, "comments/privacy.html",
                           {**privacy.notice_facts(), "form": form}, status=status))


def privacy_sent(request: HttpRequest) -> HttpResponse:
    return _message(request, "Check your inbox",
                    "If that address is right, an email with a link is on its way to it. "
                    f"The link works for {privacy.LINK_MAX_AGE.days} days.")


def privacy_export(request: HttpRequest, token: str) -> HttpResponse:
    address = privacy.privacy_token_read(token, privacy.EXPORT)
    if address is None:
        return _bad_link(request)
    response = HttpResponse(privacy.personal_data_export_json(address.email),
                            content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="comment-data-{stamp}.json"'
    return _private(response)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def privacy_erase(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what erasure does, and the button; POST: erase."""
    address = privacy.privacy_token_read(token, privacy.ERASE)
    if address is None:
        return _bad_link(request)
    if request.method == "POST":
        result = privacy.personal_data_erase(address.email,
                                             remove_text=request.POST.get("remove_text") == "1")
        return _message(request, "Your data is erased",
                        f"{result.comments} comment(s) anonymised; we no longer hold your "
                        "email address.")
    return _private(render(request, "comments/privacy_erase.html", privacy.notice_facts()))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def notify_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button (mail scanners follow links; they must not subscribe anyone); POST:
    confirm the address for reply emails."""
    if notifications.confirm_token_read(token) is None:
        return _bad_link(request)
    if request.method == "POST":
        if notifications.address_confirm(token) is None:
            return _bad_link(request)
        return _message(request, "Address confirmed",
                        "You will get an email when someone replies to your comments. Every "
                        "email has a link to stop them.")
    return _private(render(request, "comments/notify_confirm.html"))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a POST (from the mail client's button, or ours) unsubscribes at once, with
    no login; a GET shows the button."""
    read = notifications.unsubscribe_token_read(token)
    if read is None:
        return _bad_link(request)
    mailing = read[1]
    what = ("reply notifications" if mailing == notifications.REPLIES
            else "emails about comments awaiting moderation")
    if request.method == "POST":
        notifications.address_unsubscribe(token)
        return _message(request, "Unsubscribed", f"You will get no more {what}.")
    return _private(render(request, "comments/unsubscribe.html", {"what": what}))


# --- Admin ----------------------------------------------------------------------------------


def admin_commenter_data(request: HttpRequest) -> HttpResponse:
    """Export or erase what is stored for one commenter's email (moderators only)."""
    from .admin_views import can_moderate

    if not can_moderate(request.user):
        raise PermissionDenied
    form = CommenterDataForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, **privacy.notice_facts()}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if "export" in request.POST:
            response = HttpResponse(privacy.personal_data_export_json(email),
                                    content_type="application/json; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="commenter-data.json"'
            return _private(response)
        if "erase" in request.POST:
            if not form.cleaned_data["confirm"]:
                form.add_error("confirm", "Tick this box to erase.")
            else:
                result = privacy.personal_data_erase(
                    email, remove_text=form.cleaned_data["remove_text"])
                messages.success(request, f"Erased: {result.comments} comment(s) anonymised, "
                                          f"{result.addresses} notification address(es), "
                                          f"{result.examples} spam filter example(s).")
                return redirect("comments_commenter_data")
        if form.is_valid():
            context["found"] = privacy.personal_data_export(email)["comments"]
    return _private(render(request, "comments/privacy_admin.html", context))

"""The readers' door to the discussion: the form's POST, the script's token, the held notice.

Thin on purpose: the form checks what was typed, ``tokens`` what the page carried, and
``services.comment_submit`` decides. Every refusal gives the reader their text back.
"""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from gazette.news.models import ArticlePage

from . import selectors, services, tokens
from .forms import CommentForm
from .models import Comment, Status
from .reader_hooks import PAGE_PARAMETER, form_context
from .rules import DiscussionRules, rules_for
from .stories import LiveStory, live_story

REMEMBER_COOKIE = "gazette_commenter"
REMEMBER_SECONDS = 365 * 24 * 3600
UNKNOWN_ARTICLE = ("This story does not exist or is no longer published, so it takes no "
                   "comments. Your text is below.")
OTHER_SITE = ("This form was sent from another site, so it was not accepted. Your text is "
              "below: send it from the story's page.")
EXPIRED = "This form has expired; your comment is below, send it again."
CHECK_FORM = "Please check the form: your comment was not sent."
PUBLISHED = "Your comment is published."
HELD = "Your comment is awaiting moderation."


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _live_article(article_id: int) -> ArticlePage | None:
    story = live_story(article_id)
    return story.page if story is not None else None


def _origin_host(value: str) -> str | None:
    try:
        return urlsplit(value).netloc.lower()
    except ValueError:
        return None


def same_origin(request: HttpRequest) -> bool:
    """Origin (or, without it, Referer) names this site, or neither was sent.

    Browsers send Origin with every cross-site POST, so a form on another site posting here is
    refused; a client that sends neither (a plain script, a privacy add-on dropping Referer)
    still needs the page's signed token."""
    host = request.get_host().lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin != "null" and _origin_host(origin) == host
    referer = request.headers.get("Referer")
    if referer:
        return _origin_host(referer) == host
    return True


def client_ip(request: HttpRequest) -> str | None:
    """The peer's address. Gazette serves HTTP itself (granian); behind a proxy, the proxy must
    pass the client's address as the peer (no forwarded header is trusted)."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _kept(form: CommentForm) -> dict[str, str]:
    kept = form.kept()
    for box in ("remember", "notify"):
        kept[box] = "1" if form.data.get(box) else ""
    return kept


def _refuse(request: HttpRequest, article: ArticlePage | None, status: int, message: str,
            kept: dict[str, str], errors: dict[str, list[str]] | None = None,
            rules: DiscussionRules | None = None) -> HttpResponse:
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"errors": errors or {"__all__": [message]}, "message": message}, status=status)
    else:
        context: dict[str, Any] = {"kept": kept, "message": message, "article": None,
                                   "closed": True}
        if article is not None:
            context = form_context(request, article, kept=kept, errors=errors, message=message)
            context["closed"] = (rules or rules_for(article)).is_closed(article)
            if context["closed"]:
                context["message"] = message
        response = render(request, "comments/form_page.html", context, status=status)
    add_never_cache_headers(response)
    return response


def _permalink(article: ArticlePage, comment: Comment, rules: DiscussionRules,
               request: HttpRequest | None = None, number: int | None = None,
               url: str | None = None) -> str:
    """The address of the page of the discussion that shows ``comment`` (``number``: that
    page, when known; ``url``: the story's, when known)."""
    if number is None:
        number = selectors.page_of(comment, rules)
    query = f"?{PAGE_PARAMETER}={number}" if number > 1 else ""
    return f"{article.get_url(request) if url is None else url}{query}#{comment.anchor}"


def _remember(request: HttpRequest, response: HttpResponseBase, form: CommentForm) -> None:
    """The consent box: a first-party cookie the script reads to fill the form in next time."""
    data = form.cleaned_data
    if data["remember"]:
        value = json.dumps({"name": data["author"], "email": data["email"], "url": data["url"]},
                           ensure_ascii=False)
        response.set_cookie(REMEMBER_COOKIE, quote(value, safe=""), max_age=REMEMBER_SECONDS,
                            samesite="Lax", secure=request.is_secure(), httponly=False)
    elif REMEMBER_COOKIE in request.COOKIES:
        response.delete_cookie(REMEMBER_COOKIE, samesite="Lax")


def _published(request: HttpRequest, story: LiveStory, comment: Comment,
               rules: DiscussionRules, number: int | None) -> HttpResponseBase:
    """``number``: the page that shows the comment, if the pipeline knew it. Without it the
    plain form is sent to the comment's permalink, which finds the page when followed (a
    count the reader waits for either way, but one a script or a bot does not cost)."""
    if not _wants_json(request):
        if number is None:
            return HttpResponseRedirect(reverse("comments:permalink", args=[comment.pk]),
                                        status=303)
        # The address as get_url() gives it without the request (Wagtail would look its site
        # up again to decide whether it may be relative; with one site it is, with more it
        # is whole), kept with the story.
        return HttpResponseRedirect(_permalink(story.page, comment, rules, None, number,
                                               story.url), status=303)
    if number is None:
        number = selectors.page_of(comment, rules)
    location = _permalink(story.page, comment, rules, request, number)
    node = selectors.CommentNode(comment, min(comment.depth, rules.max_depth))
    html = render_to_string("comments/comment.html", {
        "node": node, "rules": rules, "closed": False, "page_parameter": PAGE_PARAMETER,
        "discussion": {"number": number},
    })
    return JsonResponse({"status": "published", "anchor": comment.anchor, "html": html,
                         "message": PUBLISHED, "url": location}, status=201)


def _held(request: HttpRequest, comment: Comment) -> HttpResponseBase:
    location = reverse("comments:held", args=[tokens.held_notice_key(comment.pk or 0)])
    if not _wants_json(request):
        return HttpResponseRedirect(location, status=303)
    return JsonResponse({"status": "held", "anchor": "", "html": "", "message": HELD,
                         "url": location}, status=201)


@csrf_exempt  # the page is shared by every reader: see docs/comments.md, "Cross-site posting"
@require_POST
def comment_post(request: HttpRequest, article_id: int) -> HttpResponseBase:
    now = time.time()
    form = CommentForm(request.POST)
    kept = _kept(form)
    story = live_story(article_id)
    if story is None:
        return _refuse(request, None, 404, UNKNOWN_ARTICLE, kept)
    article = story.page
    rules = rules_for(article)
    if not same_origin(request):
        return _refuse(request, article, 403, OTHER_SITE, kept, rules=rules)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return _refuse(request, article, 400, CHECK_FORM, kept, errors, rules)
    page = tokens.check_page_token(form.cleaned_data["token"], article.pk, now)
    if not page.valid:
        return _refuse(request, article, 400, EXPIRED, kept, rules=rules)
    script = tokens.check_script_token(form.cleaned_data["js_token"], article.pk, now)
    evidence = services.FormEvidence(
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:512],
        referrer=request.headers.get("Referer", "")[:2000],
        honeypot=form.cleaned_data["subject"],
        rendered_at=script.issued_at if script.valid else page.issued_at,
        submitted_at=now,
        token_valid=True,
        token_replayed=script.replayed,
        script_ran=script.valid,
    )
    user = request.user if request.user.is_authenticated else None
    outcome = services.comment_submit(article=article, entry=form.entry(), evidence=evidence,
                                      user=user, rules=rules, permalink=story.full_url)
    if isinstance(outcome, services.Refused):
        errors = {outcome.field or "__all__": [outcome.message]}
        return _refuse(request, article, outcome.status, outcome.message, kept, errors, rules)
    comment = outcome.comment
    response = (_published(request, story, comment, rules, outcome.page) if outcome.published
                else _held(request, comment))
    _remember(request, response, form)
    return response


@require_GET
def script_token(request: HttpRequest, article_id: int) -> HttpResponse:
    """A single-use token for the script, never cached (by us, the browser or a proxy)."""
    if live_story(article_id) is None:
        response = JsonResponse({"message": UNKNOWN_ARTICLE}, status=404)
    else:
        response = JsonResponse({"token": tokens.script_token(article_id)})
    add_never_cache_headers(response)
    return response


@require_GET
def held_notice(request: HttpRequest, key: str) -> HttpResponseBase:
    """The notice that a comment awaits moderation, with its text: only its author has the
    address (signed, unguessable, a week long)."""
    comment_id = tokens.held_notice_comment_id(key)
    if comment_id is None:
        raise Http404("No such notice.")
    comment = (Comment.objects.filter(pk=comment_id)
               .only("id", "article_id", "thread_id", "status", "author_name", "html",
                     "created_at").first())
    article = _live_article(comment.article_id) if comment is not None else None
    if comment is not None and article is not None and comment.status == Status.APPROVED:
        response: HttpResponseBase = HttpResponseRedirect(
            _permalink(article, comment, rules_for(article), request))
    else:
        response = render(request, "comments/held.html", {
            "comment": comment if comment is not None and comment.status != Status.APPROVED
            else None,
            "article": article,
            "article_url": article.get_url(request) if article is not None else "",
        })
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def permalink(request: HttpRequest, comment_id: int) -> HttpResponseBase:
    """``/comments/<id>/``: the page of the discussion that shows an approved comment."""
    comment = (Comment.objects.filter(pk=comment_id, status=Status.APPROVED)
               .only("id", "article_id", "thread_id", "created_at").first())
    article = _live_article(comment.article_id) if comment is not None else None
    if comment is None or article is None:
        raise Http404("No such comment.")
    return HttpResponseRedirect(_permalink(article, comment, rules_for(article), request))

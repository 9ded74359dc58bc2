"""The Akismet-compatible API: HTTP in and out, nothing else (rules live in the adapter).

Like Akismet, every answer is HTTP 200 with an exact plain-text body; problems are explained
in ``X-akismet-debug-help``. A bad key answers ``invalid`` (clients raise their key error); a
missing required field answers ``Missing required field: NAME.``, a body no client mistakes
for a verdict.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.multipartparser import MultiPartParserError
from django.template import engines
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt

from .. import conf, selectors
from ..counts import month_start
from ..keys import KeyCheck, key_authenticate, key_spam_check, key_spam_learn
from ..models import ApiKey
from ..recorder import recorder
from . import charts, protocol, reports, test_values, tokens, wordpress

logger = logging.getLogger("gazette.antispam")

View = Callable[[HttpRequest], HttpResponse]
DEBUG_HEADER = "X-akismet-debug-help"


class RecordingResponse(HttpResponse):
    """A comment-check answer that records the check once it has been handed to the server.

    WSGI servers call ``close()`` after sending the body (granian and gunicorn do; Django's
    test client calls it before returning), so the client does not wait for the writes.
    A database that is locked or unreachable then delays the record, never loses it
    (``recorder``); any other failure is logged: the answer was already given.
    """

    def __init__(self, *args: object, record: Callable[[], None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._record: Callable[[], None] | None = record

    def close(self) -> None:
        record, self._record = self._record, None
        try:
            if record is not None:
                recorder.submit(record)
        finally:
            super().close()


def text(body: str, *, debug: str = "", status: int = 200,
         headers: dict[str, str] | None = None,
         record: Callable[[], None] | None = None) -> HttpResponse:
    content_type = "text/plain; charset=utf-8"
    if record is not None:
        response: HttpResponse = RecordingResponse(body, content_type=content_type,
                                                   status=status, record=record)
    else:
        response = HttpResponse(body, content_type=content_type, status=status)
    if debug:
        response[DEBUG_HEADER] = protocol.header_safe(debug)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _body_refusal(request: HttpRequest) -> HttpResponse | None:
    """Refuse a body that is not a bounded form, from its headers alone.

    Akismet clients (the WordPress plugin, the ``akismet`` package) send form-encoded bodies;
    anything else, above all a multipart upload, would be read whole (to disk, past Django's
    memory limit) before the view could refuse it. Nothing here reads ``wsgi.input``.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # as Django reads it: no body at all
    if length <= 0:
        return None
    if request.content_type != protocol.FORM_TYPE:
        return text("Unsupported media type", status=415,
                    debug=f"Send the fields as {protocol.FORM_TYPE}")
    limit = conf.max_body()
    if length > limit:
        return text("Request too large", status=413,
                    debug=f"Bodies are limited to {limit} bytes")
    return None


def endpoint(*methods: str) -> Callable[[View], View]:
    """CSRF-exempt, never cached, method-checked, bounded, and never a 500."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            refusal = _body_refusal(request) if request.method == "POST" else None
            if request.method not in methods:
                response: HttpResponse = HttpResponseNotAllowed(methods)
            elif refusal is not None:
                response = refusal
            else:
                try:
                    response = view(request)
                except (SuspiciousOperation, MultiPartParserError, BadRequest) as error:
                    # Too many fields, a body over the upload limit, broken multipart.
                    response = text("Bad request", status=400,
                                    debug=f"Could not read the request: {type(error).__name__}")
                except DatabaseError:
                    logger.exception("antispam: database error in %s", request.path)
                    response = text("Temporarily unavailable", status=503,
                                    debug="Gazette could not reach its database; try again")
                except Exception:
                    # A client retries a 503 later; a 500 page would be HTML it cannot read.
                    logger.exception("antispam: error in %s", request.path)
                    response = text("Temporarily unavailable", status=503,
                                    debug="Gazette could not process this request; try again")
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorate


def _key_param(data: protocol.Params, *names: str) -> str:
    for name in names:
        value = data.get(name)
        if value:
            return value
    return ""


def _missing(data: protocol.Params, names: Iterable[str]) -> HttpResponse | None:
    for name in names:
        if not (data.get(name) or "").strip():
            return text(f"Missing required field: {name}.", debug=f'Empty "{name}" value')
    return None


def _authenticated(data: protocol.Params) -> tuple[KeyCheck, HttpResponse | None]:
    """The key check of a comment call, or the response that refuses it."""
    blog = (data.get("blog") or "").strip()
    check = key_authenticate(_key_param(data, "api_key", "key"), blog or None)
    if check.api_key is None:
        return check, text(protocol.INVALID, debug=check.problem)
    refusal = _missing(data, ("blog", "user_ip"))
    if refusal is not None:
        return check, refusal
    if check.problem:
        return check, text(protocol.INVALID, debug=check.problem)
    return check, None


@endpoint("POST")
def verify_key(request: HttpRequest) -> HttpResponse:
    data = protocol.params(request)
    key = _key_param(data, "key", "api_key")
    blog = (data.get("blog") or "").strip()
    if not key:
        return text(protocol.INVALID, debug='Empty "key" value')
    if not blog:
        return text(protocol.INVALID, debug='Empty "blog" value')
    check = key_authenticate(key, blog)
    if not check.valid:
        return text(protocol.INVALID, debug=check.problem)
    return text(protocol.VALID)


@endpoint("POST")
def comment_check(request: HttpRequest) -> HttpResponse:
    data = protocol.params(request)
    check, refusal = _authenticated(data)
    if refusal is not None:
        return refusal
    assert check.api_key is not None
    slashed = wordpress.sent_slashed(data.get, request.headers.get("User-Agent", ""))
    submission = protocol.submission_from(data, slashed=slashed)
    outcome = key_spam_check(
        api_key=check.api_key, site=check.site,
        submission=submission, is_test=protocol.flag(data.get("is_test")),
        defer=True, verdict=test_values.forced_verdict(submission),
    )
    kind = outcome.verdict.kind
    headers = {"X-akismet-guid": outcome.guid, "X-Gazette-Verdict": kind}
    if kind == "discard":
        headers["X-akismet-pro-tip"] = "discard"
    # The recent activity and the counts are written once the answer is on its way.
    return text(protocol.SPAM if outcome.verdict.is_spam else protocol.HAM, headers=headers,
                record=outcome.record)


def _submit(request: HttpRequest, label: str) -> HttpResponse:
    data = protocol.params(request)
    check, refusal = _authenticated(data)
    if refusal is not None:
        return refusal
    assert check.api_key is not None
    key_spam_learn(
        api_key=check.api_key, site=check.site, submission=protocol.submission_from(data),
        label=label, is_test=protocol.flag(data.get("is_test")),
        guid=(data.get("guid") or "").strip()[:32],
    )
    return text(protocol.THANKS)


@endpoint("POST")
def submit_spam(request: HttpRequest) -> HttpResponse:
    return _submit(request, "spam")


@endpoint("POST")
def submit_ham(request: HttpRequest) -> HttpResponse:
    return _submit(request, "ham")


def _key_only(data: protocol.Params) -> tuple[ApiKey | None, HttpResponse | None]:
    check = key_authenticate(_key_param(data, "api_key", "key"))
    if check.api_key is None:
        return None, text(protocol.INVALID, debug=check.problem)
    return check.api_key, None


def _json(payload: object) -> HttpResponse:
    return HttpResponse(json.dumps(payload, separators=(",", ":")),
                        content_type="application/json")


@endpoint("GET", "POST")
def usage_limit(request: HttpRequest) -> HttpResponse:
    api_key, refusal = _key_only(protocol.params(request))
    if refusal is not None:
        return refusal
    assert api_key is not None
    usage = selectors.month_usage(api_key)
    limit = api_key.monthly_limit
    if limit:
        percentage = f"{100.0 * usage / limit:.2f}"
        throttled = usage > limit
    else:
        percentage, throttled = "0", False
    return _json({"limit": limit if limit else "none", "usage": usage,
                  "percentage": percentage, "throttled": throttled})


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        return default
    return max(low, min(high, number))


@endpoint("GET", "POST")
def key_sites(request: HttpRequest) -> HttpResponse:
    data = protocol.params(request)
    api_key, refusal = _key_only(data)
    if refusal is not None:
        return refusal
    assert api_key is not None
    month = reports.parse_month(data.get("month")) or month_start()
    page = reports.key_sites(
        api_key,
        month=month,
        order=(data.get("order") or "total").strip().lower(),
        limit=_int(data.get("limit"), 500, 0, 10_000),
        offset=_int(data.get("offset"), 0, 0, 10**9),
        url_filter=data.get("filter") or "",
    )
    if (data.get("format") or "").strip().lower() == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Site", "Total API Calls", "Spam", "Ham", "Missed Spam",
                         "False Positives", "Is Revoked"])
        for s in page.sites:
            writer.writerow([s.site, s.calls, s.spam, s.ham, s.missed_spam, s.false_positives,
                             "true" if s.is_revoked else "false"])
        title = (f"Active sites for {api_key.key} during {page.month} "
                 f"(limit:{page.limit}, offset: {page.offset}, total: {page.total})")
        body = title + "\n" + out.getvalue().rstrip("\n")
        return HttpResponse(body, content_type="text/csv; charset=utf-8")
    return _json({
        page.month: [
            {"site": s.site, "api_calls": str(s.calls), "spam": str(s.spam), "ham": str(s.ham),
             "missed_spam": str(s.missed_spam), "false_positives": str(s.false_positives),
             "is_revoked": s.is_revoked}
            for s in page.sites
        ],
        "limit": page.limit,
        "offset": page.offset,
        "total": page.total,
    })


@endpoint("GET", "HEAD")
def connection_test(request: HttpRequest) -> HttpResponse:
    return text(protocol.CONNECTED)


# --- What the WordPress plugin's settings page asks for -----------------------------------
# Undocumented by Akismet; the shapes below are what the plugin (version 5.7) reads: its
# settings page refuses to save a key without an "active" subscription, and shows the
# statistics card only when both of its get-stats calls answer with a JSON object.
ACCOUNT_NAME = "Gazette (self-hosted)"
ACCOUNT_TYPE = "gazette-self-hosted"


@endpoint("POST")
def get_subscription(request: HttpRequest) -> HttpResponse:
    data = protocol.params(request)
    blog = (data.get("blog") or "").strip()
    check = key_authenticate(_key_param(data, "key", "api_key"), blog or None)
    if check.api_key is None:
        return text(protocol.INVALID, debug=check.problem)
    limit = check.api_key.monthly_limit
    payload = {
        "account_id": False,
        "account_name": ACCOUNT_NAME,
        "account_type": ACCOUNT_TYPE,
        # "missing" is the plugin's "There is a problem with your API key" for a key that
        # exists but may not serve this site.
        "status": "missing" if check.problem else "active",
        "next_billing_date": False,
        "limit_reached": (limit is not None
                          and 0 < limit < selectors.month_usage(check.api_key)),
    }
    response = _json(payload)
    if check.problem:
        response[DEBUG_HEADER] = protocol.header_safe(check.problem)
    return response


def _counts(counts: reports.StatsCounts) -> dict[str, int]:
    return {"spam": counts.spam, "ham": counts.ham, "missed_spam": counts.missed_spam,
            "false_positives": counts.false_positives}


@endpoint("POST")
def get_stats(request: HttpRequest) -> HttpResponse:
    data = protocol.params(request)
    blog = (data.get("blog") or "").strip()
    check = key_authenticate(_key_param(data, "key", "api_key"), blog or None)
    if not check.valid:
        return text(protocol.INVALID, debug=check.problem)
    assert check.api_key is not None
    stats = reports.site_stats(check.api_key, check.site,
                                 since=reports.stats_since(data.get("from")))
    return _json({
        **_counts(stats.totals),
        "accuracy": stats.totals.accuracy,
        "breakdown": {month: _counts(counts) for month, counts in stats.months.items()},
    })


@endpoint("POST")
def deactivate(request: HttpRequest) -> HttpResponse:
    """The plugin says goodbye when it is deactivated; there is nothing to undo here."""
    data = protocol.params(request)
    check = key_authenticate(_key_param(data, "key", "api_key"))
    if check.api_key is None:
        return text(protocol.INVALID, debug=check.problem)
    return text(protocol.DEACTIVATED)


@endpoint("POST")
def token(request: HttpRequest) -> HttpResponse:
    """The plugin trades its key for a token that its statistics frames are loaded with
    (from tools.akismet.com, which the must-use plugin points at :func:`stats_snapshot` and
    :func:`stats_detail`). An empty answer for a key that is not valid: the plugin takes the
    body as it is, and a page of text would end up in those frames' addresses."""
    data = protocol.params(request)
    check = key_authenticate(_key_param(data, "api_key", "key"))
    if check.api_key is None:
        return text("", debug=check.problem)
    return text(tokens.stats_token(check.api_key))


# --- The plugin's statistics frames -------------------------------------------------------
# HTML pages that the editor's browser frames inside the WordPress admin: counts only, drawn
# on the server, no script, and framed only by the blog they describe.
# Their one stylesheet is inlined and allowed by its hash: a frame loads nothing at all.
# The package is not an app of its own (it has no models), so its template is read from
# beside this file rather than found by the app-directories loader.
TEMPLATES_DIR = Path(__file__).parent / "templates"
STATS_FRAME_CSS = (TEMPLATES_DIR / "stats_frame.css").read_text(encoding="utf-8")
STATS_FRAME_TEMPLATE = engines["django"].from_string(
    (TEMPLATES_DIR / "stats_frame.html").read_text(encoding="utf-8"))
_STATS_FRAME_HASH = base64.b64encode(hashlib.sha256(STATS_FRAME_CSS.encode()).digest()).decode()
_ORIGIN_RE = re.compile(r"^[a-z0-9.-]+(?::[0-9]{1,5})?$")


def _frame_ancestors(blog: str) -> str:
    """The blog's own origin (either scheme): its WordPress admin frames these pages."""
    try:
        netloc = urlsplit(blog.strip() if "//" in blog else f"//{blog.strip()}").netloc.lower()
    except ValueError:  # "[" and the like: not an address at all
        netloc = ""
    if not _ORIGIN_RE.match(netloc):
        return "'none'"
    return f"https://{netloc} http://{netloc}"


def _stats_frame(request: HttpRequest, *, detailed: bool) -> HttpResponse:
    blog = request.GET.get("blog", "")
    check = tokens.authenticate_stats_token(request.GET.get("token", ""), blog)
    context: dict[str, object] = {"style": STATS_FRAME_CSS, "detailed": detailed}
    if not check.valid:
        context["refused"] = check.problem
        status = 403
    else:
        assert check.api_key is not None
        context.update(charts.frame_context(check.api_key, check.site, detailed=detailed,
                                            height=request.GET.get("height", "")))
        status = 200
    response = HttpResponse(STATS_FRAME_TEMPLATE.render(context, request), status=status)
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'sha256-{_STATS_FRAME_HASH}'; base-uri 'none'; "
        f"form-action 'none'; frame-ancestors {_frame_ancestors(blog)}"
    )
    response.xframe_options_exempt = True  # frame-ancestors says who may frame it
    return response


@endpoint("GET", "HEAD")
def stats_snapshot(request: HttpRequest) -> HttpResponse:
    """The chart on the plugin's settings page (``1.0/snapshot.php``): the last six months."""
    return _stats_frame(request, detailed=False)


@endpoint("GET", "HEAD")
def stats_detail(request: HttpRequest) -> HttpResponse:
    """The plugin's statistics page (``1.0/user-stats.php``): totals, a year of charts and
    every month."""
    return _stats_frame(request, detailed=True)


@endpoint("GET", "HEAD")
def compatible_plugins(request: HttpRequest) -> HttpResponse:
    """Akismet's list of form plugins it works with: none to announce from here."""
    return _json([])

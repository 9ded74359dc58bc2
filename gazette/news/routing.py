"""Remembered page routes: a story's URL finds its page in one query instead of eight.

Wagtail resolves ``/world/some-story/`` by looking up the site, then walking the tree one slug
at a time, loading each page twice (generic, then specific), then checking every ancestor for
view restrictions: about a third of the time an uncached article takes. The answers change
only when pages are published, unpublished, moved or deleted, or sites are edited, so this
middleware remembers them in the shared cache, under a version that those events bump, and
hands Wagtail the site and the route it would have found (``request._wagtail_site`` and
``request._wagtail_route_for_request`` are the attributes Wagtail itself caches them in).

The page itself is always read fresh from the database, and a remembered route is used only
if that page is still live and still at that URL; anything else falls back to Wagtail's own
routing, which then decides (a 404, a new page at the old address).
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.url_routing import RouteResult

from .cache import GLOBAL_TAG, VERSION_PREFIX, may_be_a_page, page_cache_invalidate, tags_version

ROUTES_TAG = "routes"
RESTRICTIONS_TAG = "view-restrictions"
ROUTE_PREFIX = "route:path:"
SITE_PREFIX = "route:site:"
RESTRICTIONS_KEY = "route:restrictions"
ROUTE_SECONDS = 24 * 3600


def _request_keys(request: HttpRequest) -> tuple[str, str, list[str]]:
    hostname, _ = split_domain_port(request._get_raw_host())
    port = request.get_port()
    components = [component for component in request.path_info.split("/") if component]
    site_key = f"{SITE_PREFIX}{hostname}:{port}"
    route_key = f"{ROUTE_PREFIX}{hostname}:{port}:/{'/'.join(components)}"
    return site_key, route_key, components


def _current_version(found: dict) -> str | None:
    try:
        return found[VERSION_PREFIX + GLOBAL_TAG] + "-" + found[VERSION_PREFIX + ROUTES_TAG]
    except KeyError:
        return None


def remembered_route(request: HttpRequest) -> bool:
    """Give Wagtail the site and route of ``request`` if they are remembered and still true."""
    site_key, route_key, components = _request_keys(request)
    found = cache.get_many(
        [VERSION_PREFIX + GLOBAL_TAG, VERSION_PREFIX + ROUTES_TAG, site_key, route_key]
    )
    version = _current_version(found)
    site_entry, route_entry = found.get(site_key), found.get(route_key)
    if version is None or site_entry is None or site_entry[0] != version:
        return False
    site = site_entry[1]
    request._wagtail_site = site
    request._gazette_site_remembered = True
    if site is None or route_entry is None or route_entry[0] != version:
        return False
    _, site_pk, model_label, page_pk, url_path = route_entry
    if site_pk != site.pk:
        return False
    try:
        model = apps.get_model(model_label)
        page = model.objects.get(pk=page_pk)
    except (LookupError, Page.DoesNotExist):
        return False
    if not page.live or page.expired or page.url_path != url_path:
        return False
    request._wagtail_route_for_request = RouteResult(page)
    return True


def remember_route(request: HttpRequest) -> None:
    """After Wagtail has routed ``request``, remember its answer for the next reader."""
    site_key, route_key, _ = _request_keys(request)
    version = tags_version(GLOBAL_TAG, ROUTES_TAG)
    entries = {}
    if hasattr(request, "_wagtail_site") and not getattr(
        request, "_gazette_site_remembered", False
    ):
        entries[site_key] = (version, request._wagtail_site)
    route = getattr(request, "_wagtail_route_for_request", None)
    site = getattr(request, "_wagtail_site", None)
    if route is not None and site is not None and not route.args and not route.kwargs:
        page = route.page
        if page.live:
            entries[route_key] = (
                version, site.pk, page._meta.label_lower, page.pk, page.url_path
            )
    if entries:
        cache.set_many(entries, timeout=ROUTE_SECONDS)


class RouteCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not may_be_a_page(request):
            return self.get_response(request)
        hit = remembered_route(request)
        response = self.get_response(request)
        if not hit and response.status_code == 200:
            remember_route(request)
        return response


def any_view_restrictions() -> bool:
    """Whether any page has a view restriction (a newsroom rarely has one)."""
    version = tags_version(RESTRICTIONS_TAG)
    entry = cache.get(RESTRICTIONS_KEY)
    if entry is not None and entry[0] == version:
        return entry[1]
    exists = PageViewRestriction.objects.exists()
    cache.set(RESTRICTIONS_KEY, (version, exists), timeout=ROUTE_SECONDS)
    return exists


def public_only(pages: QuerySet) -> QuerySet:
    """``pages.public()``, without its query for the restrictions when there are none."""
    return pages.public() if any_view_restrictions() else pages


class NoRestrictionsShortcutMixin:
    """Skip the two ancestor queries of Wagtail's view-restriction check when none exist."""

    def get_view_restrictions(self):
        if not any_view_restrictions():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def forget_routes() -> None:
    # After commit, or a concurrent reader could remember the old route under the new version.
    transaction.on_commit(lambda: page_cache_invalidate([ROUTES_TAG]))


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def _forget_routes(sender, **kwargs) -> None:
    forget_routes()


@receiver(post_delete)
def _forget_routes_of_deleted_page(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        forget_routes()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def _forget_restrictions(sender, **kwargs) -> None:
    # Pages and feeds that listed a now-private story must forget it too: rare, so all of them.
    transaction.on_commit(lambda: page_cache_invalidate([RESTRICTIONS_TAG, GLOBAL_TAG]))

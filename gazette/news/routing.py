"""Remembered page routes: a story's URL finds its page in one query instead of six.

Wagtail resolves ``/world/some-story/`` by looking up the site, then walking the tree from the
site's root one slug at a time, loading each page twice (generic, then specific), then checking
every ancestor for view restrictions: about a fifth of the time an uncached article takes. The
answers change only when pages are published, unpublished, moved or deleted, or sites are
edited, so they are remembered in the shared cache, under a version that those events bump:

* the route, by the site's root page in ``Page.route``, the method Wagtail documents for
  overriding routing;
* the site (with its root page), by ``SiteCacheMiddleware``, handed to Wagtail in
  ``request._wagtail_site``: a private name, the one place this module relies on Wagtail's
  internals, kept because it saves one to two queries and about 1 ms on every uncached page
  (bench/README.md); test_routing fails if Wagtail stops reading or writing it.

The page itself is always read fresh from the database, and a remembered route is used only
if that page is still live and still at that URL; anything else falls back to Wagtail's own
routing, which then decides (a 404, a new page at the old address).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.url_routing import RouteResult

from .cache import (
    GLOBAL_TAG,
    forget_versions,
    keep_versions,
    may_be_a_page,
    page_cache_invalidate,
    tags_version,
    versions_and,
)

ROUTES_TAG = "routes"
RESTRICTIONS_TAG = "view-restrictions"
ROUTE_PREFIX = "route:page:"
SITE_PREFIX = "route:site:"
RESTRICTIONS_KEY = "route:restrictions"
ROUTE_SECONDS = 24 * 3600


# What every page reads: the versions of the routes and of what every page shows (the section
# links, the footer's, the breaking bar: gazette.news.newsroom.BREAKING_TAG), read at once.
EVERY_PAGE_TAGS = (GLOBAL_TAG, ROUTES_TAG, RESTRICTIONS_TAG, "breaking")


def _routes_version_and(key: str) -> tuple[str, Any]:
    """The routes' version and the entry under ``key``, in one read of the shared cache."""
    versions, found = versions_and((GLOBAL_TAG, ROUTES_TAG), [key])
    return f"{versions[GLOBAL_TAG]}-{versions[ROUTES_TAG]}", found.get(key)


def _remembered_page(key: str, url_path: str) -> Page | None:
    version, entry = _routes_version_and(key)
    if entry is None or entry[0] != version:
        return None
    _, model_label, page_pk = entry
    try:
        model = apps.get_model(model_label)
        # What the page's own view reads of it anyway (a story's lead image and agency).
        related = getattr(model, "ROUTED_WITH", ())
        page = model.objects.select_related(*related).get(pk=page_pk)
    except (LookupError, Page.DoesNotExist):
        return None
    if not page.live or page.expired or page.url_path != url_path:
        return None
    return page


PARENT_PREFIX = "route:parent:"


def remembered_page_at(model: type[Page], path: str) -> Page | None:
    """The ``model`` page at tree ``path`` (a story's section), remembered like a route.

    Pages are read at every uncached request of a story for what changes only when pages are
    published, moved or deleted; each of those changes the routes' version, and an answer is
    used only under the version it was read under (read before the query, so an answer read
    while a publication commits is stored under the version that publication replaces).
    """
    key = f"{PARENT_PREFIX}{model._meta.label_lower}:{path}"
    version, entry = _routes_version_and(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    page = model.objects.filter(path=path).first()
    cache.set(key, (version, page), timeout=ROUTE_SECONDS)
    return page


class RememberedRoutesMixin:
    """For a site's root page: routes below it are remembered (see the module's docstring)."""

    def route(self, request: HttpRequest, path_components: list[str]) -> RouteResult:
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "".join(f"{component}/" for component in path_components)
        key = f"{ROUTE_PREFIX}{self.pk}:{url_path}"
        page = _remembered_page(key, url_path)
        if page is not None:
            return RouteResult(page)
        result = super().route(request, path_components)
        page, args, kwargs = result
        # Only what the lookup above can confirm: a live page at exactly this path.
        if page.live and not args and not kwargs and page.url_path == url_path:
            version = tags_version(GLOBAL_TAG, ROUTES_TAG)
            cache.set(key, (version, page._meta.label_lower, page.pk), timeout=ROUTE_SECONDS)
        return result


class SiteCacheMiddleware:
    """Remembers which Site answers a host and port, and gives it to Wagtail the way Wagtail
    keeps it for a request: ``request._wagtail_site``, which ``Site.find_for_request`` is
    documented to read and write (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not may_be_a_page(request):
            return self.get_response(request)
        try:
            hostname, _ = split_domain_port(request.get_host())
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 further on
        key = f"{SITE_PREFIX}{hostname}:{request.get_port()}"
        kept = keep_versions()
        try:
            versions, found = versions_and(EVERY_PAGE_TAGS, [key])
            version = f"{versions[GLOBAL_TAG]}-{versions[ROUTES_TAG]}"
            entry = found.get(key)
            if entry is not None and entry[0] == version:
                request._wagtail_site = entry[1]
                return self.get_response(request)
            response = self.get_response(request)
            site = getattr(request, "_wagtail_site", None)
            if response.status_code == 200 and site is not None:
                cache.set(key, (version, site), timeout=ROUTE_SECONDS)
            return response
        finally:
            forget_versions(kept)


# The last answer this process found, with the version it was found under: while the version
# is the same, so is the shared entry's answer, and the version (kept for the request) is all
# a page reads.
_restrictions_last: tuple[str, bool] | None = None


def any_view_restrictions() -> bool:
    """Whether any page has a view restriction (a newsroom rarely has one)."""
    global _restrictions_last
    version = tags_version(RESTRICTIONS_TAG)
    last = _restrictions_last
    if last is not None and last[0] == version:
        return last[1]
    entry = cache.get(RESTRICTIONS_KEY)
    if entry is not None and entry[0] == version:
        exists: bool = entry[1]
    else:
        exists = PageViewRestriction.objects.exists()
        cache.set(RESTRICTIONS_KEY, (version, exists), timeout=ROUTE_SECONDS)
    _restrictions_last = (version, exists)
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

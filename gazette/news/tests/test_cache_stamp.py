"""The page cache's stamp: hits skip the tag versions while nothing was invalidated, and a
page rendered while an invalidation ran is never stored under the new versions."""

import uuid
from unittest.mock import patch

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from gazette.news.cache import (
    STAMP_KEY,
    VERSION_PREFIX,
    PageCacheMiddleware,
    page_cache_invalidate,
    page_cache_tag,
    recent_entries,
)


def tagged_view(body: bytes, *tags: str):
    def view(request: HttpRequest) -> HttpResponse:
        page_cache_tag(request, *tags)
        return HttpResponse(body)

    return view


def get(view, path: str) -> HttpResponse:
    return PageCacheMiddleware(view)(RequestFactory().get(path))


def test_a_hit_on_a_page_this_process_served_reads_only_the_stamp():
    path, tag = f"/stamp-{uuid.uuid4().hex}/", f"section:{uuid.uuid4().hex}"
    view = tagged_view(b"page", tag)
    assert get(view, path)["X-Page-Cache"] == "miss"
    backend = caches["default"]
    with patch.object(backend, "get_many", wraps=backend.get_many) as get_many, \
            patch.object(backend, "get", wraps=backend.get) as get_one:
        assert get(view, path).content == b"page"
    assert get_many.call_count == 0
    assert [call.args[0] for call in get_one.call_args_list] == [STAMP_KEY]
    # Invalidated by any process, the stamp changes: the copy in memory is not served.
    page_cache_invalidate([tag])
    assert get(tagged_view(b"newer", tag), path).content == b"newer"


def test_without_the_copy_in_memory_a_hit_reads_the_entry_and_the_stamp(monkeypatch):
    monkeypatch.setattr(recent_entries, "capacity", 0)
    recent_entries.clear()
    path, tag = f"/stamp-{uuid.uuid4().hex}/", f"section:{uuid.uuid4().hex}"
    view = tagged_view(b"page", tag)
    assert get(view, path)["X-Page-Cache"] == "miss"
    backend = caches["default"]
    with patch.object(backend, "get_many", wraps=backend.get_many) as get_many:
        assert get(view, path)["X-Page-Cache"] == "hit"
    assert get_many.call_count == 1
    keys = get_many.call_args.args[0]
    assert len(keys) == 2 and STAMP_KEY in keys
    assert not any(key.startswith(VERSION_PREFIX) for key in keys)

    # Another page's story changed: this page is checked against its versions once, still
    # fresh, and stamped again, so the hit after that skips the versions again.
    page_cache_invalidate([f"section:{uuid.uuid4().hex}"])
    with patch.object(backend, "get_many", wraps=backend.get_many) as get_many:
        assert get(view, path).content == b"page"
        assert any(VERSION_PREFIX + tag in call.args[0] for call in get_many.call_args_list)
        get_many.reset_mock()
        assert get(view, path)["X-Page-Cache"] == "hit"
        assert len(get_many.call_args_list) == 1

    # Its own story changed: a miss, whatever the stamp.
    page_cache_invalidate([tag])
    assert get(tagged_view(b"newer", tag), path).content == b"newer"


def test_a_page_rendered_while_its_story_was_invalidated_is_not_stored():
    path, tag = f"/stamp-{uuid.uuid4().hex}/", f"page:{uuid.uuid4().hex}"

    def view(request: HttpRequest) -> HttpResponse:
        page_cache_tag(request, tag)
        # The story is published elsewhere after this page read it, before it is stored.
        page_cache_invalidate([tag])
        return HttpResponse(b"older")

    assert get(view, path).content == b"older"
    # Stored, it would carry the versions that include the publication, with the old text.
    assert get(tagged_view(b"newer", tag), path).content == b"newer"

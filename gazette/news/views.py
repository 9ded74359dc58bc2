import base64

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from taggit.models import Tag

from . import reads, selectors
from .cache import page_cache_tag
from .models import Author
from .search_backend import printable_query


def tag_page(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.tag_listing(tag.pk)
    if not articles.count:
        raise Http404("No published stories carry this tag.")
    page_cache_tag(request, "tags")
    return render(
        request,
        "news/tag_page.html",
        {"tag": tag, "articles": articles.paginate(request)},
    )


def author_page(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    page_cache_tag(request, "authors")
    return render(
        request,
        "news/author_page.html",
        {
            "author": author,
            "articles": selectors.paginate(request, selectors.articles_by_author(author.pk)),
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    query = printable_query(request.GET.get("q", ""))
    order = request.GET.get("sort", "")
    if order not in selectors.SEARCH_ORDERS:
        order = selectors.SEARCH_ORDERS[0]
    outcome = selectors.search(request, query, order=order) if query else None
    return render(request, "news/search.html", {
        "query": query, "results": outcome.page if outcome else None,
        "result_count": outcome.count if outcome else 0,
        "result_count_text": f"{outcome.count:,}" if outcome else "0",
        "more_results": outcome.more if outcome else False, "sort": order,
        "search_cap": selectors.SEARCH_CAP,
    })


# A transparent one-pixel GIF: the beacon of readers without script (<noscript><img>).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # counts a read, changes nothing else; sent by sendBeacon, which has no token
@require_http_methods(["GET", "POST"])
def read_beacon(request: HttpRequest, article_id: int) -> HttpResponse:
    """One read of a story, reported by its page (gazette.news.reads): nothing about the
    reader is looked at or kept, and no cookie is set."""
    reads.read_record(article_id)
    if request.method == "POST":
        response = HttpResponse(status=204)
    else:
        response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response

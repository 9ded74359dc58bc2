from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from taggit.models import Tag

from . import selectors
from .cache import page_cache_tag
from .models import Author
from .search_backend import printable_query


def tag_page(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    articles = selectors.articles_tagged(slug)
    if not articles.exists():
        raise Http404("No published stories carry this tag.")
    page_cache_tag(request, "tags")
    return render(
        request,
        "news/tag_page.html",
        {"tag": tag, "articles": selectors.paginate(request, articles)},
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
    results = None
    if query:
        results = selectors.paginate(request, selectors.search_articles(query, order=order))
    return render(request, "news/search.html",
                  {"query": query, "results": results, "sort": order})

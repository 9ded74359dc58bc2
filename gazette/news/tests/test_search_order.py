"""Search's index in publication order (gazette.news.search_order): the newest matches and
their ranking equal the plain answers, whatever order stories were written, published, dated,
unpublished or deleted in."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from wagtail.models import Page

from gazette.news import search_order, selectors
from gazette.news.models import ArticlePage
from gazette.news.testing import hours_ago, make_article, make_section

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite",
                       reason="the ordered index is SQLite's: PostgreSQL uses Wagtail's backend"),
]

WORD = "lighthouse"


def _story(section, n: int, **kwargs) -> ArticlePage:
    return make_article(section, title=f"The {WORD} keeper's log, part {n}", slug=f"log-{n}",
                        standfirst=f"Part {n} of the {WORD} keeper's log.", **kwargs)


@pytest.fixture
def archive(section):
    """Stories whose index entries are in no particular order of publication."""
    other = make_section("Coast")
    # Drafted first (the oldest index entry), published last: the newest story.
    late = _story(section, 0, publish=False)
    stories = [_story(section if n % 2 else other, n, published_at=hours_ago(30 - n))
               for n in range(1, 9)]
    # Written last, dated long ago (an import): the oldest story.
    stories.append(_story(section, 9, published_at=hours_ago(24 * 400)))
    # Three stories in one second, each written after a later one (the key orders them by id,
    # newest id first: the reverse), then two at the same instant (the id decides).
    second = hours_ago(3).replace(microsecond=500_000)
    for n, moment in enumerate([second + timedelta(microseconds=2),
                                second + timedelta(microseconds=1), second,
                                hours_ago(5), hours_ago(5)], start=10):
        stories.append(_story(section, n, published_at=moment))
    ArticlePage.objects.filter(pk=stories[-1].pk).update(
        first_published_at=stories[-2].first_published_at)
    # Unpublished, a draft never published, a deleted story: never listed.
    _story(section, 20, published_at=hours_ago(1)).unpublish()
    _story(section, 21, publish=False)
    _story(section, 22, published_at=hours_ago(2)).delete()
    # A page of another kind with the word: not a story.
    make_section(f"The {WORD} coast", slug="lighthouse-coast")
    late.save_revision().publish()
    return late


def _truth() -> list[int]:
    """Every live story that Wagtail's own search finds, newest first, the id breaking ties."""
    matching = {a.pk for a in selectors.search_articles(WORD, order="relevance")}
    return list(ArticlePage.objects.live().filter(pk__in=matching)
                .order_by("-first_published_at", "-pk").values_list("pk", flat=True))


def _wagtails_ranking() -> list[int]:
    return [a.pk for a in selectors.search_articles(WORD, order="relevance")]


def _search(order: str = "newest") -> selectors.SearchOutcome:
    return selectors.search(RequestFactory().get("/search/", {"q": WORD}), WORD, order=order)


def _ordered_index_used(monkeypatch) -> list[bool]:
    used: list[bool] = []
    answer = search_order.newest_published

    def spy(*args, **kwargs):
        result = answer(*args, **kwargs)
        used.append(result is not None)
        return result

    monkeypatch.setattr("gazette.news.search_sqlite.newest_published", spy)
    return used


@pytest.mark.parametrize("cap,margin", [(2, 1), (2, 2), (2, 33), (3, 0), (5, 1), (40, 0)])
def test_the_newest_are_the_true_newest_and_ranked_as_wagtail_ranks(archive, monkeypatch, cap,
                                                                     margin):
    monkeypatch.setattr(selectors, "SEARCH_CAP", cap)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 100)
    monkeypatch.setattr(search_order, "WINDOW_MARGIN", margin)
    used = _ordered_index_used(monkeypatch)
    truth = _truth()
    assert len(truth) == 15 and truth[0] == archive.pk
    newest = _search()
    assert [a.pk for a in newest.page] == truth[:cap]
    assert (newest.count, newest.more) == (min(cap, 15), cap < 15)
    ranked = _search("relevance")
    assert [a.pk for a in ranked.page] == [pk for pk in _wagtails_ranking()
                                           if pk in truth[:cap]]
    assert used == [True, True]


def test_without_its_triggers_the_search_walks_the_date_index_as_before(archive, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_CAP", 3)
    monkeypatch.setattr(selectors, "SEARCH_WALK_CHUNK", 2)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search_order.TRIGGERS[-1]}")
    used = _ordered_index_used(monkeypatch)
    assert [a.pk for a in _search().page] == _truth()[:3]
    assert [a.pk for a in _search("relevance").page] == [
        pk for pk in _wagtails_ranking() if pk in _truth()[:3]]
    assert used == [False, False]


def test_the_ordered_index_scores_every_entry_as_wagtails_own(archive):
    """The same documents with the same text after every insert, edit, unpublication and
    deletion: the same BM25 for every match, and FTS5 finds its index sound."""
    story = ArticlePage.objects.get(slug="log-3")
    story.title = "The foghorn keeper's log"
    story.save_revision().publish()
    Page.objects.get(slug="log-4").specific.unpublish()
    fts = search_order.ORDER_FTS
    for query in (WORD, "foghorn", "keeper log"):
        terms = " AND ".join(f'"{term}"' for term in query.split())
        match = f"{{autocomplete body title}} : ({terms})"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT o.entry_id, x.score FROM (SELECT rowid AS r, bm25({fts})"
                           f" AS score FROM {fts} WHERE {fts} MATCH %s) x"
                           f" JOIN {search_order.ORDER_TABLE} o ON o.fts_rowid = x.r", [match])
            ours = dict(cursor.fetchall())
            cursor.execute("SELECT rowid, bm25(wagtailsearch_indexentry_fts) FROM"
                           " wagtailsearch_indexentry_fts WHERE wagtailsearch_indexentry_fts"
                           " MATCH %s", [match])
            assert ours == dict(cursor.fetchall()) and ours, query
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 0)")
        cursor.execute(f"SELECT count(*) FROM {search_order.ORDER_TABLE}")
        entries = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM wagtailsearch_indexentry")
        assert entries == cursor.fetchone()[0]
    newest = [a.pk for a in _search().page]
    assert Page.objects.get(slug="log-4").pk not in newest
    assert newest == _truth()[:selectors.PAGE_SIZE]


def test_a_date_moves_a_story_and_unpublishing_removes_it(archive, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_CAP", 3)
    oldest = ArticlePage.objects.get(slug="log-9")
    assert oldest.pk not in [a.pk for a in _search().page]
    ArticlePage.objects.filter(pk=oldest.pk).update(first_published_at=hours_ago(0.5))
    assert [a.pk for a in _search().page][:2] == [archive.pk, oldest.pk]
    # Wagtail's unpublication of a section's stories is one queryset update of `live`.
    Page.objects.filter(pk__in=[archive.pk, oldest.pk]).update(live=False)
    assert [a.pk for a in _search().page] == _truth()[:3]
    assert not {archive.pk, oldest.pk} & set(_truth())


def test_a_page_written_after_its_index_entry_takes_its_place(archive):
    """A fixture may load index entries before their pages: the page's row places its entry."""
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from gazette.news.search_sqlite import IndexEntry

    article = ContentType.objects.get_for_model(ArticlePage)
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = 'wagtailcore_page'")
        page_id = cursor.fetchone()[0] + 1
        IndexEntry.objects.create(content_type=article, object_id=str(page_id), title_norm=1.0,
                                  title=f"A {WORD} from a fixture", body="", autocomplete="")
        columns = [column.name for column in
                   connection.introspection.get_table_description(cursor, "wagtailcore_page")]
        fresh = {"id": page_id, "path": f"{archive.path}0001", "slug": "from-a-fixture",
                 "url_path": f"{archive.url_path}from-a-fixture/",
                 "translation_key": str(uuid.uuid4()), "first_published_at": timezone.now()}
        cursor.execute(
            f"INSERT INTO wagtailcore_page ({', '.join(columns)}) SELECT "
            + ", ".join("%s" if name in fresh else name for name in columns)
            + " FROM wagtailcore_page WHERE id = %s",
            [fresh[name] for name in columns if name in fresh] + [archive.pk])
    newest = search_order.newest_published(f'{{title body}} : ("{WORD}")', [article.pk], 2)
    assert newest is not None and newest.ids == [page_id, archive.pk]

"""Where a comment post's and a 200-comment article page's time goes, in one process:
``comments_isso.py --profile POSTS`` runs this in a child process on a fresh site (the page
cache off), so that Django's settings see that site's data folder.

Posts go through the whole Django stack (middleware, view, pipeline) with the test client, as
the timed runs' posters send them; the queries of one post, the mean time of a post unprofiled,
then cProfile listings; the same for the article page with ``thread_size`` approved comments.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments_common import BROWSERS, corpus_texts, reader_address  # noqa: E402


def profile_posts(count: int, stories_count: int, thread_size: int) -> None:
    """Child process: ``count`` posts through the whole Django stack (middleware, view,
    pipeline) in this process under cProfile; where the time of a post goes."""
    import cProfile
    import pstats

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gazette.comments import tokens
    from gazette.news.models import ArticlePage

    stories = list(ArticlePage.objects.live().filter(comments_open=True)[:stories_count])
    texts = [t for t in corpus_texts("ham") if len(t) >= 20]
    client = Client(HTTP_ORIGIN="http://127.0.0.1:8000", HTTP_HOST="127.0.0.1:8000")
    then = time.time() - 30  # the reader took 30 s: the pipeline's path for a person

    def post(number: int) -> int:
        story = stories[number % len(stories)]
        # Form-encoded, as the posters of the timed runs and browsers send it (the test
        # client's default, multipart, costs a post ~1 ms more to parse).
        response = client.post(f"/comments/post/{story.pk}/", urllib.parse.urlencode({
            "comment": f"{texts[number % len(texts)]} ({number})", "author": f"Reader {number}",
            "email": f"reader.{number}@example.net", "url": "", "parent": "", "subject": "",
            "token": tokens.page_token(story.pk, then),
            "js_token": tokens.script_token(story.pk, then),
        }), content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=reader_address(number), HTTP_USER_AGENT=BROWSERS[0])
        return response.status_code

    for number in range(20):  # warm: the engine loaded, first queries prepared
        post(10**5 + number)
    with CaptureQueriesContext(connection) as queries:
        status = post(10**5 + 99)
    print(f"one post: HTTP {status}, {len(queries)} queries")
    for query in queries.captured_queries:
        print(f"  {query['time']} s  {query['sql'][:150]}")
    started, cpu = time.perf_counter(), time.process_time()
    statuses = Counter(post(number) for number in range(count))
    wall = 1000 * (time.perf_counter() - started) / count
    cpu = 1000 * (time.process_time() - cpu) / count
    print(f"\n{count} posts in-process, unprofiled: {wall:.1f} ms a post ({cpu:.1f} ms CPU), "
          f"{statuses}")
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(count, 2 * count):
        post(number)
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"{count} more under cProfile (which inflates ORM-heavy code); the project's own "
          f"functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(r"gazette/", 50)
    stats.sort_stats("tottime").print_stats(20)

    # The article page with 200 approved comments, rendered (the page cache is off here).
    from django.contrib.auth import get_user_model

    from gazette.comments.models import Comment, Status
    from gazette.comments.services import comment_moderate

    story = ArticlePage.objects.live().filter(comments_open=True).exclude(
        pk__in=[s.pk for s in stories])[0]
    stories[:] = [story]
    for number in range(thread_size):
        post(2 * 10**5 + number)
    comment_moderate(comments=Comment.objects.filter(article=story).exclude(
        status=Status.APPROVED), action="approve",
        by=get_user_model().objects.filter(is_superuser=True).first())
    url = story.get_url()
    for _ in range(3):
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(10):
        client.get(url)
    print(f"\nArticle page with {Comment.objects.filter(article=story, status='approved').count()}"
          f" approved comments, uncached: HTTP {response.status_code}, {len(response.content)} "
          f"bytes, {len(queries)} queries, {100 * (time.perf_counter() - started):.1f} ms "
          f"({100 * (time.process_time() - cpu):.1f} ms CPU)")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"gazette/|template", 40)
    stats.sort_stats("tottime").print_stats(20)

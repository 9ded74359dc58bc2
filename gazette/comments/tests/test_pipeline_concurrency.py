"""Flood control holds across connections and processes: two posts at once from one address,
exactly one is stored. The database decides (SQLite's write lock, PostgreSQL's advisory
locks), not any process's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.db import connection, connections

from gazette.comments.models import Comment
from gazette.comments.services import Accepted, Refused

from .pipeline_helpers import (
    entry,
    fresh_engine,  # noqa: F401 (autouse)
    person_evidence,
    site_rules,
    submit,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("comments-concurrency"),
]


def test_two_threads_one_address_exactly_one_passes(article):
    site_rules(moderation_mode="none")
    barrier = threading.Barrier(2)
    results: list[Accepted | Refused] = []

    def post(n: int) -> None:
        try:
            barrier.wait()
            results.append(submit(article, entry(text=f"Thread {n} has its say on the vote."),
                                  person_evidence(ip="203.0.113.50")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = sorted(r.status if isinstance(r, Refused) else 201 for r in results)
    assert statuses == [201, 429]
    assert Comment.objects.filter(ip_address="203.0.113.50").count() == 1


CHILD = textwrap.dedent("""
    import json, pathlib, sys, time
    import django
    django.setup()
    from django.db import connections
    connections["default"].settings_dict["NAME"] = sys.argv[1]
    from gazette.comments.services import CommentInput, FormEvidence, Refused, comment_submit
    from gazette.news.models import ArticlePage
    article = ArticlePage.objects.get(pk=int(sys.argv[2]))
    evidence = FormEvidence(ip_address="203.0.113.60", user_agent="Mozilla/5.0 Firefox/128.0",
                            rendered_at=time.time() - 60, submitted_at=time.time(),
                            token_valid=True, script_ran=True)
    entry = CommentInput(author="Proc " + sys.argv[4], email=sys.argv[4] + "@example.org",
                         text="Process " + sys.argv[4] + " weighs in on the barrier vote.")
    folder = pathlib.Path(sys.argv[3])
    (folder / ("ready-" + sys.argv[4])).touch()
    while not (folder / "go").exists():
        time.sleep(0.002)
    result = comment_submit(article=article, entry=entry, evidence=evidence)
    print(json.dumps(result.status if isinstance(result, Refused) else 201))
""")


@pytest.mark.services
def test_two_processes_one_address_exactly_one_passes(article, tmp_path):
    """Real processes, each with its own connection and engine, let go at the same moment."""
    site_rules(moderation_mode="none")
    name = str(connection.settings_dict["NAME"])
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    children = [subprocess.Popen(
        [sys.executable, "-c", CHILD, name, str(article.pk), str(tmp_path), f"p{n}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for n in range(2)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        assert all(child.poll() is None for child in children), "a child died early"
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [child.communicate(timeout=180) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err[-2000:]
    statuses = sorted(json.loads(out.strip().splitlines()[-1]) for out, _ in outputs)
    assert statuses == [201, 429]
    assert Comment.objects.filter(ip_address="203.0.113.60").count() == 1

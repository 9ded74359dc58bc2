import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")

django_application = get_wsgi_application()

from gazette.fastpath import CachedPages  # noqa: E402  (needs the settings configured above)

# Fresh cached pages are answered before Django builds a request (gazette/fastpath.py).
application = CachedPages(django_application)


def _settle() -> None:
    """Import every view now, load the spam filter's engine, checkpoint SQLite from a thread
    of its own, and hide what start-up built from the garbage collector.

    Each worker's first comment-check took about 100 ms more while it loaded the engine
    (bench/akismet_http.py's slowest responses: a worker that the warm-up had not reached).

    Start-up leaves a few hundred thousand long-lived objects (models, URL patterns, templates,
    Wagtail's block definitions). Each full collection walks all of them again: about 85 ms,
    landing on whichever request triggers it, the slowest responses of the benchmarks.
    Frozen, they are skipped and a full collection takes about 2 ms (bench/akismet_http.py).
    """
    from django.db import connections
    from django.urls import get_resolver

    from gazette.antispam import state
    from gazette.database import start_wal_checkpointer

    get_resolver().url_patterns  # noqa: B018  (imports every urls and views module)
    state.warm()
    # Requests run in the server's threads, each with connections of its own.
    connections.close_all()
    # On SQLite, the write-ahead log is checkpointed by a thread, not inside requests.
    start_wal_checkpointer()
    gc.collect()
    gc.freeze()


_settle()

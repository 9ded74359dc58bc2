"""The ``gazette`` command: run the whole site, a worker, the demo loader, or any Django command.

    gazette run            migrate, load the demo newsroom, serve with a worker and scheduler
    gazette worker         run the task worker (database backend, or RQ when REDIS_URL is set)
    gazette scheduler      publish and expire scheduled pages every 5 seconds
    gazette status         is the site ready? database, cache, task queue (exit 1 if not)
    gazette demo           load the demo newsroom (idempotent)
    gazette manage ARGS    any Django management command
    gazette antispam ARGS  the spam filter: keys, train, rebuild, eval (see `gazette antispam -h`)
    gazette alerts ARGS    send <article id or URL> [--topic breaking] [--force]; resume <id>
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from gazette.supervisor import supervise


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gazette.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gazette manage", *args])


def ensure_admin() -> tuple[str, str | None]:
    """Make sure a superuser ``admin`` exists; return its name and a password to show, if any.

    The password comes from GAZETTE_ADMIN_PASSWORD, or is generated once and kept in the data
    folder (readable by the owner only) so that every later run can print it again.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    password_file = settings.DATA_DIR / "admin_password"
    wanted = os.environ.get("GAZETTE_ADMIN_PASSWORD")
    user = user_model.objects.filter(username="admin").first()
    if user is None:
        if not wanted:
            wanted = secrets.token_urlsafe(12)
            password_file.touch(mode=0o600)
            password_file.write_text(wanted)
        user_model.objects.create_superuser("admin", "admin@localhost", wanted)
        return "admin", wanted
    if wanted and not user.check_password(wanted):
        user.set_password(wanted)
        user.save(update_fields=["password"])
    if wanted:
        return "admin", wanted
    return "admin", password_file.read_text().strip() if password_file.exists() else None


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from gazette.news.demo import demo_bulk, demo_load

    created = demo_load(stdout=sys.stdout)
    print(f"Demo newsroom ready ({created} new articles).")
    from gazette.live.demo import demo_load as live_demo_load

    live_demo_load(stdout=sys.stdout)
    from gazette.news.demo_newsroom import demo_load as newsroom_demo_load
    newsroom_demo_load(stdout=sys.stdout)
    from gazette.trust.demo import demo_load as trust_demo_load
    trust_demo_load(stdout=sys.stdout)
    if args.bulk:
        added = demo_bulk(args.bulk, stdout=sys.stdout)
        print(f"Added {added} archive articles.")
    from gazette.database import database_optimize

    database_optimize()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings

    if str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_rq."):
        # --with-scheduler: tasks given a run_after (an alert's retry, the moderators'
        # gathered mail) wait in RQ's scheduled registry until a scheduler moves them.
        _manage("rqworker", "--job-class", "django_tasks_rq.backend.Job", "--with-scheduler",
                *settings.RQ_QUEUES.keys(), *args.extra)
    else:
        _manage("db_worker", "--queue-name", "*", "--interval", "0.5", *args.extra)
    return 0


# The planner statistics follow the archive's growth (gazette.database).
OPTIMIZE_EVERY_SECONDS = 3600
# Cached pages saying "N minutes ago" are refreshed this often while any may exist.
RELATIVE_TIMES_SECONDS = 60


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Publish and expire scheduled pages every ``interval`` seconds until told to stop."""
    _setup_django()
    from django.core.management import call_command
    from django.db import close_old_connections

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    from gazette.comments.surge import surge_settle
    from gazette.database import database_optimize
    from gazette.news.reads import minute_seconds, reads_flush

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    refreshed_at = 0.0
    optimized_at = time.monotonic()
    flushed_at = 0.0
    while not stopping:
        try:
            call_command("publish_scheduled")
        except Exception as error:  # a bad page must not stop scheduled publishing for good
            print(f"scheduler: publish_scheduled failed: {error}", file=sys.stderr)
        try:
            # A story whose comment rate fell while nobody posted leaves surge mode.
            surge_settle()
        except Exception as error:  # a busy database: try again in a few seconds
            print(f"scheduler: surge_settle failed: {error}", file=sys.stderr)
        if time.monotonic() - refreshed_at >= RELATIVE_TIMES_SECONDS:
            refreshed_at = time.monotonic()
            try:
                from gazette.news.times import relative_times_refresh

                relative_times_refresh()  # "12 minutes ago" on cached pages: a minute behind
            except Exception as error:  # the cache unreachable: pages expire by themselves
                print(f"scheduler: relative_times_refresh failed: {error}", file=sys.stderr)
        if time.monotonic() - flushed_at >= minute_seconds():  # GAZETTE_READS_FLUSH_SECONDS
            flushed_at = time.monotonic()
            try:
                reads_flush()  # "most read": the minutes counted in the cache, into the database
            except Exception as error:  # a busy database: the counts wait in the cache
                print(f"scheduler: reads_flush failed: {error}", file=sys.stderr)
        if time.monotonic() - optimized_at >= OPTIMIZE_EVERY_SECONDS:
            optimized_at = time.monotonic()
            try:
                database_optimize()
            except Exception as error:  # a busy database: try again next time
                print(f"scheduler: database_optimize failed: {error}", file=sys.stderr)
            try:
                call_command("antispam", "retention", verbosity=0)
            except Exception as error:  # a busy database: try again next hour
                print(f"scheduler: antispam retention failed: {error}", file=sys.stderr)
            try:
                call_command("comments", "retention", verbosity=0)
            except Exception as error:  # a busy database: try again next hour
                print(f"scheduler: comments retention failed: {error}", file=sys.stderr)
        close_old_connections()
        deadline = time.monotonic() + args.interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    return 0


def prepare(*, demo: bool = True) -> None:
    """Migrate, collect static files, load the demo and make sure the admin exists."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if demo:
        from gazette.news.demo import demo_load

        created = demo_load(stdout=sys.stdout)
        print(f"Demo newsroom ready ({created} new articles).")
        from gazette.live.demo import demo_load as live_demo_load

        live_demo_load(stdout=sys.stdout)
        from gazette.news.demo_newsroom import demo_load as newsroom_demo_load
        newsroom_demo_load(stdout=sys.stdout)
        from gazette.trust.demo import demo_load as trust_demo_load
        trust_demo_load(stdout=sys.stdout)
    from gazette.database import database_optimize

    database_optimize()
    username, password = ensure_admin()
    print(f"Admin: {settings.GAZETTE_BASE_URL}/admin/  user '{username}'", end="")
    print(f"  password '{password}'" if password else "  (password unchanged)")


SERVERS = ("granian", "gunicorn")


def server_command(host: str, port: int, workers: int, server: str = "granian") -> list[str]:
    """The production web server. Granian by default: for cached pages it spends about half
    the CPU per request that gunicorn does (bench/site_load.py); gunicorn stays available."""
    if server == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "gazette.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(workers),
            "--worker-class", "gthread",
            "--threads", "4",
            "--keep-alive", "5",
            "--access-logfile", "-" if os.environ.get("GAZETTE_ACCESS_LOG") else "/dev/null",
            "--graceful-timeout", "10",
        ]
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", host, "--port", str(port),
        "--workers", str(workers), "--blocking-threads", "4",
        "--no-ws", "--workers-kill-timeout", "5",
        # A worker that dies is replaced while the others serve; `gazette run` restarts the
        # master itself if that dies (gazette.supervisor).
        "--respawn-failed-workers", "--respawn-interval", "1",
    ]
    if os.environ.get("GAZETTE_ACCESS_LOG"):
        command.append("--access-log")
    return [*command, "gazette.wsgi:application"]


# glibc's malloc gives a thread's arena back to the kernel whenever more than its trim threshold
# lies free at the top, and the next request faults those pages in again, zeroed: a request
# thread that builds a 300 KB page (a story with 200 comments) did so on every request, 8-13 ms
# of a worker's CPU where the same render took 6 in one thread (docs/research/
# 2026-12-07-posting-writers.md). Keeping 32 MB at the top of each arena costs a worker 4-12 MB
# of resident memory and saves a third of that page's CPU. An operator's own value wins.
MALLOC_TOP_PAD = 32 * 1024 * 1024


def serving_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment ``gazette run`` starts its processes with."""
    return {"MALLOC_TOP_PAD_": str(MALLOC_TOP_PAD), **environ}


def cmd_run(args: argparse.Namespace) -> int:
    port = int(os.environ.get("PORT", args.port))
    # Links in feeds, sitemaps and the printed admin address follow the port actually served.
    os.environ.setdefault("GAZETTE_BASE_URL", f"http://{args.host}:{port}")
    prepare(demo=not args.no_demo)
    workers = int(os.environ.get("WEB_CONCURRENCY", args.workers))
    children = {
        "web": server_command(args.host, port, workers, args.server),
        "worker": [sys.executable, "-m", "gazette.cli", "worker"],
        "scheduler": [sys.executable, "-m", "gazette.cli", "scheduler"],
    }
    print(f"Serving on http://{args.host}:{port}/ with a task worker and scheduler. Ctrl-C stops.")
    # The children inherit it; glibc reads it once, as each starts.
    os.environ.update(serving_environment(dict(os.environ)))
    return supervise(children)


def format_status(document: dict[str, Any]) -> str:
    """``gazette status``'s readable form of the readiness document (gazette.health)."""
    lines = ["ready" if document["status"] == "ok" else
             "NOT READY: " + ", ".join(document["failing"]) + " failing"]
    for name, check in document["checks"].items():
        if not check["ok"]:
            detail = f"{check['error']}: {check.get('message', '')}".rstrip(": ")
        elif name == "tasks":
            age = check["oldest_ready_age_seconds"]
            detail = f"{check['backend']}, {check['ready']} ready"
            detail += "" if age is None else f", the oldest has waited {age:g} s"
            detail += "; is the worker running?" if check["waiting_too_long"] else ""
        elif name == "database":
            detail = check["vendor"]
        else:
            detail = ""
        state = "ok" if check["ok"] else "FAILING"
        lines.append(f"  {name:<9} {state:<8} {check['ms']:>7.1f} ms  {detail}".rstrip())
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    """Print what /readyz would answer, checked in this process; exit 0 if ready, 1 if not."""
    _setup_django()
    import json

    from gazette.health.selectors import readiness

    document = readiness(details=True)
    print(json.dumps(document, indent=2) if args.json else format_status(document))
    return 0 if document["status"] == "ok" else 1


def cmd_manage(args: argparse.Namespace) -> int:
    _manage(*args.extra)
    return 0


def cmd_antispam(args: argparse.Namespace) -> int:
    _manage("antispam", *args.extra)
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    _manage("alerts", *args.extra)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gazette", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="serve the site with a task worker and scheduler")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=2)
    run.add_argument("--no-demo", action="store_true", help="do not load the demo newsroom")
    run.add_argument("--server", choices=SERVERS,
                     default=os.environ.get("GAZETTE_SERVER", "granian"))
    run.set_defaults(func=cmd_run)

    worker = sub.add_parser("worker", help="run the task worker")
    worker.add_argument("extra", nargs=argparse.REMAINDER)
    worker.set_defaults(func=cmd_worker)

    scheduler = sub.add_parser("scheduler",
                               help="publish and expire scheduled pages every few seconds")
    # Scheduled stories go live, and expire, within this many seconds of their time.
    scheduler.add_argument("--interval", type=float, default=5.0)
    scheduler.set_defaults(func=cmd_scheduler)

    status = sub.add_parser("status", help="check the database, cache and task queue")
    status.add_argument("--json", action="store_true", help="print the /readyz JSON document")
    status.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo", help="load the demo newsroom")
    demo.add_argument("--bulk", type=int, default=0, metavar="N",
                      help="also add N synthetic archive articles (for benchmarks)")
    demo.set_defaults(func=cmd_demo)

    manage = sub.add_parser("manage", help="run a Django management command", add_help=False)
    manage.add_argument("extra", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


# Everything after these commands is passed through untouched, options included.
PASS_THROUGH = {"manage": cmd_manage, "worker": cmd_worker, "antispam": cmd_antispam,
                "alerts": cmd_alerts}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASS_THROUGH:
        return PASS_THROUGH[argv[0]](argparse.Namespace(extra=argv[1:]))
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

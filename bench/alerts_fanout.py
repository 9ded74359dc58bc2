"""One breaking-news alert to many Web Push subscribers, through the real task workers, to a
push service on loopback (issue 17).

    .venv/bin/python bench/alerts_fanout.py                     # 100,000 subscribers, SQLite
    .venv/bin/python bench/alerts_fanout.py --redis             # and RQ on Redis, 1 then 2 workers
    .venv/bin/python bench/alerts_fanout.py --subscribers 10000 --naive 300   # a quick run
    .venv/bin/python bench/alerts_fanout.py --parts --subscribers 20000  # the fan-out's own SQL

What it does, in one run:

* subscriber keys: real P-256 key pairs and auth secrets, made once and kept in
  ``var/bench-alerts/subscriber-keys.txt`` (not committed), timed when made;
* the push sink: ``gazette.alerts.testing.push_service`` as a process of its own; it checks the
  VAPID token and decrypts one message in ``--verify-every`` (1,000) and counts the others, and
  reports the CPU it used, so that it is seen not to be the bottleneck;
* a fresh site (its own GAZETTE_DATA_DIR, SQLite, the task database backend) with N push
  subscriptions to "breaking"; ``gazette worker`` processes run the fan-out; an alert is sent
  with ``services.alert_send`` and the sink's clock gives the time to the last delivery;
  with ``--redis``, the same on RQ (a redis-server of the run's own) with 1 then 2 workers;
* (a) the encryption-only limit: ``push.encrypt`` in a loop, one process per core;
* (b) the naive loop: ``pywebpush.webpush()`` once per subscriber, one after the other.

CPU is read from /proc for every process of the workers, so the per-core figures hold on a
machine that other work shares; the wall-clock rates do not (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_DATA = ROOT / "var" / "bench-alerts"
sys.path.insert(0, str(BENCH_DIR))

# The processes (their CPU, the sink, the site, the workers) and the --parts mode live in
# modules of their own.
from alerts_parts import run_parts  # noqa: E402
from alerts_processes import (  # noqa: E402
    Sink,
    django_run,
    free_port,
    site_env,
    stop,
    tree_cpu,
    worker_command,
)

PAYLOAD = json.dumps({
    "id": 1, "title": "Dam gates opened after record rain",
    "body": "The river authority opened the gates at dawn; the low town is being evacuated.",
    "url": "https://news.example.org/world/dam-gates/", "tag": "story-12",
}, separators=(",", ":")).encode()


# --- Subscriber keys ------------------------------------------------------------------------


def subscriber_keys(data: Path, count: int) -> tuple[Path, float | None]:
    """The key file with at least ``count`` subscribers; the seconds it took to make the
    missing ones (None if none were missing)."""
    sys.path.insert(0, str(ROOT))
    from gazette.alerts.testing.receiving import make_subscriber

    path = data / "subscriber-keys.txt"
    have = sum(1 for _ in path.open()) if path.exists() else 0
    if have >= count:
        return path, None
    started = time.perf_counter()
    with path.open("a") as keys:
        for number in range(have, count):
            keys.write(make_subscriber("http://unused", f"s{number:07d}").to_line() + "\n")
    seconds = time.perf_counter() - started
    print(f"made {count - have:,} subscriber key pairs in {seconds:.1f} s "
          f"({(count - have) / seconds:,.0f}/s)")
    return path, seconds


def first_lines(path: Path, count: int, into: Path) -> Path:
    with path.open() as source, into.open("w") as target:
        for number, line in enumerate(source):
            if number >= count:
                break
            target.write(line)
    return into


# --- The site and the fan-out ---------------------------------------------------------------


PREPARE = """
import time
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from gazette.alerts.models import Subscription, SubscriptionTopic
from gazette.alerts.testing.receiving import Subscriber
call_command("migrate", interactive=False, verbosity=0)
started = time.perf_counter()
now = timezone.now()
with open({keys!r}) as lines:
    subscribers = [Subscriber.from_line(line, {sink!r}) for line in lines]
with transaction.atomic():
    made = Subscription.objects.bulk_create(
        [Subscription(channel="push", endpoint=s.endpoint, p256dh=s.p256dh, auth=s.auth_b64,
                      confirmed_at=now) for s in subscribers], batch_size=2000)
    SubscriptionTopic.objects.bulk_create(
        [SubscriptionTopic(subscription=m, topic="breaking") for m in made], batch_size=2000)
print(len(made), round(time.perf_counter() - started, 1))
"""

SEND = """
import time
from gazette.alerts.services import alert_send
sent_at = time.time()
alert = alert_send(article=None, title="Dam gates opened after record rain",
                   body="The river authority opened the gates at dawn; evacuate the low town.",
                   url="https://news.example.org/world/dam-gates/", topic="breaking")
print(alert.pk, sent_at)
"""

ALERT = """
import json
from gazette.alerts.models import Alert, Delivery
from django.db.models import Count
alert = Alert.objects.get(pk={pk})
statuses = dict(Delivery.objects.filter(alert=alert).values_list("status").annotate(Count("id")))
print(json.dumps({{"targeted": alert.targeted, "delivered": alert.delivered, "gone": alert.gone,
                  "failed": alert.failed, "statuses": statuses,
                  "started_at": alert.started_at.timestamp() if alert.started_at else None,
                  "finished_at": alert.finished_at.timestamp() if alert.finished_at else None}}))
"""


@dataclass
class FanoutRun:
    label: str
    workers: int
    subscribers: int
    seconds_to_last: float = 0.0
    seconds_to_first: float = 0.0
    deliveries: int = 0
    duplicates: int = 0
    worker_cpu: float = 0.0
    sink_cpu: float = 0.0
    alert: dict[str, Any] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds_to_last if self.seconds_to_last else 0.0

    @property
    def cpu_us_per_delivery(self) -> float:
        return self.worker_cpu / max(1, self.deliveries) * 1e6

    def summary(self) -> dict[str, Any]:
        return {"label": self.label, "workers": self.workers, "subscribers": self.subscribers,
                "deliveries": self.deliveries, "duplicates": self.duplicates,
                "seconds_to_first": round(self.seconds_to_first, 2),
                "seconds_to_last": round(self.seconds_to_last, 2),
                "deliveries_per_second": round(self.per_second),
                "worker_cpu_seconds": round(self.worker_cpu, 1),
                "worker_cpu_us_per_delivery": round(self.cpu_us_per_delivery, 1),
                "per_core_deliveries_per_second": round(1e6 / self.cpu_us_per_delivery)
                if self.deliveries else 0,
                "sink_cpu_us_per_delivery": round(self.sink_cpu / max(1, self.deliveries) * 1e6,
                                                  1),
                "alert": self.alert}


def fanout(label: str, env: dict[str, str], sink: Sink, *, kind: str, workers: int,
           subscribers: int, timeout: float) -> FanoutRun:
    sink.reset()
    run = FanoutRun(label, workers, subscribers)
    logs = Path(env["GAZETTE_DATA_DIR"]) / "logs"
    logs.mkdir(exist_ok=True)
    processes = []
    for number in range(workers):
        log = (logs / f"{label.replace(' ', '_')}-{number}.log").open("wb")
        processes.append(subprocess.Popen(worker_command(kind), env=env, cwd=ROOT, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True))
    try:
        time.sleep(6)  # Django set up, the queue listened to
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{label}: a worker exited, see {logs}")
        cpu_before, sink_before = tree_cpu([p.pid for p in processes]), sink.stats()
        alert_id, sent_at = django_run(env, SEND).split()
        last_count, last_change = -1, time.monotonic()
        while True:
            stats = sink.stats()
            if stats["accepted"] >= subscribers:
                break
            if stats["accepted"] != last_count:
                last_count, last_change = stats["accepted"], time.monotonic()
            elif time.monotonic() - last_change > timeout:
                print(f"{label}: stalled at {last_count:,} deliveries")
                break
            time.sleep(0.25)
        time.sleep(1)  # the last batch's outcomes written
        run.worker_cpu = tree_cpu([p.pid for p in processes]) - cpu_before
        stats = sink.stats()
    finally:
        stop(processes)
    run.deliveries, run.duplicates = stats["accepted"], stats["duplicates"]
    run.sink_cpu = stats["cpu_seconds"] - sink_before["cpu_seconds"]
    if stats["first_at"]:
        run.seconds_to_first = stats["first_at"] - float(sent_at)
        run.seconds_to_last = stats["last_at"] - float(sent_at)
    run.alert = json.loads(django_run(env, ALERT.format(pk=int(alert_id))))
    if stats["rejected"]:
        print(f"{label}: the sink refused {stats['rejected']} messages: {stats['rejections']}")
    print(f"{label}: {run.deliveries:,} delivered in {run.seconds_to_last:.1f} s "
          f"({run.per_second:,.0f}/s; first after {run.seconds_to_first:.2f} s), "
          f"worker CPU {run.cpu_us_per_delivery:.0f} µs a delivery, "
          f"sink CPU {run.sink_cpu / max(1, run.deliveries) * 1e6:.0f} µs, "
          f"duplicates {run.duplicates}, rows {run.alert['statuses']}")
    return run


# --- The baselines --------------------------------------------------------------------------


def _encrypt_loop(keys: list[tuple[str, str]], seconds: float, queue: Any) -> None:
    from gazette.alerts.push import encrypt

    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        for p256dh, auth in keys:
            encrypt(PAYLOAD, p256dh, auth)
        done += len(keys)
    queue.put((done, time.perf_counter() - started, time.process_time() - cpu))


def encryption_limit(keys_path: Path, seconds: float, processes: int) -> dict[str, Any]:
    """push.encrypt in a loop, in ``processes`` processes at once."""
    from gazette.alerts.testing.receiving import Subscriber

    with keys_path.open() as lines:
        keys = [(s.p256dh, s.auth_b64) for s in
                (Subscriber.from_line(line, "") for _, line in zip(range(500), lines,
                                                                   strict=False))]
    queue: Any = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_encrypt_loop, args=(keys, seconds, queue))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    done = sum(r[0] for r in results)
    wall = max(r[1] for r in results)
    cpu = sum(r[2] for r in results)
    return {"processes": processes, "messages": done, "per_second": round(done / wall),
            "cpu_us_per_message": round(cpu / done * 1e6, 1),
            "per_core_per_second": round(done / cpu)}


def naive_loop(keys_path: Path, sink: Sink, count: int) -> dict[str, Any]:
    """pywebpush.webpush() per subscriber: a new connection and a new VAPID signature each."""
    import pywebpush
    from py_vapid import Vapid

    from gazette.alerts.testing.receiving import Subscriber

    vapid = Vapid()
    vapid.generate_keys()
    with keys_path.open() as lines:
        subscribers = [Subscriber.from_line(line, sink.url)
                       for _, line in zip(range(count), lines, strict=False)]
    sink.reset()
    started, cpu = time.perf_counter(), time.process_time()
    for subscriber in subscribers:
        pywebpush.webpush(subscriber.subscription_json(), data=PAYLOAD.decode(),
                          vapid_private_key=vapid, vapid_claims={"sub": "mailto:a@example.org"},
                          ttl=3600, headers={"Urgency": "high"})
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    accepted = sink.stats()["accepted"]
    return {"messages": accepted, "seconds": round(wall, 2), "per_second": round(accepted / wall),
            "cpu_us_per_message": round(cpu / accepted * 1e6, 1),
            "per_core_per_second": round(accepted / cpu)}


# --- The run --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500, help="GAZETTE_ALERTS_BATCH")
    parser.add_argument("--naive", type=int, default=1000,
                        help="messages the naive pywebpush loop sends")
    parser.add_argument("--encrypt-seconds", type=float, default=5.0)
    parser.add_argument("--verify-every", type=int, default=1000,
                        help="the sink checks and decrypts one message in N")
    parser.add_argument("--redis", action="store_true",
                        help="also RQ on Redis (a redis-server of the run's own), 1 then 2 workers")
    parser.add_argument("--rq-worker", choices=("rq", "rq-simple"), default="rq",
                        help="RQ's forking worker (as `gazette worker` runs) or SimpleWorker")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--stall-seconds", type=float, default=60.0)
    parser.add_argument("--parts", action="store_true",
                        help="only the fan-out's database work in one process (the walk, then "
                             "the batches with a sender that answers at once), 3 rounds")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.parts:
        return run_parts(args.data, args.subscribers, args.batch)

    args.data.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1
    print(f"{cores} cores, load average {os.getloadavg()[0]:.1f}")
    all_keys, keygen_seconds = subscriber_keys(args.data, max(args.subscribers, args.naive))
    keys = first_lines(all_keys, args.subscribers, args.data / "run-keys.txt")
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": cores,
                              "load_at_start": round(os.getloadavg()[0], 1),
                              "subscribers": args.subscribers, "batch": args.batch,
                              "keygen_seconds": keygen_seconds, "runs": []}

    encryption = encryption_limit(keys, args.encrypt_seconds, 1)
    encryption_all = encryption_limit(keys, args.encrypt_seconds, cores)
    print(f"encryption only: {encryption['per_core_per_second']:,}/s a core "
          f"({encryption['cpu_us_per_message']} µs), {encryption_all['per_second']:,}/s "
          f"with {cores} processes")
    result["encryption"], result["encryption_all_cores"] = encryption, encryption_all

    sink = Sink(keys, args.verify_every)
    sink.start()
    redis: subprocess.Popen[bytes] | None = None
    try:
        naive = naive_loop(keys, sink, args.naive)
        print(f"naive pywebpush loop: {naive['per_second']:,}/s "
              f"({naive['cpu_us_per_message']:.0f} µs CPU a message)")
        result["naive"] = naive

        plans: list[tuple[str, str, int, str]] = []
        if not args.skip_sqlite:
            plans.append(("SQLite, database worker", "db", 1, ""))
        if args.redis:
            port = free_port()
            redis = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(args.data)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            redis_url = f"redis://127.0.0.1:{port}/0"
            plans += [(f"RQ on Redis, {n} worker{'s' if n > 1 else ''}", args.rq_worker, n,
                       redis_url) for n in (1, 2)]
        for label, kind, workers, redis_url in plans:
            folder = args.data / "site"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            env = site_env(folder, redis_url=redis_url, batch=args.batch)
            made, seconds = django_run(env, PREPARE.format(keys=str(keys), sink=sink.url)).split()
            print(f"{label}: site ready, {int(made):,} subscriptions stored in {seconds} s")
            run = fanout(label, env, sink, kind=kind, workers=workers,
                         subscribers=args.subscribers, timeout=args.stall_seconds)
            result["runs"].append(run.summary())
    finally:
        sink.stop()
        if redis is not None:
            stop([redis])

    # Measured again after the fan-outs: on a shared machine the CPU an operation costs moves
    # with the load, so the runs are compared with the mean of the two (both are printed).
    after = encryption_limit(keys, args.encrypt_seconds, 1)
    print(f"encryption only, after the runs: {after['per_core_per_second']:,}/s a core "
          f"({after['cpu_us_per_message']} µs)")
    result["encryption_after"] = after
    result["encryption_before"] = encryption
    result["encryption"] = encryption = {
        "per_core_per_second": round((encryption["per_core_per_second"]
                                      + after["per_core_per_second"]) / 2),
        "cpu_us_per_message": round((encryption["cpu_us_per_message"]
                                     + after["cpu_us_per_message"]) / 2, 1),
        "note": "mean of encryption_before and encryption_after"}

    report(result, cores)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"alerts_fanout-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"figures in {out.relative_to(ROOT)}")
    return 0


def report(result: dict[str, Any], cores: int) -> None:
    encryption, naive = result["encryption"], result["naive"]
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    for run in result["runs"]:
        wall_vs_naive = run["deliveries_per_second"] / naive["per_second"]
        core_vs_naive = run["per_core_deliveries_per_second"] / naive["per_core_per_second"]
        core_vs_encrypt = (run["per_core_deliveries_per_second"]
                           / encryption["per_core_per_second"])
        wall_vs_encrypt = run["deliveries_per_second"] / (
            encryption["per_core_per_second"] * min(run["workers"], cores))
        run["versus"] = {"naive_wall": round(wall_vs_naive, 2),
                         "naive_per_core": round(core_vs_naive, 2),
                         "encryption_per_core": round(core_vs_encrypt, 2),
                         "encryption_wall": round(wall_vs_encrypt, 2)}
        million = {n: round(1_000_000 / (run["per_core_deliveries_per_second"] * n))
                   for n in (1, 2, 4, 8)} if run["per_core_deliveries_per_second"] else {}
        run["million_seconds_by_workers"] = million
        print(f"{run['label']}: {run['deliveries_per_second']:,}/s wall "
              f"({wall_vs_naive:.1f}x naive, {wall_vs_encrypt:.0%} of encryption on "
              f"{min(run['workers'], cores)} core(s)); per core "
              f"{run['per_core_deliveries_per_second']:,}/s ({core_vs_naive:.1f}x naive, "
              f"{core_vs_encrypt:.0%} of encryption); a million with 1/2/4/8 workers "
              f"(a core each): {', '.join(f'{s:,} s' for s in million.values())}")


if __name__ == "__main__":
    sys.exit(main())

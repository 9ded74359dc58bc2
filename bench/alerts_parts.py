"""``alerts_fanout.py --parts``: only the fan-out's own database work, in one process, on a
fresh site of its own (the walk, then the batches with a sender that answers at once), 3 rounds;
CPU a subscriber.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts_processes import django_run, site_env  # noqa: E402

# The fan-out's own database work, in one process: the walk (fanout_walk, its batch tasks
# recorded instead of enqueued), then every batch (batch_send) with a sender that answers 201
# without encrypting or sending. CPU from time.process_time, per subscriber.
PARTS = """
import json, time
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from gazette.alerts import fanout, tasks
from gazette.alerts.models import Alert, Subscription, SubscriptionTopic
from gazette.alerts.sender import PushOutcome
call_command("migrate", interactive=False, verbosity=0)
count, rounds = {count}, {rounds}
now = timezone.now()
with transaction.atomic():
    made = Subscription.objects.bulk_create(
        [Subscription(channel="push", endpoint=f"http://127.0.0.1:9/push/{{i}}", p256dh="k",
                      auth="a", confirmed_at=now) for i in range(count)], batch_size=2000)
    SubscriptionTopic.objects.bulk_create(
        [SubscriptionTopic(subscription=m, topic="breaking") for m in made], batch_size=2000)
batches = []
tasks.task_enqueue = lambda task, *args: batches.append(args)
class Answering:
    def send(self, messages, payload, **kwargs):
        return [PushOutcome(m.key, 201) for m in messages]
fanout._sender = Answering()
out = []
for _ in range(rounds):
    alert = Alert.objects.create(topic="breaking", title="t", url="https://example.org/")
    batches.clear()
    started = time.process_time()
    fanout.fanout_walk(alert.pk)
    walked = time.process_time()
    for args in batches:
        fanout.batch_send(*args)
    done = time.process_time()
    alert.refresh_from_db()
    assert alert.delivered == count, alert.delivered
    out.append({{"walk_us_a_row": round((walked - started) / count * 1e6, 1),
                "batches_us_a_row": round((done - walked) / count * 1e6, 1)}})
print(json.dumps(out))
"""


def parts(data: Path, count: int, rounds: int, batch: int) -> list[dict[str, float]]:
    """The walk's and the batches' CPU a subscriber, in a fresh site of their own."""
    folder = data / "parts"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    found: list[dict[str, float]] = json.loads(django_run(
        site_env(folder, batch=batch), PARTS.format(count=count, rounds=rounds)))
    return found


def run_parts(data: Path, count: int, batch: int) -> int:
    """The ``--parts`` mode: three rounds, printed."""
    data.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for number, found in enumerate(parts(data, count, 3, batch), 1):
        print(f"round {number}: the walk {found['walk_us_a_row']} µs of CPU a subscriber, "
              f"the batches' bookkeeping {found['batches_us_a_row']} µs")
    return 0

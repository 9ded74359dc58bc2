"""The service worker reads the payload the sender writes: a renamed key on one side would
leave notifications without their link or their click count, and nothing else would notice."""

import json
import re
from pathlib import Path

from gazette.alerts.push import Notification, payload_for

WORKER = Path(__file__).resolve().parents[1] / "static" / "alerts" / "sw.js"


def test_every_payload_key_the_worker_reads_is_one_the_sender_writes():
    source = WORKER.read_text()
    # The push event's payload is parsed into `data`; the click handler's `data` is the
    # notification's own (url, alertId), set from the payload above it.
    push_handler = source[: source.index("notificationclick")]
    read = set(re.findall(r"(?<!event\.)\bdata\.(\w+)\b(?!\()", push_handler))
    full = Notification(alert_id=7, title="T", body="B", url="https://example.org/s",
                        image="https://example.org/i.jpg", icon="/i.png", tag="story-7")
    written = set(json.loads(payload_for(full)))
    assert read, "the worker reads the payload"
    assert read <= written, f"read but never sent: {read - written}"
    assert "id" in read, "the click report needs the alert's id"

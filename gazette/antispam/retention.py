"""How long labelled examples keep the personal data they arrived with.

A labelled example keeps its submission's fields because a rebuild recomputes the features
from them. The raw e-mail and IP address are needed for that only in a form the features
read, so after GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS (30 by default) they give way to:

* the IP address: its network, the /24 (IPv4) or /64 (IPv6) the engine reduces it to anyway
  (``203.0.113.7`` becomes ``203.0.113.0``): every feature reads the same from it;
* the e-mail address: a salted hash of it at the domain (``ann@example.net`` becomes
  ``h-3f2a...@example.net``): the domain signals (disposable address, the domain's
  reputation) read the same, and examples from one address still share a reputation among
  themselves; what a rebuild loses is the tie between these old examples and new comments
  from the same address (the model learned it before the address was replaced, and keeps it
  until a rebuild).

The name, website, user agent and text stay: they are what the model learns from.

Every process holds the same model because each replays the same rows; so before rows are
changed, the pool starts a new generation from a snapshot of the model that learned the raw
values, and every process reloads it instead of replaying changed rows. A rebuild then
learns the old examples from what is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import conf, state
from .models import LabelledExample

CHUNK = 500
# Kept for an address that is not one (the engine reads no network from it either): a row
# that had an address still has one, which the no-user-agent signal asks.
NOT_AN_ADDRESS = "-"


def network_of(ip: str) -> str:
    """The network an address belongs to, as an address (its /24 or /64), as the engine
    groups them; ``NOT_AN_ADDRESS`` for a value that is not one, "" for none."""
    ip = ip.strip()
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return NOT_AN_ADDRESS
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def email_stand_in(email: str) -> str:
    """A salted hash of the address at its domain; the same address, the same stand-in."""
    email = email.strip().lower()
    if not email:
        return ""
    domain = email.rsplit("@", 1)[1] if "@" in email else ""
    digest = hmac.new(conf.secret_key().encode(), f"retention\0{email}".encode(
        "utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:24]
    return f"h-{digest}@{domain}"[:254] if domain else f"h-{digest}"


@dataclass(frozen=True)
class RetentionResult:
    examples: int
    pools: tuple[str, ...]


def _cutoff(days: int | None, now: datetime | None) -> datetime:
    days = int(conf.get("GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS") if days is None else days)
    # Whole days: rows fall due once a day, so each pool starts a new generation (and every
    # process reloads its snapshot) at most once a day, however often this runs.
    today = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)
    return today - timedelta(days=max(0, days))


def retention_apply(*, days: int | None = None, now: datetime | None = None) -> RetentionResult:
    """Replace the raw e-mail and IP address of labelled examples older than ``days``
    (GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS) with what the filter needs of them. Idempotent.

    Run outside a transaction: the snapshot must hold every example's lesson first."""
    cutoff = _cutoff(days, now)
    due = LabelledExample.objects.filter(created__lt=cutoff, personal_data_removed__isnull=True)
    pools = sorted(set(due.values_list("pool", flat=True).distinct()))
    changed = 0
    for pool in pools:
        last = due.filter(pool=pool).order_by("-id").values_list("id", flat=True).first()
        if last is None:
            continue
        _new_generation(pool, covering=last)
        changed += _replace(due.filter(pool=pool, id__lte=last), now or timezone.now())
    return RetentionResult(changed, tuple(pools))


def _new_generation(pool: str, *, covering: int) -> None:
    """Start a generation from the model as it is, having learned every example up to
    ``covering`` from its raw fields."""
    with state.engine_for(pool, force_sync=True) as engine:
        if (engine.last_example_id or 0) < covering:
            raise RuntimeError(f"antispam retention: pool {pool} is not caught up to "
                               f"example {covering}; run outside a transaction")
        blob = engine.dumps()
        meta = (engine.version, engine.examples_seen, engine.last_example_id)
    with transaction.atomic():
        row = state.lock_pool(pool)
        row.generation += 1
        row.examples_since_snapshot = 0
        row.save(update_fields=["generation", "examples_since_snapshot", "updated"])
        state.save_snapshot(pool, row.generation, blob, *meta)


def _replace(rows: QuerySet[LabelledExample], when: datetime) -> int:
    changed = 0
    while True:
        chunk = list(rows.filter(personal_data_removed__isnull=True)
                     .only("id", "user_ip", "author_email")[:CHUNK])
        for example in chunk:
            example.user_ip = network_of(example.user_ip)
            example.author_email = email_stand_in(example.author_email)
            example.personal_data_removed = when
        with transaction.atomic():
            LabelledExample.objects.bulk_update(
                chunk, ["user_ip", "author_email", "personal_data_removed"])
        changed += len(chunk)
        if len(chunk) < CHUNK:
            return changed


def examples_erase(email: str, *, delete: bool = False, now: datetime | None = None) -> int:
    """Erase what labelled examples hold of the person behind ``email`` (an erasure request):
    the rows with that address, raw or already replaced by its stand-in, lose the name,
    e-mail, website, IP address and user agent; with ``delete`` they go altogether. The text
    and the label stay otherwise, as the model's lesson. Returns how many rows changed.

    As with retention, each pool first starts a new generation from the model that learned
    the rows as they were, so that no process replays changed rows. Run outside a
    transaction."""
    email = email.strip()
    if not email:
        return 0
    stand_in = email_stand_in(email)
    rows = LabelledExample.objects.filter(Q(author_email__iexact=email)
                                          | Q(author_email=stand_in))
    changed = 0
    for pool in sorted(set(rows.values_list("pool", flat=True).distinct())):
        last = LabelledExample.objects.filter(pool=pool).order_by("-id").values_list(
            "id", flat=True).first()
        if last is None:
            continue
        _new_generation(pool, covering=last)
        in_pool = rows.filter(pool=pool, id__lte=last)
        with transaction.atomic():
            if delete:
                changed += in_pool.delete()[0]
                continue
            in_pool.exclude(user_ip="").update(user_ip=NOT_AN_ADDRESS)
            changed += in_pool.update(author="", author_email="", author_url="",
                                      user_agent="",
                                      personal_data_removed=now or timezone.now())
    return changed

"""API keys: who may ask the spam defence, for which sites, and what their reports teach.

Keys belong to the adapter, not to the Akismet door that is their only user today: the key,
its sites and its monthly counts are the adapter's models, managed in the admin and by
``gazette antispam key``; a key's pool (under shared learning, a fork of the shared one) is
the adapter's learning policy; and the rule that a key listing sites serves only those sites,
unrevoked, holds whatever door a key comes through. The door supplies the HTTP (the Akismet
answers and headers, ``akismet/views.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction

from . import conf, state
from .engine import Submission, Verdict
from .models import KEY_RE, ApiKey, ApiKeySite, LabelledExample, Source, site_host
from .services import CheckOutcome, spam_check, spam_learn


@dataclass(frozen=True)
class KeyCheck:
    """Whether a key may be used for a site; ``problem`` explains a refusal."""

    api_key: ApiKey | None
    site: str
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.api_key is not None and not self.problem


def key_create(*, sites: Iterable[str] = (), name: str = "",
               monthly_limit: int | None = None) -> ApiKey:
    """A new API key, optionally restricted to the given sites."""
    key = ApiKey(name=name, monthly_limit=monthly_limit)
    for url in sites:
        key.sites.add(key.sites.model(url=url))
    key.save()
    return key


_KEY_FIELDS = ("id", "key", "is_active", "monthly_limit")


def _key_and_sites(key: str) -> tuple[ApiKey | None, dict[str, bool]]:
    """The key (its other fields deferred) and its sites' hosts -> revoked, in one query.

    Every API call starts here, so it is one plain-SQL join rather than two ORM queries.
    """
    ops = connection.ops
    keys = ops.quote_name(ApiKey._meta.db_table)
    sites = ops.quote_name(ApiKeySite._meta.db_table)
    columns = ", ".join(f"k.{ops.quote_name(ApiKey._meta.get_field(name).column)}"
                        for name in _KEY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, s.host, s.is_revoked FROM {keys} k "
            f"LEFT JOIN {sites} s ON s.api_key_id = k.id WHERE k.{ops.quote_name('key')} = %s",
            [key],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, {}
    pk, value, active, limit = rows[0][:4]
    api_key = ApiKey.from_db(connection.alias, list(_KEY_FIELDS),
                             [pk, value, bool(active), limit])
    return api_key, {host: bool(revoked) for *_, host, revoked in rows if host is not None}


def key_authenticate(key: str, blog: str | None = None) -> KeyCheck:
    """Look up an API key and, when ``blog`` is given, check that it may serve that site.

    A key with no sites listed serves any site; otherwise the site's host must be listed
    and not revoked. The problems are worded for Akismet's ``X-akismet-debug-help``.
    """
    key = (key or "").strip()
    site = site_host(blog or "")
    if not key:
        return KeyCheck(None, site, "Empty \"api_key\" value")
    if not KEY_RE.match(key):
        return KeyCheck(None, site, "API keys are 12 lowercase hexadecimal characters")
    api_key, listed = _key_and_sites(key)
    if api_key is None:
        return KeyCheck(None, site, "Unknown API key")
    if not api_key.is_active:
        return KeyCheck(None, site, "This API key is no longer active")
    if blog is None:
        return KeyCheck(api_key, site)
    if not site:
        return KeyCheck(api_key, site, "Empty or unreadable \"blog\" value")
    if listed:
        if site not in listed:
            return KeyCheck(api_key, site, f"This key is not registered for {site}")
        if listed[site]:
            return KeyCheck(api_key, site, f"This key was revoked for {site}")
    return KeyCheck(api_key, site)


def key_pool(api_key: ApiKey) -> str:
    """The pool a key's checks use: under shared learning, the shared one until the key has
    reported something of its own (see :func:`key_spam_learn`)."""
    if not conf.shared_learning():
        return conf.pool_for_key(api_key.pk)
    own = f"{state.KEY_POOL_PREFIX}{api_key.pk}"
    return own if state.forked(own) else conf.SHARED_POOL


def key_spam_check(*, api_key: ApiKey, site: str, submission: Submission,
                   is_test: bool = False, defer: bool = False,
                   verdict: Verdict | None = None) -> CheckOutcome:
    """A key's check: test requests leave no trace; rechecks are not new activity.

    ``defer``, ``verdict``: see :func:`~gazette.antispam.services.spam_check` (the Akismet
    view records after sending the answer, and fixes the verdict of Akismet's test values)."""
    return spam_check(
        submission=submission,
        pool=key_pool(api_key),
        record=not is_test and not submission.recheck_reason,
        api_key=None if is_test else api_key,
        site=site,
        defer=defer,
        verdict=verdict,
    )


def key_spam_learn(*, api_key: ApiKey, site: str, submission: Submission, label: str,
                   is_test: bool = False, guid: str = "") -> LabelledExample | None:
    """A key's report (Akismet's submit-spam / submit-ham): learn it, unless it is a test.

    Under shared learning a report counts at once for the key's own checks (in its own
    pool, a fork of the shared one) and reaches the shared pool, every other site's, only
    once ``GAZETTE_ANTISPAM_AGREEING_KEYS`` keys have reported the same text with the same
    label: one key cannot steer another site's verdicts."""
    if is_test:
        return None
    if not conf.shared_learning():
        return spam_learn(
            submission=submission, label=label, source=Source.API,
            pool=conf.pool_for_key(api_key.pk), guid=guid, api_key=api_key, site=site,
        )
    own = f"{state.KEY_POOL_PREFIX}{api_key.pk}"
    state.fork(own)
    example = spam_learn(submission=submission, label=label, source=Source.API, pool=own,
                         guid=guid, api_key=api_key, site=site)
    with transaction.atomic():
        _promote_if_agreed(example)
    return example


def _promote_if_agreed(example: LabelledExample) -> None:
    """Copy each agreeing key's first report of this text and label into the shared pool,
    once enough keys agree (each key counts once, however often it reports)."""
    needed = max(1, int(conf.get("GAZETTE_ANTISPAM_AGREEING_KEYS")))
    same = (LabelledExample.objects
            .filter(pool__startswith=state.KEY_POOL_PREFIX, source=Source.API,
                    label=example.label, content=example.content, api_key__isnull=False)
            .order_by("id").values_list("pool", "api_key_id", "id"))
    first: dict[int, int] = {}
    for pool, key_id, pk in same:
        if pool == f"{state.KEY_POOL_PREFIX}{key_id}":  # the key's own report, not a copy
            first.setdefault(key_id, pk)
    if len(first) < needed:
        return
    shared = set(LabelledExample.objects.filter(
        pool=conf.SHARED_POOL, source=Source.API, label=example.label,
        content=example.content, api_key_id__in=list(first),
    ).values_list("api_key_id", flat=True))
    voters = {f"{state.KEY_POOL_PREFIX}{key_id}" for key_id in first}
    for key_id, pk in first.items():
        if key_id in shared:
            continue
        copy, due = state.copy_example(LabelledExample.objects.get(pk=pk), conf.SHARED_POOL)
        state.share(copy, skip=voters)
        transaction.on_commit(partial(state.after_learn, conf.SHARED_POOL, due))

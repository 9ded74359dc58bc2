"""Gazette's spam filter engine: Python and numpy, no Django.

Checking and learning
---------------------
::

    engine = Engine(Config(secret_key=settings.SECRET_KEY))
    keys = engine.keys(sub)            # SubmissionKeys: salted hashes, MinHash sketch
    stats = history.stats(keys)        # HistoryStats from a History (DB or MemoryHistory)
    verdict = engine.check(sub, stats, keys=keys)   # Verdict(kind, score, reasons, signals)
    history.add(keys)                  # record the submission as recent activity
    ...
    engine.learn(sub, "spam", stats)   # a moderator decision, effective at once

``Verdict.kind`` is ``ham`` (publish), ``hold`` (moderation queue), ``spam`` (spam folder)
or ``discard`` (blatant, safe to drop unseen). Akismet's test values (authors and roles
whose verdict is fixed) are the Akismet door's business, not the engine's.

Signals (groups, each can be disabled with ``Config(disabled=...)`` for ablations; one
function per group in :mod:`.signals`): ``text`` hashed word 1-3-grams and skip-bigrams,
character 2-5-grams and shape tokens (phone
numbers, numbers by length, prices, web and e-mail addresses), plus a naive Bayes
log-count ratio over the same features; ``links`` count, domains, shorteners,
anchors whose text shows another domain; ``author`` keyword names, website, disposable
e-mail domains; ``behaviour`` near-duplicate text across articles, bursts per IP /24
(IPv6 /64) or e-mail, time from render to submit, honeypot; ``reputation`` learned from
past decisions on salted hashes of e-mail, network, author name, link domains and text
sketches; ``script`` letters in a script the article's language does not use;
``char_model`` a character language model of spam and of ham (:mod:`.char_model`), read
in order, whose score's quantile among past examples' moves the logit by at most
``Config.char_model_weight`` (off with ``text`` too; its signal is ``text.char_model``).

Modules: :mod:`.config` (settings), :mod:`.signals`, :mod:`.calibration` (thresholds and
the score windows), :mod:`.fitting` (batch training), :mod:`.snapshots`, :mod:`.engine`
(the state, ``check`` and ``learn``).

Decisions: a spam probability from an online logistic model whose named signals start
from prior weights (rules that need no training); ``fit`` trains it to convergence (an
L2-loss linear SVM by dual coordinate descent, ``Config.fit_solver``; it reads its examples
once, keeping their features in a :class:`.training.TrainingSet`, so a rebuild can stream
them), ``learn`` takes one AdaGrad step at once. Bin and discard thresholds follow the
conformal rule on held-out ham scores (the score each ham had before it was learned):
at most ``floor(budget*(n+1))-1`` known ham scores lie above the bin threshold (99 ham at
a 1% budget before the first is allowed). Before any ham has been seen only hard rules
(honeypot, massive link counts, duplicate floods) and strong rule evidence bin; weak
evidence holds. From ``Config.cold_bin_min_ham`` ham scores until the conformal rule
applies, a score above every ham score seen and at least ``cold_bin_score`` bins too.
Ham scores given during the first ``calibration_burn_in`` labels, by a model that knew
almost nothing, are set aside once the conformal minimum of later ones exists.

State shared by processes
-------------------------
The database keeps an append-only log of labelled examples (submission fields, label,
the ``HistoryStats`` used at check time, id). Learning is deterministic, so replaying the
log in id order gives every process the same model. Periodic snapshots make replays
short: ``blob = engine.dumps()`` (zlib-compressed JSON with packed arrays, no pickle),
``Engine.loads(blob, secret_key=...)``; ``engine.examples_seen``, ``engine.version`` and
``engine.last_example_id`` (from ``learn(..., example_id=...)``) tell which log rows
come after the snapshot. The secret key is never stored in a snapshot.

History protocol (recent activity, implemented by the caller)::

    class History(Protocol):
        def stats(self, keys: SubmissionKeys) -> HistoryStats: ...
        def add(self, keys: SubmissionKeys) -> None: ...

A database adapter indexes ``ip_prefix_hash``, ``email_hash``, ``text_hash`` and each of
``keys.bands`` (equality lookups) and confirms near duplicates with
``fingerprint.similarity(a.signature, b.signature) >= NEAR_DUP_JACCARD``.

Evaluation: :mod:`.evaluate` (prequential and k-fold; the command line is ``gazette
antispam eval``); the shared corpora's readers: :mod:`.corpora` (their folder is an
argument).
"""

from .calibration import BinningStatus, conformal_threshold
from .config import GROUPS, Config
from .engine import Engine
from .history import History, MemoryHistory, count_near_duplicate_groups
from .signals import PRIORS
from .types import HistoryStats, Kind, Label, Submission, SubmissionKeys, Verdict

__all__ = [
    "GROUPS",
    "PRIORS",
    "BinningStatus",
    "Config",
    "Engine",
    "History",
    "HistoryStats",
    "Kind",
    "Label",
    "MemoryHistory",
    "Submission",
    "SubmissionKeys",
    "Verdict",
    "conformal_threshold",
    "count_near_duplicate_groups",
]

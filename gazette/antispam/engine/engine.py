"""The spam filter: its state, checks and learning. Signals, calibration, batch fitting and
snapshots each have a module of their own; this one ties them together."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from . import calibration, fingerprint, fitting, signals, snapshots
from .calibration import BinningStatus, ScoreWindow, Thresholds, min_ham_for
from .char_model import CharModel
from .config import FEATURE_SETTINGS, Config
from .model import LinearModel, NaiveBayesRatios, sigmoid
from .signals import PRIORS, Features
from .text import clean_text
from .types import Example, HistoryStats, Kind, Label, Submission, SubmissionKeys, Verdict


class Engine:
    """Spam filter state and logic; see the package docstring for the protocol."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        c = self.config
        priors = {k: v for k, v in PRIORS.items() if k.split(".", 1)[0] not in c.disabled}
        self.model = LinearModel(
            priors,
            initial_bias=c.initial_bias,
            learning_rate=c.learning_rate,
            named_learning_rate=c.named_learning_rate,
            bias_learning_rate=c.bias_learning_rate,
        )
        self.nb = NaiveBayesRatios()
        if c.text_scaling == "nb":
            self.model.scale = self.nb
            self.model.scale_floor = c.nb_scale_floor
        elif c.text_scaling != "binary":
            raise ValueError(f"text_scaling must be 'nb' or 'binary', not {c.text_scaling!r}")
        self.char_model: CharModel | None = None
        if c.char_model_weight > 0 and not {"text", "char_model"} & c.disabled:
            self.char_model = CharModel(
                order=c.char_model_order, bits=c.char_model_bits, alpha=c.char_model_alpha
            )
        # The character model's scores of this site's examples before it learned each: what
        # a score's quantile is read against.
        self.char_model_window = ScoreWindow()
        # Scores the model gave ham before learning it: held-out scores for the conformal
        # thresholds.
        self.ham_window = ScoreWindow()
        # Reputation counts [spam, ham] keyed by salted hashes only.
        self.reputation: dict[str, list[int]] = {}
        self.examples_seen = 0
        self.spam_seen = 0
        self.version = 0
        self.last_example_id: int | None = None
        self._thresholds: Thresholds | None = None
        self._key = c.secret_key.encode("utf-8")

    @property
    def ham_scores(self) -> list[float]:
        """Held-out ham scores, oldest first (read only: see :meth:`add_ham_score`)."""
        return self.ham_window.scores

    # --- keys ----------------------------------------------------------------------
    def salted(self, kind: str, value: str) -> str:
        """A salted hash of personal data (keyed by ``Config.secret_key``)."""
        mac = hmac.new(self._key, f"{kind}\0{value}".encode("utf-8", "surrogatepass"), "sha256")
        return mac.hexdigest()[:20]

    @staticmethod
    def _ip_prefix(ip: str) -> str | None:
        try:
            addr = ipaddress.ip_address(ip.strip())
        except ValueError:
            return None
        plen = 24 if addr.version == 4 else 64
        return str(ipaddress.ip_network(f"{addr}/{plen}", strict=False))

    def keys(self, sub: Submission) -> SubmissionKeys:
        """Lookup keys for recording and querying recent activity (hashes only)."""
        clean = clean_text(sub.content)
        sig = fingerprint.signature(clean)
        canon = fingerprint.canonical(clean)
        prefix = self._ip_prefix(sub.user_ip) if sub.user_ip else None
        email = sub.author_email.strip().lower()
        return SubmissionKeys(
            article=sub.permalink,
            ip_prefix_hash=self.salted("ip24", prefix) if prefix else None,
            email_hash=self.salted("email", email) if email else None,
            text_hash=(
                hashlib.blake2b(canon.encode(), digest_size=10).hexdigest()
                if len(canon) >= fingerprint.MIN_CHARS
                else None
            ),
            signature=sig,
            bands=fingerprint.bands(sig),
            timestamp=sub.timestamp(),
        )

    # --- calibration -----------------------------------------------------------------
    def char_model_shift(self, score: float | None) -> float:
        """What the character model adds to the logit: ``w * (2q - 1)``, ``q`` the quantile
        of its score among the reference scores (0 until there are enough of them).

        A quantile, not the score itself: the character model's log-likelihood ratios are
        long-tailed and their spread differs from site to site; read against its own past
        scores it moves the logit by at most ``w``, on any site (measured against adding a
        scaled score in docs/research/2026-11-29-character-model.md).
        """
        window = self.char_model_window
        if score is None or len(window) < max(1, self.config.char_model_min_reference):
            return 0.0
        return self.config.char_model_weight * (2.0 * window.quantile(score) - 1.0)

    def add_char_model_score(self, value: float, *, burn_in: bool = False) -> None:
        """A reference score for :meth:`char_model_shift`. As for the ham scores, those the
        model gave while it had learned almost nothing are set aside once there are
        enough later ones to read a quantile against."""
        self.char_model_window.append(
            value, burn_in=burn_in, window=self.config.window(),
            later_needed=max(1, self.config.char_model_min_reference),
        )
        self._thresholds = None

    def add_ham_score(self, p: float, *, burn_in: bool = False) -> None:
        """A held-out ham score for the thresholds."""
        self.ham_window.append(
            p, burn_in=burn_in, window=self.config.window(),
            later_needed=min_ham_for(self.config.ham_bin_budget),
        )
        self._thresholds = None

    def thresholds(self) -> Thresholds:
        """(hold, bin, discard) score thresholds; ``None`` where not yet allowed."""
        if self._thresholds is None:
            self._thresholds = calibration.thresholds(self.config, self.ham_window)
        return self._thresholds

    def binning_status(self) -> BinningStatus:
        _, binned, _ = self.thresholds()
        return calibration.binning_status(self.config, self.ham_window, binned)

    # --- checking ------------------------------------------------------------------
    def check(
        self,
        sub: Submission,
        stats: HistoryStats | None = None,
        *,
        keys: SubmissionKeys | None = None,
        exact: bool = False,
    ) -> Verdict:
        """Classify a submission. ``stats`` come from a :class:`History`; optional.

        ``keys`` may pass the result of :meth:`keys` to avoid computing it twice.
        ``exact``: read every signal even where it cannot change the verdict, so that the
        score is exact far from the thresholds too (evaluation; the kind is the same).
        """
        return self._decide(signals.features(self, sub, stats, keys=keys, exact=exact))

    def _decide(self, feats: Features) -> Verdict:
        m = self.model
        c = self.config
        text_z = m.text_logit(feats.hashed)
        contrib = m.contributions(feats.named)
        base = m.bias + text_z + sum(contrib.values())
        hold, binned, disc = self.thresholds()
        # Strong evidence is judged with the prior (rule) weights, not learned ones, so that
        # it stays a rule that needs no training and cannot bypass the ham budget.
        priors = self.model.priors
        evidence = sum(
            priors.get(k, 0.0) * v for k, v in feats.named.items() if not k.startswith("text.")
        )
        strong_rule = evidence >= c.strong_evidence

        def kind_of(p: float) -> Kind:
            if disc is not None and p > disc:
                return "discard"
            if (binned is not None and p > binned) or (strong_rule and p >= c.strong_min_score):
                return "spam"
            if hold is not None and p > hold:
                return "hold"
            return "ham"

        model = self.char_model
        if (
            feats.char_model_score is None
            and feats.hard is None
            and model is not None
            and model.ready()
            and len(self.char_model_window) >= max(1, c.char_model_min_reference)
        ):
            # The character model moves the logit by at most its weight: read the text with
            # it only when that could change the verdict (most comments are far from every
            # threshold), so the score of a clear case leaves it out.
            w = c.char_model_weight
            if kind_of(sigmoid(base - w)) != kind_of(sigmoid(base + w)):
                feats.char_model_score = model.score(model.grams(feats.char_model_text))
        shift = self.char_model_shift(feats.char_model_score)
        p = sigmoid(base + shift)
        out = dict(contrib)
        out["text.model"] = text_z
        if feats.char_model_score is not None:
            out["text.char_model"] = shift
        out["bias"] = m.bias
        ranked = sorted(
            ((v, k) for k, v in contrib.items() if v >= 0.25 and k in feats.reasons), reverse=True
        )
        reasons = [feats.reasons[k] for _, k in ranked]
        if text_z >= 1.0:
            reasons.append(f"wording resembles past spam ({text_z:+.1f})")
        if shift >= 0.5:
            reasons.append(f"its characters read like past spam ({shift:+.1f})")
        if feats.hard is not None:
            kind, why = feats.hard
            return Verdict(kind, max(p, 0.999), (why, *reasons), out)
        return Verdict(kind_of(p), p, tuple(reasons), out)

    # --- learning ------------------------------------------------------------------
    def learn(
        self,
        sub: Submission,
        label: Label,
        stats: HistoryStats | None = None,
        *,
        example_id: int | None = None,
        keys: SubmissionKeys | None = None,
        foreign: bool = False,
    ) -> float:
        """Learn one moderator decision at once. Pass the same ``stats`` as at check time.

        ``foreign``: labelled elsewhere (a seed corpus), not by this site's moderators. It
        trains the model but its score never sets the thresholds: a ham score from another
        site's comments says nothing of how this site's ham will score.

        Returns the spam probability the engine gave the example before learning it.
        """
        if label not in ("spam", "ham"):
            raise ValueError(f"label must be 'spam' or 'ham', not {label!r}")
        y = 1 if label == "spam" else 0
        feats = signals.features(self, sub, stats, keys=keys)
        shift = self.char_model_shift(feats.char_model_score)
        if shift:
            p = sigmoid(self.model.logit(feats.hashed, feats.named) + shift)
            self.model.update(feats.hashed, feats.named, y)
        else:
            p = self.model.update(feats.hashed, feats.named, y)
        if "text" not in self.config.disabled:
            self.nb.add(feats.hashed, y)
        burn_in = self.examples_seen < self.config.calibration_burn_in
        if self.char_model is not None and feats.grams is not None:
            if feats.char_model_score is not None and not foreign:
                self.add_char_model_score(feats.char_model_score, burn_in=burn_in)
            self.char_model.add(feats.grams, y)
        self.count_reputation(feats.rep_keys, y)
        if y == 0 and not foreign:
            self.add_ham_score(p, burn_in=burn_in)
        self.examples_seen += 1
        self.spam_seen += y
        self.version += 1
        if example_id is not None:
            self.last_example_id = example_id
        return p

    def count_reputation(self, rep_keys: Iterable[str], y: int) -> None:
        """One more label ``y`` (1 spam) for each reputation key."""
        idx = 0 if y else 1
        for k in rep_keys:
            counts = self.reputation.get(k)
            if counts is None:
                counts = self.reputation[k] = [0, 0]
            counts[idx] += 1

    def fit(
        self,
        examples: Iterable[Example],
        *,
        calibrate: bool = True,
        window: int | None = None,
    ) -> None:
        """Batch training on labelled examples, e.g. every stored moderation decision.

        ``examples`` is read once, so it can stream from a database; what is kept of each
        is its features in a :class:`.training.TrainingSet` (about 2 kB for a comment).
        Reputation features are computed leave-one-out so that training does not see its
        own label, and held-out ham scores for the thresholds come from cross-fitting. An
        example may carry a fourth item, ``foreign`` (see :meth:`learn`): foreign ham give
        no scores.

        ``window`` bounds what a fit holds, however many examples stream past: every
        example is counted (naive Bayes ratios, reputation), but only ``window`` of them
        train the weights and give the held-out ham scores: the newest of this site's own,
        then, if there is room, the newest foreign ones. ``None`` trains on all.
        """
        fitting.fit(self, examples, calibrate=calibrate, window=window)

    # --- snapshots -----------------------------------------------------------------
    def dumps(self) -> bytes:
        """Compact, deterministic snapshot (see :mod:`.snapshots`)."""
        return snapshots.dumps(self)

    @classmethod
    def loads(cls, blob: bytes, *, secret_key: str | None = None) -> Engine:
        """Restore a snapshot. Pass ``secret_key`` (it is not stored in the snapshot)."""
        return snapshots.loads(blob, secret_key=secret_key or "", make=cls)

    def with_config(self, **changes: Any) -> Engine:
        """Copy of this engine's state under changed settings (e.g. another budget).

        Settings in ``FEATURE_SETTINGS`` cannot change this way: the weights were learned
        for other features, so the examples must be learned again.
        """
        refused = sorted(FEATURE_SETTINGS & changes.keys())
        if refused:
            raise ValueError(f"{', '.join(refused)} change the features: relearn instead")
        eng = Engine.loads(self.dumps(), secret_key=self.config.secret_key)
        # Only the settings change: the model keeps the learning rates it was built with.
        eng.config = replace(eng.config, **changes)
        eng._thresholds = None
        return eng

"""Engine settings: :class:`Config`, its signal groups and how it is stored in a snapshot.

Every field can be set through ``GAZETTE_ANTISPAM_ENGINE_OPTIONS`` (a JSON object of fields)
and is kept in each snapshot, so a field's name is part of both formats: rename one only
with an alias here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Signal groups, each of which ``Config.disabled`` can turn off (for ablations).
GROUPS: tuple[str, ...] = (
    "text", "links", "author", "behaviour", "reputation", "script", "char_model"
)
# Earlier names of groups, still accepted in ``Config.disabled`` (settings and snapshots
# written before the rename): "sequence" was the character model's group until 2026-12.
GROUP_ALIASES: dict[str, str] = {"sequence": "char_model"}
# Settings that change which features a text has or what they are worth: a model trained
# under other values is not valid under these (see ``Engine.with_config``).
FEATURE_SETTINGS = frozenset(
    {"word_ngrams", "skip_window", "char_case", "text_scaling", "nb_scale_floor", "nb_feature",
     "disabled", "char_model_weight", "char_model_order", "char_model_alpha", "char_model_bits"}
)


def canonical_groups(groups: Iterable[str]) -> frozenset[str]:
    """``groups`` under their current names (see ``GROUP_ALIASES``)."""
    return frozenset(GROUP_ALIASES.get(group, group) for group in groups)


@dataclass(frozen=True)
class Config:
    """Engine settings. ``secret_key`` salts every hash of personal data; keep it secret
    and stable (changing it forgets reputations). ``disabled`` turns signal groups off
    (for ablations)."""

    secret_key: str = ""
    ham_bin_budget: float = 0.01
    ham_hold_budget: float = 0.05
    discard_budget_ratio: float = 0.1
    calibration_window: int = 0
    # The conformal bin threshold never goes below this score. It was 0.5, the margin 0
    # of a fitted SVM; but with imbalanced classes that boundary sits inside the minority
    # class (SMS, 13% spam: every k-fold threshold was the floor, binning 0.066% of ham
    # against a 0.1% budget and catching 90.8% of spam; with 0.3, 0.089% and 94.4%).
    min_bin_score: float = 0.3
    # Strong evidence (the rule weights' sum) bins only scores at least this high.
    strong_min_score: float = 0.5
    # Cold start, between ``cold_bin_min_ham`` ham scores and the conformal minimum
    # (99 at 1%): bin only above every ham score seen and at least ``cold_bin_score``.
    # A new ham lands above all n earlier ones with probability 1/(n+1), so this holds
    # fewer obvious spam for a rate promise that is looser only for those first ham.
    cold_bin_min_ham: int = 30
    cold_bin_score: float = 0.95
    # Ham scores given while the engine had learned fewer labels than this come from a
    # model that knew almost nothing and sit above later ones; they are set aside once the
    # conformal minimum of later ham scores exists.
    calibration_burn_in: int = 100
    min_discard_score: float = 0.99
    cold_hold_score: float = 0.5
    strong_evidence: float = 5.0
    massive_links: int = 15
    flood_duplicates: int = 5
    too_fast_seconds: float = 3.0
    fast_seconds: float = 8.0
    burst_threshold: int = 3
    initial_bias: float = -2.0
    learning_rate: float = 0.3
    named_learning_rate: float = 0.1
    bias_learning_rate: float = 0.05
    epochs: int = 4
    # Averaged weights in fit: measured neutral on both corpora (k-fold MCC within 0.002),
    # so off; kept for sites with noisier labels.
    average: bool = False
    # Batch training: "svm" (an L2-loss linear SVM solved to convergence by dual
    # coordinate descent; learn stays online) or "sgd" (epochs of the online AdaGrad
    # steps). k-fold MCC, svm vs sgd: SMS at 0.1% 0.939 vs 0.918, YouTube at 1% 0.909 vs
    # 0.917 (see docs/research/2026-11-29-ranking-experiments.md).
    fit_solver: str = "svm"
    svm_c: float = 1.0
    svm_epochs: int = 15
    # Cross-fitted ham scores come from models trained on (folds-1)/folds of the
    # examples; with 10 rather than 4 they are closer to the final model's.
    calibration_folds: int = 10
    # Epochs of each cross-fitted SVM, warm-started from the full model's dual variables
    # (0: each trained from zero for ``svm_epochs``, as before session 6).
    calibration_epochs: int = 5
    # Values of hashed text features: "nb" multiplies each by floor + |its naive Bayes
    # log-count ratio| (NB-SVM), "binary" leaves them 1/sqrt(n). k-fold MCC, nb vs binary:
    # YouTube 0.918 vs 0.909, SMS at 0.1% 0.951 vs 0.939
    # (docs/research/2026-11-29-ranking-experiments.md).
    text_scaling: str = "nb"
    nb_scale_floor: float = 0.25
    # The mean naive Bayes log-count ratio as one more named feature ("text.nb"). Beside NB
    # scaling it measured a wash on k-fold MCC (YouTube 0.918 with it, 0.923 without; SMS
    # at 0.1% 0.951 vs 0.947) but without it the cross-fitted thresholds keep every ham
    # budget (SMS 0.11% of ham binned with it against 0.1%; 0.066% without), so off.
    nb_feature: bool = False
    # Text features (see ``text.text_features``). k-fold MCC against the earlier word
    # bigrams and lower-cased characters is in docs/research/2026-11-29-hashing.md.
    word_ngrams: int = 3
    skip_window: int = 4
    char_case: bool = True
    # The character model (``char_model.CharModel``): its score, read as its quantile among the
    # scores it gave this site's past examples before learning them, moves the logit by up
    # to this weight either way (0: off). k-fold MCC, without -> with, in docs/research/
    # 2026-11-29-character-model.md.
    char_model_weight: float = 1.0
    char_model_order: int = 4
    char_model_alpha: float = 3.0
    char_model_bits: int = 21
    # The character model moves no score until it has this many reference scores.
    char_model_min_reference: int = 20
    seed: int = 1
    disabled: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # JSON settings give a list, and older ones the group's earlier name.
        object.__setattr__(self, "disabled", canonical_groups(self.disabled))

    def window(self) -> int:
        """How many of the newest held-out scores the thresholds are read from."""
        if self.calibration_window > 0:
            return self.calibration_window
        return max(2000, math.ceil(10.0 / max(self.ham_bin_budget, 1e-6)))


def config_to_dict(c: Config) -> dict[str, object]:
    """Every setting but the secret key, as JSON values (``disabled`` sorted)."""
    out: dict[str, object] = {}
    for name in c.__dataclass_fields__:
        if name == "secret_key":
            continue
        v = getattr(c, name)
        out[name] = sorted(v) if isinstance(v, frozenset) else v
    return out


def config_from_dict(d: Mapping[str, Any], secret_key: str) -> Config:
    """The inverse of :func:`config_to_dict`; fields this version lacks are ignored."""
    kwargs = {k: v for k, v in d.items() if k in Config.__dataclass_fields__}
    kwargs["disabled"] = frozenset(kwargs.get("disabled", ()))
    kwargs["secret_key"] = secret_key
    return Config(**kwargs)

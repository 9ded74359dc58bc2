"""Benchmark of the antispam engine against naive baselines on the shared corpora.

Prints, in one run: k-fold and prequential figures for the engine and the baselines
(multinomial naive Bayes on words, pure Python; scikit-learn LinearSVC on word + char
TF-IDF when scikit-learn is installed), checks per second, and an ablation table (all
signals vs each signal group disabled) on both corpora and on a synthetic stream that
carries the metadata the corpora lack (e-mail, IP, links, timing, honeypot, scripts).

    PYTHONPATH=. .venv/bin/python bench/antispam_engine.py [--quick] [--folds 10]

Skips (exit 0) when the corpora folder is absent. Never prints author names.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gazette.antispam.engine import GROUPS, Config, Submission, corpora, evaluate  # noqa: E402  # noqa: E402
from gazette.antispam.engine.evaluate import Row  # noqa: E402

BUDGETS = {"youtube": 0.01, "sms": 0.001}
COLD_ROWS = 200
READER_MAIL = ("gmail.com", "example.org", "mail.example")
_WORD = re.compile(r"\w+")


# --- baselines --------------------------------------------------------------------------
class NaiveBayes:
    """Multinomial naive Bayes on lower-cased words, Laplace smoothing, incremental."""

    def __init__(self) -> None:
        self.words: dict[str, Counter[str]] = {"spam": Counter(), "ham": Counter()}
        self.docs = Counter[str]()
        self.vocab: set[str] = set()

    def learn(self, text: str, label: str) -> None:
        toks = _WORD.findall(text.lower())
        self.words[label].update(toks)
        self.docs[label] += 1
        self.vocab.update(toks)

    def is_spam(self, text: str) -> bool:
        toks = _WORD.findall(text.lower())
        v = len(self.vocab) + 1
        score = {}
        for lab in ("spam", "ham"):
            total = sum(self.words[lab].values())
            prior = math.log((self.docs[lab] + 1) / (sum(self.docs.values()) + 2))
            score[lab] = prior + sum(math.log((self.words[lab][t] + 1) / (total + v)) for t in toks)
        return score["spam"] > score["ham"]


def _kinds_from_bool(flags: Sequence[bool]) -> list[str]:
    return ["spam" if f else "ham" for f in flags]


def nb_kfold(rows: Sequence[Row], folds: int) -> dict[str, object]:
    data = evaluate.dedupe(rows)
    parts = evaluate.stratified_folds(data, folds, 0)
    kinds = ["ham"] * len(data)
    spent = 0.0
    for test in parts:
        ts = set(test)
        nb = NaiveBayes()
        for i, r in enumerate(data):
            if i not in ts:
                nb.learn(r.sub.content, r.label)
        for i in test:
            t0 = time.process_time()
            kinds[i] = "spam" if nb.is_spam(data[i].sub.content) else "ham"
            spent += time.process_time() - t0
    return evaluate.metrics([r.label for r in data], kinds, spent)


def nb_prequential(rows: Sequence[Row]) -> dict[str, object]:
    nb = NaiveBayes()
    kinds: list[str] = []
    spent = 0.0
    for r in rows:
        t0 = time.process_time()
        kinds.append("spam" if nb.is_spam(r.sub.content) else "ham")
        spent += time.process_time() - t0
        nb.learn(r.sub.content, r.label)
    labels = [r.label for r in rows]
    out = evaluate.metrics(labels, kinds, spent)
    out["after_100"] = evaluate.metrics(labels[100:], kinds[100:], spent)
    return out


def svm_kfold(rows: Sequence[Row], folds: int) -> dict[str, object] | None:
    try:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC
    except ImportError:
        return None
    data = evaluate.dedupe(rows)
    parts = evaluate.stratified_folds(data, folds, 0)
    texts = [r.sub.content for r in data]
    ys = [1 if r.label == "spam" else 0 for r in data]
    kinds = ["ham"] * len(data)
    spent = 0.0
    for test in parts:
        ts = set(test)
        train = [i for i in range(len(data)) if i not in ts]
        w = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        c = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        xtr = hstack(
            [w.fit_transform([texts[i] for i in train]), c.fit_transform([texts[i] for i in train])]
        ).tocsr()
        model = LinearSVC(C=1.0).fit(xtr, [ys[i] for i in train])
        for i in test:  # one at a time, as a web request would
            t0 = time.process_time()
            x = hstack([w.transform([texts[i]]), c.transform([texts[i]])]).tocsr()
            kinds[i] = "spam" if model.decision_function(x)[0] > 0 else "ham"
            spent += time.process_time() - t0
    return evaluate.metrics([r.label for r in data], kinds, spent)


# --- synthetic stream with metadata -----------------------------------------------------
def synthetic_stream(
    ham_texts: Sequence[str], spam_texts: Sequence[str], n: int = 3000, seed: int = 7
) -> list[Row]:
    """A comment stream with the fields real forms have and the corpora lack.

    Each metadata signal is present in only part of the spam (and some appears on ham),
    so no single signal decides. Constructed by this benchmark; figures on it show that a
    signal works as intended, not how common such spam is on a real site.
    """
    rng = random.Random(seed)
    t = 1_700_000_000.0
    rows: list[Row] = []
    campaigns = [
        {
            "net": f"203.0.{113 + k}.",
            "email": rng.choice(["mailinator.com", "yopmail.com", "gmail.com", "spam.example"]),
            "domain": rng.choice(["bit.ly", "cheap-pills.example", "tinyurl.com", "win.example"]),
            "text": rng.choice(spam_texts),
        }
        for k in range(12)
    ]
    # Real readers rarely post the same long text twice, so ham is drawn without
    # replacement (spam campaigns do repeat, below).
    ham_pool = list(ham_texts)
    rng.shuffle(ham_pool)
    names = ["cheap viagra", "best seo services", "casino bonus", "payday loans online"]
    # Spam in a script the article's language does not use (written for this benchmark).
    cyr = [
        "Заработок в интернете без вложений",
        "Лучшие цены на таблетки",
        "Быстрый кредит за пять минут",
        "Пишите нам прямо сейчас",
        "Скидки только сегодня для всех",
        "Бесплатная доставка по всей стране",
    ]
    def reader(
        content: str, article: str, t: float, mail: Sequence[str], fastest: float
    ) -> Submission:
        """A comment with the metadata of an ordinary reader."""
        return Submission(
            content=content,
            author=f"reader{rng.randrange(400)}",
            author_email=f"reader{rng.randrange(400)}@{rng.choice(mail)}",
            user_ip=f"198.51.{rng.randrange(256)}.{rng.randrange(256)}",
            user_agent="Mozilla/5.0",
            permalink=article,
            submitted_at=t,
            seconds_to_submit=rng.uniform(fastest, 400),
            blog_lang="en",
        )

    for _ in range(n):
        t += rng.expovariate(1 / 90)
        article = f"/news/{rng.randrange(40)}"
        if rng.random() < 0.75:
            content = (
                ham_pool.pop()
                if ham_pool
                else rng.choice(ham_texts)
                + (" https://en.wikipedia.org/wiki/X" if rng.random() < 0.05 else "")
            )
            rows.append(Row(reader(content, article, t, READER_MAIL, 2.5), "ham"))
            continue
        if rng.random() < 0.1:
            # Foreign-language spam from ordinary-looking senders: only its script and its
            # words give it away.
            content = ". ".join(rng.sample(cyr, rng.randint(2, 3))) + "."
            rows.append(Row(reader(content, article, t, ("gmail.com",), 10), "spam"))
            continue
        c = rng.choice(campaigns)
        text = c["text"] if rng.random() < 0.5 else rng.choice(spam_texts)
        if rng.random() < 0.5:
            text += f" http://{c['domain']}/{rng.randrange(10**6)}"
        if rng.random() < 0.15:
            text = rng.choice(cyr) + " " + text
        if rng.random() < 0.1:
            text = f'<a href="http://{c["domain"]}/x">http://www.paypal.com</a> ' + text
        rows.append(
            Row(
                Submission(
                    content=text,
                    author=rng.choice(names)
                    if rng.random() < 0.3
                    else f"user{rng.randrange(10**5)}",
                    author_email=f"u{rng.randrange(50)}@{c['email']}",
                    user_ip=c["net"] + str(rng.randrange(256)),
                    user_agent="" if rng.random() < 0.3 else "Mozilla/5.0",
                    permalink=article,
                    submitted_at=t,
                    seconds_to_submit=rng.uniform(0.3, 4)
                    if rng.random() < 0.4
                    else rng.uniform(5, 200),
                    honeypot_value="x" if rng.random() < 0.05 else "",
                    blog_lang="en",
                ),
                "spam",
            )
        )
    return rows


# --- report -----------------------------------------------------------------------------
KEYS = ("mcc", "ham_binned_rate", "ham_held_rate", "spam_caught_rate", "checks_per_second")


def _row(name: str, m: dict[str, object] | None) -> str:
    if m is None:
        return f"  {name:<28} (not available)"
    cells = " ".join(f"{m[k]:>9}" for k in KEYS)
    return f"  {name:<28} {cells}"


def _header() -> str:
    return "  " + " " * 28 + " ".join(f"{k[:9]:>9}" for k in KEYS)


def ablation_table(
    title: str,
    streams: dict[str, list[Row]],
    names: Sequence[str],
    figures_of: Callable[[Sequence[Row], Config], dict[str, object]],
) -> dict[str, dict[str, object]]:
    """Print MCC (ham binned %) per stream with each signal group disabled in turn."""
    print(f"\n## ablation, {title}: MCC (ham binned %)")
    print(
        "  " + f"{'stream':<12}" + "".join(f"{'-' + g if g else 'all':>18}" for g in ("", *GROUPS))
    )
    table: dict[str, dict[str, object]] = {}
    for name in names:
        budget = BUDGETS.get(name, 0.01)
        cells = []
        table[name] = {}
        for group in ("", *GROUPS):
            cfg = replace(
                Config(ham_bin_budget=budget), disabled=frozenset({group}) if group else frozenset()
            )
            figures = figures_of(streams[name], cfg)
            table[name][group or "all"] = figures
            cells.append(f"{figures['mcc']:.4f} ({100 * figures['ham_binned_rate']:.2f})")
        print("  " + f"{name:<12}" + "".join(f"{c:>18}" for c in cells))
    return table


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="skip k-fold (prequential + ablation)")
    ap.add_argument("--corpora", type=Path, default=corpora.DEFAULT_ROOT)
    ap.add_argument(
        "--parts", default="kfold,prequential,ablation", help="comma-separated parts to run"
    )
    ap.add_argument("--streams", default="youtube,sms,synthetic", help="ablation streams")
    ap.add_argument("--limit", type=int, default=0, help="first N rows per corpus (smoke test)")
    ap.add_argument("--synthetic", type=int, default=3000, help="rows in the synthetic stream")
    args = ap.parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    cmd = " ".join(["PYTHONPATH=. .venv/bin/python bench/antispam_engine.py", *given])
    if not corpora.available(args.corpora):
        print(f"corpora not found at {args.corpora}; skipping benchmark")
        return 0
    print(f"# reproduce: {cmd}")
    parts = set(args.parts.split(","))
    results: dict[str, object] = {}
    streams: dict[str, list[Row]] = {}
    for name in ("youtube", "sms"):
        rows = evaluate.rows_from_dicts(corpora.load(name, args.corpora))
        if args.limit:
            rows = rows[: args.limit]
        streams[name] = rows
        config = Config(ham_bin_budget=BUDGETS[name])
        print(f"\n## {name}: {len(rows)} rows, ham binned budget {BUDGETS[name]}")
        print(_header())
        if not args.quick and "kfold" in parts:
            t0 = time.time()
            ek = evaluate.kfold(rows, config, args.folds)
            print(_row(f"engine kfold{args.folds}", ek) + f"   ({time.time() - t0:.0f} s)")
            nk = nb_kfold(rows, args.folds)
            print(_row(f"naive Bayes kfold{args.folds}", nk))
            sk = svm_kfold(rows, args.folds)
            print(_row(f"LinearSVC tfidf kfold{args.folds}", sk))
            results[f"{name}_kfold"] = {"engine": ek, "naive_bayes": nk, "linear_svc": sk}
        if "prequential" not in parts:
            continue
        ep = evaluate.prequential(rows, config)
        npq = nb_prequential(rows)
        print(_row("engine prequential", ep))
        print(_row("engine prequential after100", ep["after_100"]))  # type: ignore[arg-type]
        print(_row("naive Bayes prequential", npq))
        print(_row("naive Bayes preq after100", npq["after_100"]))  # type: ignore[arg-type]
        results[f"{name}_prequential"] = {"engine": ep, "naive_bayes": npq}

    if "ablation" not in parts:
        print("\n# JSON")
        print(json.dumps(results, sort_keys=True))
        return 0
    ham_texts = [
        r.sub.content for name in ("youtube", "sms") for r in streams[name] if r.label == "ham"
    ]
    spam_texts = [r.sub.content for r in streams["youtube"] if r.label == "spam"]
    streams["synthetic"] = synthetic_stream(ham_texts, spam_texts, args.synthetic)

    names = args.streams.split(",")

    def after_100(rows: Sequence[Row], cfg: Config) -> dict[str, object]:
        after = evaluate.prequential(rows, cfg)["after_100"]
        assert isinstance(after, dict)
        return after

    def cold_start(rows: Sequence[Row], cfg: Config) -> dict[str, object]:
        whole = evaluate.prequential(rows[:COLD_ROWS], cfg)
        return {k: v for k, v in whole.items() if k != "after_100"}

    results["ablation"] = ablation_table(
        "prequential after the first 100 labels", streams, names, after_100
    )
    # Rules that need no training earn their keep before a site has labelled much: the same
    # ablation over each stream's first COLD_ROWS comments only, learned one at a time.
    results["ablation_cold_start"] = ablation_table(
        f"the first {COLD_ROWS} comments (cold start)", streams, names, cold_start
    )
    print("\n# JSON")
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

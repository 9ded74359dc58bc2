"""``gazette antispam ...``: keys, training, rebuilds and offline evaluation of the spam filter.

    key create --site URL [--site URL ...] [--name N] [--limit N]   print a new API key
    key list                                      keys, their sites and this month's calls
    train PATH [--pool P | --key KEY] [--no-rebuild] [--own]
                                                  seed from a CSV: text,label[,author,email,
                                                  url,ip,created]; --own: this site's decisions
    rebuild [--pool P] [--online] [--window N]    retrain from every stored decision
    mark-own [--pool P]                           the corpus rows were this site's decisions
    snapshot [--pool P]                           write a snapshot of the current state
    prune                                         forget recent activity past its window
    retention [--days N]                          labelled examples older than N days
                                                  (GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS) keep
                                                  a network and a hashed e-mail, not the raw
    status                                        pools, examples, snapshots
    eval ARGS                                     evaluate the engine offline: CSV or --corpus
                                                  youtube|sms, --protocol prequential|kfold
                                                  --folds 10 (eval -h for the rest)
    corpus youtube|sms --out PATH                 convert a shared corpus to CSV

The shared corpora are read in place from --root, else GAZETTE_CORPORA, else
../shared/corpora beside the project.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gazette.antispam import conf, keys, selectors, state
from gazette.antispam.activity import DatabaseHistory
from gazette.antispam.engine import GROUPS, Config, corpora, evaluate
from gazette.antispam.models import (
    KEY_RE,
    ApiKey,
    EnginePool,
    EngineSnapshot,
    LabelledExample,
    Source,
)
from gazette.antispam.retention import retention_apply


def corpora_root() -> Path:
    """Where the shared corpora are: ``GAZETTE_CORPORA``, else ../shared/corpora beside the
    project (``corpora.DEFAULT_ROOT``)."""
    configured = os.environ.get("GAZETTE_CORPORA")
    return Path(configured) if configured else corpora.DEFAULT_ROOT


def eval_main(argv: Sequence[str]) -> int:
    """``gazette antispam eval``: one JSON line of figures (see ``engine.evaluate``)."""
    ap = argparse.ArgumentParser(prog="gazette antispam eval",
                                 description="Evaluate the antispam engine on labelled data.")
    ap.add_argument("data", nargs="?", type=Path, help="CSV with header text,label,...")
    ap.add_argument("--corpus", choices=corpora.NAMES, help="read a shared corpus in place")
    ap.add_argument("--root", type=Path, default=None,
                    help="folder of the shared corpora (default: GAZETTE_CORPORA, else "
                    "../shared/corpora beside the project)")
    ap.add_argument("--protocol", choices=("prequential", "kfold"), default="prequential")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=0.01, help="ham binned budget")
    ap.add_argument("--disable", default="", help=f"comma-separated groups of {GROUPS}")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N rows")
    ap.add_argument("--window", type=int, default=0,
                    help="kfold: train the weights on the newest N training rows (0: all)")
    ap.add_argument(
        "--fit-solver",
        choices=("sgd", "svm"),
        default=None,
        help="batch training of k-fold (default: the engine's Config default)",
    )
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an engine setting (Config field), e.g. char_model_weight=0; repeatable")
    args = ap.parse_args(argv)
    try:
        overrides = evaluate.config_overrides(args.set)
    except ValueError as error:
        ap.error(str(error))
    if args.corpus:
        root = args.root or corpora_root()
        if not corpora.available(root):
            ap.error(f"no shared corpora in {root} (--root or GAZETTE_CORPORA)")
        rows = evaluate.rows_from_dicts(corpora.load(args.corpus, root))
    elif args.data:
        rows = evaluate.read_csv(args.data)
    else:
        ap.error("give a CSV path or --corpus")
    if args.limit:
        rows = rows[: args.limit]
    # Config reads a group's earlier name as its current one.
    config = Config(ham_bin_budget=args.budget,
                    disabled=frozenset(g.strip() for g in args.disable.split(",") if g.strip()))
    unknown = config.disabled - set(GROUPS)
    if unknown:
        ap.error(f"unknown signal groups: {sorted(unknown)}")
    if args.fit_solver:
        config = replace(config, fit_solver=args.fit_solver)
    config = replace(config, **overrides)
    if args.protocol == "prequential":
        result = evaluate.prequential(rows, config)
    else:
        result = evaluate.kfold(rows, config, args.folds, args.seed, window=args.window or None)
    result["budget"] = args.budget
    result["disabled"] = sorted(config.disabled)
    result["fit_solver"] = config.fit_solver
    if overrides:
        result["settings"] = overrides
    print(json.dumps(result, sort_keys=False))
    return 0


def _inside_repo(path: Path) -> bool:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / ".git").exists():
            return parent in path.resolve().parents
    return False


def corpus_main(argv: Sequence[str]) -> int:
    """``gazette antispam corpus``: a shared corpus as a text,label CSV, outside the repo."""
    ap = argparse.ArgumentParser(prog="gazette antispam corpus",
                                 description="Convert a shared corpus to text,label CSV.")
    ap.add_argument("corpus", choices=corpora.NAMES)
    ap.add_argument("--out", required=True, type=Path, help="output CSV, outside the repo")
    ap.add_argument("--root", type=Path, default=None,
                    help="folder of the shared corpora (default: GAZETTE_CORPORA, else "
                    "../shared/corpora beside the project)")
    args = ap.parse_args(argv)
    if _inside_repo(args.out):
        ap.error("refusing to write corpus data inside the repository")
    root = args.root or corpora_root()
    if not corpora.available(root):
        ap.error(f"no shared corpora in {root} (--root or GAZETTE_CORPORA)")
    rows = corpora.load(args.corpus, root)
    corpora.write_csv(rows, args.out)
    spam = sum(1 for r in rows if r["label"] == "spam")
    print(f"wrote {len(rows)} rows ({spam} spam) to {args.out}")
    return 0


# Sub-commands that parse their own arguments (argparse's, untouched by Django's parser).
PASS_THROUGH: dict[str, Callable[[Sequence[str]], int]] = {
    "eval": eval_main, "corpus": corpus_main,
}


class Command(BaseCommand):
    help = __doc__

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [prog, "antispam", SUB, ...]: hand eval/corpus their arguments untouched,
        # options included, rather than through Django's parser.
        if len(argv) > 2 and argv[2] in PASS_THROUGH:
            code = PASS_THROUGH[argv[2]](argv[3:])
            sys.stdout.flush()
            if code:
                sys.exit(code)
            return
        super().run_from_argv(argv)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        key = sub.add_parser("key", help="manage API keys")
        key_sub = key.add_subparsers(dest="key_action", required=True)
        create = key_sub.add_parser("create", help="create a key and print it")
        create.add_argument("--site", action="append", default=[], metavar="URL",
                            help="a site the key may serve (repeat for more; none: any site)")
        create.add_argument("--name", default="")
        create.add_argument("--limit", type=int, default=None, help="monthly checks reported")
        key_sub.add_parser("list", help="list keys")

        train = sub.add_parser("train", help="seed the filter from a labelled CSV")
        train.add_argument("path", type=Path)
        target = train.add_mutually_exclusive_group()
        target.add_argument("--pool", default=None)
        target.add_argument("--key", default=None, help="train the pool of this API key")
        train.add_argument("--no-rebuild", action="store_true",
                           help="only store the examples; processes learn them online")
        train.add_argument("--own", action="store_true",
                           help="the rows are this site's own earlier moderation decisions "
                           "(e.g. exported from WordPress): they also set the thresholds; "
                           "without it they only train, and nothing is binned on weak "
                           "evidence until this site's moderators have judged enough ham")

        rebuild = sub.add_parser("rebuild", help="retrain from every stored decision")
        rebuild.add_argument("--pool", default=None, help="one pool (default: every pool)")
        rebuild.add_argument("--online", action="store_true",
                             help="replay examples one by one instead of batch training")
        rebuild.add_argument("--window", type=int, default=None, metavar="N",
                             help="train the weights on N decisions, the newest of the "
                             "site's own first, and count the rest (default: "
                             "GAZETTE_ANTISPAM_REBUILD_WINDOW; 0: all; raised to ten over "
                             "the ham budget)")

        mark = sub.add_parser("mark-own", help="say that a pool's corpus rows were this "
                              "site's own decisions (stored by train before --own existed), "
                              "so they set the thresholds too; then rebuild")
        mark.add_argument("--pool", default=None, help="one pool (default: every pool)")

        snapshot = sub.add_parser("snapshot", help="write a snapshot now")
        snapshot.add_argument("--pool", default=None)

        sub.add_parser("prune", help="forget recent activity older than its window")
        retention = sub.add_parser("retention", help="replace the raw e-mail and IP address "
                                   "of old labelled examples with what the filter needs")
        retention.add_argument("--days", type=int, default=None, metavar="N",
                               help="older than N days (default: "
                               "GAZETTE_ANTISPAM_PERSONAL_DATA_DAYS)")
        sub.add_parser("status", help="pools, examples and snapshots")

        for name, tool in PASS_THROUGH.items():
            passing = sub.add_parser(name, help=(tool.__doc__ or "").split(":", 1)[-1].strip(),
                                     add_help=False)
            passing.add_argument("args", nargs=argparse.REMAINDER)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in PASS_THROUGH:
            code = PASS_THROUGH[action](options["args"])
            if code:
                raise CommandError(f"{action} failed ({code})")
            return
        getattr(self, "handle_" + action.replace("-", "_"))(**options)

    # --- keys ------------------------------------------------------------------------------
    def handle_key(self, *, key_action: str, **options: Any) -> None:
        if key_action == "create":
            api_key = keys.key_create(
                sites=options["site"], name=options["name"], monthly_limit=options["limit"]
            )
            self.stdout.write(api_key.key)
            return
        for api_key in ApiKey.objects.prefetch_related("sites"):
            sites = ", ".join(
                s.host + (" (revoked)" if s.is_revoked else "") for s in api_key.sites.all()
            ) or "any site"
            state_word = "active" if api_key.is_active else "inactive"
            calls = selectors.month_usage(api_key)
            self.stdout.write(
                f"{api_key.key}  {state_word:8}  {calls:>7} calls this month  {sites}"
                + (f"  {api_key.name}" if api_key.name else "")
            )

    # --- training ----------------------------------------------------------------------------
    def _pool(self, pool: str | None, key: str | None = None) -> str:
        if key:
            if not KEY_RE.match(key):
                raise CommandError("API keys are 12 lowercase hexadecimal characters")
            api_key = ApiKey.objects.filter(key=key).first()
            if api_key is None:
                raise CommandError(f"no API key {key}")
            return conf.pool_for_key(api_key.pk)
        return pool or conf.default_pool()

    def handle_train(self, *, path: Path, pool: str | None, key: str | None,
                     no_rebuild: bool, own: bool, **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            rows = evaluate.read_csv(path)
        except (UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        if not rows:
            raise CommandError(f"{path}: no rows labelled spam or ham (header text,label,...)")
        pool = self._pool(pool, key)
        max_content = int(conf.get("GAZETTE_ANTISPAM_MAX_CONTENT"))
        with state.engine_for(pool, sync=False) as engine:
            stats = state.stats_for_corpus(engine, [(r.sub, r.label) for r in rows])
        examples = []
        for row, row_stats in zip(rows, stats, strict=True):
            fields = LabelledExample.fields_from(row.sub, max_content)
            examples.append(LabelledExample(
                pool=pool, label=row.label, source=Source.IMPORTED if own else Source.CORPUS,
                stats=row_stats.to_dict(),
                **fields,
            ))
        with transaction.atomic():
            pool_row = state.lock_pool(pool)
            LabelledExample.objects.bulk_create(examples, batch_size=500)
            pool_row.latest_example_id = (
                LabelledExample.objects.filter(pool=pool).order_by("-id")
                .values_list("id", flat=True).first()
            )
            pool_row.save(update_fields=["latest_example_id", "updated"])
        spam = sum(1 for r in rows if r.label == "spam")
        self.stdout.write(f"stored {len(rows)} examples ({spam} spam) in pool {pool}"
                          + ("" if own else " as a corpus labelled elsewhere"))
        if not no_rebuild:
            self._rebuild(pool, batch=True)

    def _rebuild(self, pool: str, *, batch: bool, window: int | None = None) -> None:
        if window is not None and window < 0:
            raise CommandError("--window must be 0 (all decisions) or more")
        snapshot = state.rebuild(pool, batch=batch, window=window)
        self.stdout.write(
            f"rebuilt {pool}: generation {snapshot.generation}, "
            f"{snapshot.examples_seen} examples, snapshot {len(snapshot.blob)} bytes"
        )

    def handle_rebuild(self, *, pool: str | None, online: bool, window: int | None,
                       **options: Any) -> None:
        pools = [pool] if pool else state.pools()
        if not pools:
            self.stdout.write("nothing to rebuild: no labelled examples yet")
        for name in pools:
            self._rebuild(name, batch=not online, window=window)

    def handle_mark_own(self, *, pool: str | None, **options: Any) -> None:
        for name in [pool] if pool else state.pools():
            marked = LabelledExample.objects.filter(pool=name, source=Source.CORPUS).update(
                source=Source.IMPORTED)
            self.stdout.write(f"{name}: {marked} corpus examples marked as this site's own")
            if marked:
                self._rebuild(name, batch=True)

    def handle_snapshot(self, *, pool: str | None, **options: Any) -> None:
        snapshot = state.snapshot_now(pool or conf.default_pool())
        self.stdout.write(f"snapshot {snapshot.pk} of {snapshot.pool} at example "
                          f"{snapshot.last_example_id}")

    def handle_prune(self, **options: Any) -> None:
        deleted = DatabaseHistory(conf.default_pool()).prune()
        self.stdout.write(f"forgot {deleted} recent submissions")

    def handle_retention(self, *, days: int | None, **options: Any) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        result = retention_apply(days=days)
        if not result.examples and not options.get("verbosity", 1):
            return  # the scheduler's hourly run logs only what it did
        self.stdout.write(f"personal data removed from {result.examples} labelled examples"
                          + (f" in {', '.join(result.pools)}" if result.pools else ""))

    def handle_status(self, **options: Any) -> None:
        for name in state.pools():
            row = EnginePool.objects.filter(name=name).first()
            count = LabelledExample.objects.filter(pool=name).count()
            snapshot = (EngineSnapshot.objects.filter(pool=name)
                        .order_by("-generation", "-last_example_id").first())
            self.stdout.write(
                f"{name}: {count} examples, generation {row.generation if row else 0}, "
                + (f"snapshot at example {snapshot.last_example_id}" if snapshot else "no snapshot")
            )

"""Command-line set-up of `borrowed-time sweep` and `borrowed-time analyze`."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from experiments.design import count_points
from experiments.discovery import DEFAULT_MIN_DENSITY
from experiments.executors import DEFAULT_WORKER_TIMEOUT_S
from experiments.figures import DEFAULT_DPI
from experiments.spec import LoadedSpec, SpecError, load_spec
from experiments.sweep import (
    DEFAULT_MAX_RUNS,
    Plan,
    SweepAborted,
    count_policies,
    count_runs,
    plan_sweep,
    run_sweep,
    runs_breaking_rules,
)


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (got {text!r})")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number above 0 (got {text!r})") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0 (got {text!r})")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `sweep` and `analyze` subcommands."""
    sweep = commands.add_parser("sweep", help="run a batch experiment from a spec file (Parquet results, manifest)")
    sweep.add_argument("spec", type=Path, help="experiment spec (TOML), e.g. experiments/specs/fee-dose-response.toml")
    sweep.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"worker processes on this machine (default: all cores, {os.cpu_count()})",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask distributed cluster at this scheduler address (e.g. tcp://host:8786)",
    )
    sweep.add_argument("--out", type=Path, default=None, help="output folder (default: results/sweeps/<spec name>)")
    sweep.add_argument("--resume", action="store_true", help="continue a killed sweep in --out, skipping finished runs")
    sweep.add_argument(
        "--extend",
        action="store_true",
        help="grow the sweep in --out with this spec (more replications, points appended to the design, more "
        "policies); finished runs are kept and none is made twice",
    )
    sweep.add_argument(
        "--allow-code-change",
        action="store_true",
        help="with --resume: carry on even though the model code changed since the last session (recorded in the "
        "manifest); also accept Dask workers whose code differs from this machine's",
    )
    sweep.add_argument("--dry-run", action="store_true", help="validate, print the number of runs and a time estimate")
    sweep.add_argument(
        "--max-runs",
        type=positive_int,
        default=DEFAULT_MAX_RUNS,
        help=f"refuse a spec that plans more runs than this (default: {DEFAULT_MAX_RUNS:,})",
    )
    sweep.add_argument(
        "--worker-timeout",
        type=positive_float,
        default=DEFAULT_WORKER_TIMEOUT_S,
        metavar="SECONDS",
        help="with --scheduler: how long to wait for a first worker, and how long a cluster may have none before "
        f"the sweep stops (default: {DEFAULT_WORKER_TIMEOUT_S:g})",
    )
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(handler=command_sweep)

    analyze = commands.add_parser("analyze", help="summary tables, sensitivity indices and plots of a finished sweep")
    analyze.add_argument("sweep", type=Path, help="a sweep's output folder")
    analyze.add_argument(
        "--out", type=Path, default=None, help="folder for the tables and plots (default: <sweep folder>/analysis)"
    )
    analyze.add_argument(
        "--format",
        default="png",
        metavar="FORMATS",
        help="figure formats, comma-separated: svg, pdf, png (default: png); each file is stamped with the spec "
        "hash and commit",
    )
    analyze.add_argument("--dpi", type=positive_int, default=DEFAULT_DPI, help=f"resolution (default: {DEFAULT_DPI})")
    analyze.add_argument(
        "--discover",
        metavar="OUTCOME",
        default=None,
        help="scenario discovery: PRIM and CART boxes over the sweep's inputs for the runs where OUTCOME meets "
        "--threshold (needs the [ema] extra)",
    )
    analyze.add_argument(
        "--threshold",
        default=None,
        metavar="CONDITION",
        help="with --discover: which runs are of interest, e.g. '>500' or '<=0.05' (model units; default: the "
        "spec's goal for OUTCOME missed, else its top 10%%)",
    )
    analyze.add_argument(
        "--min-density",
        type=unit_share,
        default=DEFAULT_MIN_DENSITY,
        metavar="SHARE",
        help=f"with --discover: the PRIM box is the one of highest coverage with at least this density "
        f"(default: {DEFAULT_MIN_DENSITY:g})",
    )
    analyze.add_argument(
        "--feature-scores",
        action="store_true",
        help="extra-trees feature scores of every final outcome over the sweep's inputs (needs the [ema] extra; "
        "--discover includes them)",
    )
    analyze.set_defaults(handler=command_analyze)


def command_sweep(args: argparse.Namespace) -> int:
    """Validate the spec; dry-run or run the sweep and print where the results are."""
    loaded = load_spec(args.spec)
    if args.workers is not None and args.scheduler:
        raise SpecError("give --workers or --scheduler, not both")
    if args.resume and args.extend:
        raise SpecError("give --resume or --extend, not both (--extend also carries on an unfinished sweep)")
    workers = args.workers or os.cpu_count() or 1
    if args.dry_run:
        print_run_count(loaded)  # at once, before the design is drawn
    plan = plan_sweep(loaded, args.max_runs)  # refused above --max-runs before the design is drawn
    warn_rule_breaking_runs(plan)
    if args.dry_run:
        print_time_estimate(plan, None if args.scheduler else workers, args)
        return 0
    out = args.out or Path("results") / "sweeps" / loaded.spec.name
    try:
        outcome = run_sweep(
            plan,
            out,
            workers=None if args.scheduler else workers,
            scheduler=args.scheduler,
            resume=args.resume,
            extend=args.extend,
            progress=not args.no_progress,
            allow_code_change=args.allow_code_change,
            worker_timeout_s=args.worker_timeout,
        )
    except SweepAborted as exc:
        print(f"borrowed-time: sweep aborted: {exc}", file=sys.stderr)
        return 1
    print(
        f"Sweep '{loaded.spec.name}': {len(outcome.runs)} of {outcome.runs_planned} runs finished "
        f"({outcome.runs_done_before} before this session, {outcome.runs_done_now} now), {outcome.failures} failed"
    )
    print(
        f"Wrote runs.parquet, series.parquet, design.parquet and manifest.json to {out}/; "
        f"next: borrowed-time analyze {out}"
    )
    return 0


def print_run_count(loaded: LoadedSpec) -> None:
    """Say how many runs the spec plans, worked out from the spec alone."""
    spec = loaded.spec
    print(
        f"Spec '{spec.name}' is valid: {count_points(spec):,} points ({spec.design.kind}) x "
        f"{spec.replications} replications x {count_policies(spec)} policies = {count_runs(spec):,} runs "
        f"of {spec.years:g} years",
        flush=True,
    )


def warn_rule_breaking_runs(plan: Plan) -> None:
    """Warn (one line) when some runs combine values that break a rule between parameters."""
    broken = runs_breaking_rules(plan)
    if broken:
        print(
            f"borrowed-time: warning: {len(broken)} of {len(plan.tasks)} runs combine values that break a rule "
            f"between parameters and will be recorded as failed (run {broken[0][0].run_id}: {broken[0][1]})",
            file=sys.stderr,
        )


def print_time_estimate(plan: Plan, workers: int | None, args: argparse.Namespace) -> None:
    """Time a pilot of the spec's own runs in the pool the sweep would use, and print the sweep's estimated time."""
    from experiments.estimate import estimate_sweep

    estimate = estimate_sweep(plan, workers or 1, args.scheduler, args.worker_timeout, args.allow_code_change)
    where = f"on the cluster's {estimate.slots} worker threads" if args.scheduler else f"on {estimate.slots} workers"
    before, after = estimate.load_average
    print(
        f"Estimated time: {_duration(estimate.total_s)} {where} at this machine's current load (load average "
        f"{before:.1f} before the pilot, {after:.1f} after, on {estimate.cores} cores)"
    )
    share = (
        "" if math.isnan(estimate.core_share) else f"; each worker got {estimate.core_share:.0%} of a core in the pilot"
    )
    print(
        f"  CPU time of the runs: {_duration(estimate.cpu_s)} in all, {estimate.cpu_s / estimate.runs:.2f} s a run "
        f"(it moves far less with the load than wall time{share})"
    )
    print(
        f"  pilot: {estimate.pilot_runs} of the planned runs; first round on fresh workers "
        f"{estimate.first_round_s:.1f} s, then {estimate.run_s:.2f} s per run with every worker busy; "
        f"pool start {estimate.startup_s:.1f} s"
    )


def command_analyze(args: argparse.Namespace) -> int:
    """Write summary tables, sensitivity indices, robustness and figures (and, if asked, scenario discovery)."""
    from experiments.analysis import Sweep, check_analysis_folder, write_analysis
    from experiments.figures import Output, Stamp, parse_formats

    formats = parse_formats(args.format)
    folder = args.out or args.sweep / "analysis"
    if args.threshold is not None and not args.discover:
        raise SpecError("--threshold goes with --discover OUTCOME")
    if args.discover or args.feature_scores:
        from experiments import discovery

        discovery.require_ema()  # before anything is read or written
    check_analysis_folder(folder)  # before reading: a refused folder costs nothing
    sweep = Sweep(args.sweep)
    output = Output(formats, args.dpi, Stamp.from_manifest(sweep.manifest))
    discover = (
        discovery.Question.parse(sweep, args.discover, args.threshold, args.min_density) if args.discover else None
    )
    written = write_analysis(sweep, folder, output)
    if args.discover or args.feature_scores:
        written += discovery.write_discovery(sweep, folder, output, discover)
    print(f"{len(sweep.runs)} runs ({int((sweep.runs['status'] == 'failed').sum())} failed) analysed")
    for path in written:
        print(f"wrote {path}")
    if discover is not None:
        print(discovery.summary_line(folder, discover))
    return 0


def unit_share(text: str) -> float:
    """An argparse type: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1] (got {text!r})") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share in (0, 1] (got {text!r})")
    return value


def _duration(seconds: float) -> str:
    """A duration in s, min or h."""
    if seconds < 120:
        return f"about {seconds:.0f} s"
    if seconds < 7200:
        return f"about {seconds / 60:.0f} min ({seconds:.0f} s)"
    return f"about {seconds / 3600:.1f} h"

"""Command-line set-up of `borrowed-time sweep` and `borrowed-time analyze`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from experiments.spec import SpecError


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1 (got {text!r})")
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
    sweep.add_argument("--dry-run", action="store_true", help="validate, print the number of runs and a time estimate")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")

    analyze = commands.add_parser("analyze", help="summary tables, sensitivity indices and plots of a finished sweep")
    analyze.add_argument("out", type=Path, help="a sweep's output folder")


def command_sweep(args: argparse.Namespace) -> int:
    """Validate the spec; dry-run or run the sweep and print where the results are."""
    from experiments.spec import load_spec
    from experiments.sweep import SweepAborted, estimate_seconds_per_run, plan_sweep, run_sweep, runs_breaking_rules

    loaded = load_spec(args.spec)
    if args.workers is not None and args.scheduler:
        raise SpecError("give --workers or --scheduler, not both")
    workers = args.workers or os.cpu_count() or 1
    plan = plan_sweep(loaded)
    broken = runs_breaking_rules(plan)
    if broken:
        print(
            f"borrowed-time: warning: {len(broken)} of {len(plan.tasks)} runs combine values that break a rule "
            f"between parameters and will be recorded as failed (run {broken[0][0].run_id}: {broken[0][1]})",
            file=sys.stderr,
        )
    if args.dry_run:
        per_run, pilot_years = estimate_seconds_per_run(loaded)
        total = per_run * len(plan.tasks)
        spec = loaded.spec
        print(
            f"Spec '{spec.name}' is valid: {len(plan.design.points)} points ({spec.design.kind}) x "
            f"{spec.replications} replications x {len(spec.policy_names)} policies = {len(plan.tasks)} runs "
            f"of {spec.years:g} years"
        )
        where = f"on {workers} workers" if not args.scheduler else "on one worker (divide by the cluster's workers)"
        print(
            f"Estimated time: {per_run:.2f} s per run (from a {pilot_years:g}-year pilot run), "
            f"{_duration(total / (1 if args.scheduler else workers))} {where}"
        )
        return 0
    out = args.out or Path("results") / "sweeps" / loaded.spec.name
    try:
        outcome = run_sweep(
            plan,
            out,
            workers=None if args.scheduler else workers,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=not args.no_progress,
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


def command_analyze(args: argparse.Namespace) -> int:
    """Write summary tables, sensitivity indices and PNG plots for a sweep folder."""
    from experiments.analysis import Sweep, write_analysis

    sweep = Sweep(args.out)
    written = write_analysis(sweep)
    print(f"{len(sweep.runs)} runs ({int((sweep.runs['status'] == 'failed').sum())} failed) analysed")
    for path in written:
        print(f"wrote {path}")
    return 0


def _duration(seconds: float) -> str:
    """A duration in s, min or h."""
    if seconds < 120:
        return f"about {seconds:.0f} s"
    if seconds < 7200:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"

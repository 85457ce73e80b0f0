"""Benchmark (not a test): sweep throughput with 1 and 2 worker processes, and parallel efficiency.

Runs a status-quo sweep at default size (10 years, default developers and corporations) through
the real runner (`experiments.sweep.run_sweep`: process pool, Parquet parts, manifest) with 1 and
with 2 workers, and reports runs per minute (wall clock, pool start-up included) and the parallel
efficiency `rate(2) / (2 * rate(1))`. With `--repeats` above 1 it reports medians.

    python benchmarks/sweep_speed.py                 # 200 runs, 1 repeat
    python benchmarks/sweep_speed.py --runs 60 --repeats 3 --write results/sweep-speed.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from experiments.spec import parse_spec
from experiments.sweep import plan_sweep, run_sweep


def status_quo_spec(runs: int, years: float) -> dict:
    """A spec of `runs` replications of the status quo at default size."""
    return {
        "name": "status-quo-speed",
        "scenario": "status-quo",
        "years": years,
        "replications": runs,
        "seed": 1,
        "outcomes": {
            "final": ["total_cash_usd", "insolvencies", "removal_median_hours_pooled.mean"],
            "yearly": ["total_cash_usd"],
        },
    }


def one_sweep(runs: int, years: float, workers: int) -> tuple[float, float]:
    """Wall-clock seconds of one sweep, and the mean seconds a run took inside its worker."""
    plan = plan_sweep(parse_spec(status_quo_spec(runs, years), "benchmark"))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = run_sweep(plan, Path(folder) / "out", workers=workers, progress=False)
        wall = time.perf_counter() - started
    assert len(outcome.runs) == runs and outcome.failures == 0
    return wall, float(outcome.runs["duration_s"].mean())


def main() -> None:
    """Measure, print a Markdown section, and optionally append it to a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per sweep (default 200)")
    parser.add_argument("--years", type=float, default=10, help="years per run (default 10)")
    parser.add_argument("--repeats", type=int, default=1, help="sweeps per worker count; medians reported")
    parser.add_argument("--write", type=Path, default=None, help="append the Markdown section to this file")
    args = parser.parse_args()

    load_before = os.getloadavg()
    results = {}
    for workers in (1, 2):
        walls, per_run = [], []
        for _ in range(args.repeats):
            wall, mean_run = one_sweep(args.runs, args.years, workers)
            walls.append(wall)
            per_run.append(mean_run)
            print(
                f"{workers} worker(s): {args.runs} runs in {wall:.1f} s ({60 * args.runs / wall:.1f} runs/min; "
                f"a run took {mean_run:.2f} s in its worker)",
                flush=True,
            )
        results[workers] = (statistics.median(walls), statistics.median(per_run))
    load_after = os.getloadavg()
    rate = {w: 60 * args.runs / wall for w, (wall, _) in results.items()}
    efficiency = rate[2] / (2 * rate[1])
    section = "\n".join(
        [
            "## Sweep throughput (`benchmarks/sweep_speed.py`)",
            "",
            f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores: a status-quo sweep of "
            f"{args.runs} runs of {args.years:g} years at default size through the real runner (process pool, Parquet "
            f"parts, manifest); wall clock including pool start-up; median of {args.repeats} sweep(s) per worker count.",
            "",
            "| workers | wall clock (s) | runs per minute | mean run in its worker (s) |",
            "|---|---|---|---|",
            *[f"| {w} | {results[w][0]:.1f} | {rate[w]:.1f} | {results[w][1]:.2f} |" for w in (1, 2)],
            "",
            f"Parallel efficiency on 2 workers: **{efficiency:.2f}** (rate with 2 / (2 x rate with 1); target 0.85).",
            f"Load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; "
            f"after: {', '.join(f'{v:.2f}' for v in load_after)}.",
            "",
        ]
    )
    print()
    print(section)
    if args.write:
        previous = args.write.read_text() if args.write.is_file() else "# Benchmarks: sweeps\n"
        args.write.write_text(f"{previous.rstrip()}\n\n{section}")


if __name__ == "__main__":
    main()

"""Old path against new: malware booked package by package against per delay bin, over many seeds.

`python benchmarks/equivalence.py` runs the status quo (default size, 10 years) for 200 seeds with
every registry-week's malware drawn package by package (`MalwareLedger.per_package_below` set
past any week's arrivals: the model as it was before the per-bin booking) and for 200 other seeds
booked as the model now does, and compares the two samples of each main output with a two-sample
Kolmogorov-Smirnov test. The seeds differ between the paths so that the samples are independent.
Options: `--seeds N`, `--years Y`, `--developers N`, `--workers N` (at most 2 on a shared
machine), `--json PATH`. It prints one line per output: both means, the KS statistic and p-value.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The compared outputs (names as in experiments/metrics.py), plus the week of the first insolvency.
OUTPUTS = (
    "insolvencies",
    "first_insolvency_week",
    "incumbents_runway_falling",
    "npm.runway_months",
    "pypi.runway_months",
    "incumbents.runway_months.min",
    "total_cash_usd",
    "removal_median_hours_pooled.mean",
    "npm.removal_median_hours.mean",
    "npm.removal_hours_observed_median.mean",
    "cumulative_malicious_identified",
    "npm.malware_identified.sum",
    "npm.malware_removed.sum",
    "incumbents.malware_live",
    "incumbents.malware_live.max",
    "malware_downloads.sum",
    "harmful_downloads.sum",
    "corporate_harm_usd.sum",
    "incumbents.revenue_donation_usd.sum",
    "incumbents.revenue_opex_usd.sum",
    "incumbents.revenue_grant_usd.sum",
    "incumbents.revenue_steward_usd.sum",
    "incumbents.security_fte",
    "support_share_donation",
    "share_developers_on_alternatives",
    "alternatives_open",
    "worm_packages_compromised",
)


def outputs(job: tuple[int, bool, float, int]) -> dict[str, float]:
    """Run one seed by one path and return its outputs."""
    seed, per_package, years, developers = job
    sys.path.insert(0, str(ROOT))
    from experiments.metrics import final_value
    from model.model import RegistryModel
    from model.runner import RunResult, events_frame, model_frame, registry_frame, worms_frame
    from model.scenarios import load_scenario

    params = load_scenario("status-quo").parameters(n_developers=developers)
    model = RegistryModel(params, rng=seed)
    if per_package:
        model.malware_ledger.per_package_below = 10**15
    weeks = round(years * 52)
    model.run_for(weeks)
    frames = (model_frame(model), registry_frame(model), events_frame(model), worms_frame(model))
    result = RunResult("status-quo", seed, years, params, *frames)
    values = {}
    for name in OUTPUTS:
        if name == "first_insolvency_week":
            times = result.events.loc[result.events["kind"] == "insolvency", "time"]
            values[name] = float(times.min()) if len(times) else float(weeks + 1)
        else:
            values[name] = final_value(name, result)
    return values


def compare(seeds: int, years: float, developers: int, workers: int) -> dict:
    """Run both paths and compare every output; return the table."""
    from scipy.stats import ks_2samp

    jobs = [(seed, True, years, developers) for seed in range(seeds)]
    jobs += [(100_000 + seed, False, years, developers) for seed in range(seeds)]
    start = time.perf_counter()
    with Pool(workers) as pool:
        results = pool.map(outputs, jobs, chunksize=4)
    elapsed = time.perf_counter() - start
    old, new = results[:seeds], results[seeds:]
    table = {}
    for name in OUTPUTS:
        a = [r[name] for r in old if r[name] == r[name]]
        b = [r[name] for r in new if r[name] == r[name]]
        test = ks_2samp(a, b)
        table[name] = {
            "mean_per_package": sum(a) / len(a),
            "mean_per_bin": sum(b) / len(b),
            "ks_statistic": float(test.statistic),
            "p_value": float(test.pvalue),
        }
    return {"seeds": seeds, "years": years, "developers": developers, "seconds": elapsed, "outputs": table}


def main(argv: list[str] | None = None) -> None:
    """Parse options, compare, print."""
    parser = argparse.ArgumentParser(description="Per-package against per-bin malware booking over many seeds.")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--developers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = compare(args.seeds, args.years, args.developers, args.workers)
    print(f"status quo, {args.developers:,} developers, {args.years:g} years, {args.seeds} seeds per path")
    print(f"{'output':<44} {'per package':>14} {'per bin':>14} {'KS D':>6} {'p':>6}")
    for name, row in report["outputs"].items():
        print(
            f"{name:<44} {row['mean_per_package']:14.4g} {row['mean_per_bin']:14.4g}"
            f" {row['ks_statistic']:6.3f} {row['p_value']:6.3f}"
        )
    smallest = min(row["p_value"] for row in report["outputs"].values())
    print(f"smallest p-value {smallest:.3f} over {len(OUTPUTS)} outputs; {report['seconds']:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

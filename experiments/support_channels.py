"""Opex against donations, taken apart at matched money: `python -m experiments.support_channels [SPEC] [--out DIR]`.

Reads a spec like `experiments/specs/support-channels.toml` (its base scenario, fixed parameters,
policies, years, replications and seed). For each policy it runs the ensemble once at the
scenario's pledge, rescales the pledge by the ratio of the baseline's decade money offered to the
policy's (money offered is nearly proportional to the pledge when `cost_weight` = 0), and runs it
again, up to four times, until the money is within 5%: so every policy offers the baseline's money
over the decade, on the same seeds, with the same firms paying in the same budget weeks. It prints, and writes as `support_channels.csv`, per policy
the median and 10-90% range over seeds of each outcome, and each outcome's mean difference from
the baseline; the line `sum of parts` adds the single-part differences, and `interaction` is
`all-four` minus that sum.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.metrics import final_value
from experiments.spec import BASELINE, load_spec
from model import run_ensemble

OUTCOMES = ("insolvencies", "revenue_volatility", "corporate_support_offered_usd.sum", "total_cash_usd")
MATCH_TOLERANCE = 0.05  # money offered within 5% of the baseline's counts as matched
MATCH_ROUNDS = 4
DEFAULT_SPEC = Path(__file__).parent / "specs" / "support-channels.toml"


def outcomes_by_seed(loaded, overrides: dict) -> pd.DataFrame:
    """One row per seed: the outcomes of one policy's ensemble."""
    spec = loaded.spec
    ensemble = run_ensemble(
        loaded.scenario, years=spec.years, seeds=spec.replications, root_seed=spec.seed, **spec.fixed, **overrides
    )
    rows = []
    for seed in ensemble.seeds:
        member = ensemble.member(seed)
        rows.append({"seed": seed, **{name: final_value(name, member) for name in OUTCOMES}})
    return pd.DataFrame(rows).set_index("seed")


def matched(loaded, overrides: dict, target_money: float, pledge: float | None = None) -> tuple[pd.DataFrame, float]:
    """A policy's outcomes with its pledge rescaled (from `pledge`, default the spec's) until its mean decade money offered is `target_money`."""
    pledge = pledge or loaded.scenario.parameters(**loaded.spec.fixed, **overrides).pledge_usd_per_developer
    for _ in range(MATCH_ROUNDS):
        frame = outcomes_by_seed(loaded, {**overrides, "pledge_usd_per_developer": pledge})
        ratio = target_money / frame["corporate_support_offered_usd.sum"].mean()
        if abs(ratio - 1) < MATCH_TOLERANCE:
            break
        pledge *= ratio
    return frame, pledge


def summary(frames: dict[str, pd.DataFrame], pledges: dict[str, float]) -> pd.DataFrame:
    """Medians, 10-90% ranges and mean differences from the baseline (paired by seed), with the sum of parts."""
    base = frames[BASELINE]
    rows = []
    for name, frame in frames.items():
        row = {"policy": name, "pledge_usd_per_developer": pledges[name]}
        for outcome in OUTCOMES:
            values = frame[outcome].to_numpy(dtype=float)
            row[f"{outcome} median"] = np.nanmedian(values)
            row[f"{outcome} p10"] = np.nanquantile(values, 0.1)
            row[f"{outcome} p90"] = np.nanquantile(values, 0.9)
            row[f"{outcome} diff"] = float(np.nanmean(values - base[outcome].to_numpy(dtype=float)))
        rows.append(row)
    table = pd.DataFrame(rows).set_index("policy")
    parts = [name for name in frames if name not in (BASELINE, "all-four")]
    diffs = [f"{outcome} diff" for outcome in OUTCOMES]
    if "all-four" in frames and parts:
        table.loc["sum of parts", diffs] = table.loc[parts, diffs].sum()
        table.loc["interaction", diffs] = table.loc["all-four", diffs] - table.loc["sum of parts", diffs]
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the decomposition and write its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC))
    parser.add_argument("--out", default="results/support-channels")
    parser.add_argument("--force", action="store_true", help="replace a table this script wrote before")
    parser.add_argument(
        "--start-pledge",
        action="append",
        default=[],
        metavar="POLICY=USD",
        help="start a policy's search for matched money at this pledge (a result of an earlier run)",
    )
    args = parser.parse_args(argv)
    loaded = load_spec(args.spec)
    target_file = Path(args.out) / "support_channels.csv"
    if target_file.exists() and not args.force:
        print(f"error: {target_file} exists; give --force to replace it", file=sys.stderr)
        return 2
    frames = {BASELINE: outcomes_by_seed(loaded, {})}
    pledges = {BASELINE: loaded.scenario.parameters(**loaded.spec.fixed).pledge_usd_per_developer}
    target = frames[BASELINE]["corporate_support_offered_usd.sum"].mean()
    starts = dict(item.split("=", 1) for item in args.start_pledge)
    for name, overrides in loaded.spec.policies.items():
        start = float(starts[name]) if name in starts else None
        frames[name], pledges[name] = matched(loaded, overrides, target, start)
    table = summary(frames, pledges)
    target_file.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(target_file)
    with pd.option_context("display.width", 200, "display.max_columns", 40, "display.float_format", "{:.4g}".format):
        print(table.T)
    return 0


if __name__ == "__main__":
    sys.exit(main())

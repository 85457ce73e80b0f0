"""Figures and tables of the behavioural-weight sensitivity study (weights-morris, weights-sobol).

`python -m experiments.weights_report MORRIS_DIR [SOBOL_DIR] --img DIR` reads each sweep folder's
`runs.parquet` and its `analysis/sensitivity.csv` (run `borrowed-time analyze` first), draws the
Morris heat map and the Sobol bars into DIR, and prints the tables docs/validation.md quotes: the
Morris ranking and how far each outcome moves over the whole range of the weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

# Outcomes whose value is the run's length when nothing happened (censored at the horizon).
CENSORED_PREFIX = "years_to_"


def morris_scores(table: pd.DataFrame) -> pd.DataFrame:
    """μ* of each weight per outcome, scaled by the largest μ* of that outcome (1 = the top weight); rows by mean score."""
    rows = table[table["parameter"].notna()]
    wide = rows.pivot_table(index="parameter", columns="outcome", values="mu_star", aggfunc="first")
    scaled = wide / wide.max(axis=0).replace(0, np.nan)
    scaled["mean_score"] = scaled.mean(axis=1)
    return scaled.sort_values("mean_score", ascending=False, kind="stable")


def top_weights(table: pd.DataFrame, count: int) -> list[str]:
    """The `count` weights with the highest mean scaled μ*, plus any weight that tops one outcome."""
    scores = morris_scores(table)
    chosen = list(scores.index[:count])
    for outcome in scores.columns.drop("mean_score"):
        best = scores[outcome].idxmax()
        if isinstance(best, str) and best not in chosen:
            chosen.append(best)
    return chosen


def outcome_ranges(runs: pd.DataFrame, outcomes: list[str], horizon_years: float) -> pd.DataFrame:
    """Per outcome, its spread over the design (min, 10%, median, 90%, max) and, for the years-to outcomes,
    the share of runs in which the event happened within the horizon."""
    ok = runs[runs["status"] == "ok"]
    rows = []
    for name in outcomes:
        values = ok[name].astype(float)
        row = {"outcome": name, "runs": len(values), "min": values.min()}
        row |= {f"q{int(q * 100)}": values.quantile(q) for q in (0.1, 0.5, 0.9)}
        row["max"] = values.max()
        if name.startswith(CENSORED_PREFIX):
            row["share_happened"] = float((values < horizon_years).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def plot_morris(table: pd.DataFrame, path: Path, count: int = 20) -> None:
    """Heat map of scaled μ* for the `count` highest-scoring weights against every outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = morris_scores(table).head(count)
    grid = scores.drop(columns="mean_score")
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * grid.shape[1], 1.2 + 0.34 * grid.shape[0]))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="μ* / largest μ* of the outcome")
    ax.set_title(f"Morris screening: top {len(grid)} behavioural weights", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sobol(table: pd.DataFrame, path: Path) -> None:
    """Total-order (and first-order) Sobol indices with their 95% intervals, one panel per outcome."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = table[table["parameter"].notna()]
    outcomes = list(dict.fromkeys(rows["outcome"]))
    columns = 3
    lines = -(-len(outcomes) // columns)
    fig, axes = plt.subplots(lines, columns, figsize=(12, 2.6 * lines), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        part = rows[rows["outcome"] == outcome]
        y = np.arange(len(part))
        ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="ST", color="tab:blue")
        ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="S1", color="tab:orange")
        ax.set_yticks(y, part["parameter"], fontsize=7)
        ax.axvline(0, color="grey", lw=0.5)
        ax.axvline(1, color="grey", lw=0.5, ls=":")
        ax.set_xlim(-0.5, 1.5)
        beyond = ((part["ST"] + part["ST_conf"]).max() > 1.5) or ((part["S1"] - part["S1_conf"]).min() < -0.5)
        ax.set_title(outcome + (" (clipped at -0.5 and 1.5)" if beyond else ""), fontsize=8)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Sobol indices of the top behavioural weights (bars: 95% intervals)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A plain markdown table (no extra dependency)."""
    cells = frame.map(lambda v: f"{v:.{digits}g}" if isinstance(v, float) else str(v))
    head = "| " + " | ".join(cells.columns) + " |\n|" + "---|" * len(cells.columns) + "\n"
    return head + "\n".join("| " + " | ".join(row) + " |" for row in cells.to_numpy().tolist())


def report(folder: Path, img: Path, name: str) -> None:
    """Print one sweep's tables and draw its figure into `img`."""
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    spec = manifest["spec"]
    runs = pd.read_parquet(folder / "runs.parquet")
    table = pd.read_csv(folder / "analysis" / "sensitivity.csv")
    durations = runs["duration_s"]
    print(
        f"## {name}: {len(runs)} runs, {(runs['status'] == 'ok').sum()} ok; run time (s) median "
        f"{durations.median():.2f}, sum {durations.sum():.0f}"
    )
    print(_markdown(outcome_ranges(runs, list(spec["outcomes"]["final"]), float(spec["years"]))))
    if spec["design"]["kind"] == "morris":
        scores = morris_scores(table)
        print("\nMorris mean scaled mu* (top 12):")
        print(_markdown(scores[["mean_score"]].head(12).reset_index(), 2))
        print("\nTop weight per outcome:", {c: scores[c].idxmax() for c in scores.columns.drop("mean_score")})
        plot_morris(table, img / f"{name}.png")
    else:
        rows = table[table["parameter"].notna()][["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]]
        print(_markdown(rows, 2))
        plot_sobol(table, img / f"{name}.png")


def main(argv: list[str] | None = None) -> int:
    """Report the Morris sweep and, if given, the Sobol sweep."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("morris", type=Path)
    parser.add_argument("sobol", type=Path, nargs="?")
    parser.add_argument("--img", type=Path, default=Path("docs/img"))
    args = parser.parse_args(argv)
    report(args.morris, args.img, "weights-morris")
    if args.sobol is not None:
        report(args.sobol, args.img, "weights-sobol")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

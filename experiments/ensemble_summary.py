"""The summary of an ensemble, per registry: medians over seeds with the 10 to 90% range, insolvencies, revenue mix.

`ensemble_summary` gives the numbers as a tidy frame (written as `summary.csv`); `summary_text`
renders them for the terminal. Quantiles interpolate linearly between runs (numpy's default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments.charts import REVENUE_COLUMNS

QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}


def _spread(values: pd.Series, name: str) -> dict[str, float]:
    """Median and 10 / 90% quantiles of a per-run value (NaN when no run has it)."""
    values = values.dropna().astype(float)
    return {
        f"{name}_{label}": float(np.quantile(values, q)) if len(values) else float("nan")
        for label, q in QUANTILES.items()
    }


def ensemble_summary(result) -> pd.DataFrame:
    """One row per registry: runway now and at the end, insolvencies, removal median, last year's revenue and mix."""
    panel, events, runs = result.registries, result.events, len(result.seeds)
    first_time, last_time, last_year = panel["time"].min(), panel["time"].max(), panel["year"].max()
    insolvent = events[events["kind"] == "insolvency"].groupby(["registry", "seed"])["year"].min()
    rows = []
    for registry, rows_of in panel.groupby("registry", sort=False):
        by_seed = rows_of.groupby("seed")
        start = rows_of[rows_of["time"] == first_time].set_index("seed")
        end = rows_of[rows_of["time"] == last_time].set_index("seed")
        final_year = rows_of[rows_of["year"] == last_year].groupby("seed")[list(REVENUE_COLUMNS)].sum()
        total = final_year.sum(axis=1)
        mix = final_year.div(total.where(total > 0), axis=0)
        years_insolvent = insolvent.loc[registry] if registry in insolvent.index.get_level_values(0) else pd.Series()
        row = {
            "registry": registry,
            "kind": rows_of["kind"].iloc[0],
            "runs": runs,
            "runs_with_registry": by_seed.ngroups,
            **_spread(start["runway_months"], "runway_start_months"),
            **_spread(end["runway_months"], "runway_end_months"),
            "insolvent_runs": len(years_insolvent),
            **_spread(years_insolvent, "insolvency_year"),
            **_spread(end["removal_median_hours"], "removal_median_hours_end"),
            **_spread(total / 1e6, "revenue_last_year_musd"),
            **{
                f"revenue_share_{label}_median".replace(" ", "_"): mix[column].median()
                for column, label in REVENUE_COLUMNS.items()
            },
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _range(row: pd.Series, name: str, digits: int = 1, thousands: str = ",") -> str:
    """'median [p10-p90]' for one quantity, or '-' when no run has it."""
    if pd.isna(row[f"{name}_median"]):
        return "-"
    low, mid, high = (row[f"{name}_{label}"] for label in ("p10", "median", "p90"))
    style = f"{thousands}.{digits}f"
    return f"{mid:{style}} [{low:{style}}-{high:{style}}]"


def summary_text(summary: pd.DataFrame) -> str:
    """The summary as two plain-text tables: outcomes per registry, then last year's revenue and its mix."""
    outcomes, mixes = {}, {}
    for _, row in summary.iterrows():
        outcomes[_label(row)] = {
            "runway now, months": _range(row, "runway_start_months"),
            "runway at end, months": _range(row, "runway_end_months"),
            "insolvent": f"{row['insolvent_runs']} of {row['runs']}",
            "insolvency year": _range(row, "insolvency_year", 0, ""),
            "removal at end, h": _range(row, "removal_median_hours_end"),
        }
        mixes[_label(row)] = {"revenue, M USD": _range(row, "revenue_last_year_musd")} | {
            label: "-" if pd.isna(row[_share_column(label)]) else f"{row[_share_column(label)]:.0%}"
            for label in REVENUE_COLUMNS.values()
        }
    return (
        pd.DataFrame.from_dict(outcomes, orient="index").to_string()
        + "\n\nRevenue in the last year, and its mix (median share of revenue by source):\n"
        + pd.DataFrame.from_dict(mixes, orient="index").to_string()
    )


def _share_column(label: str) -> str:
    """The summary column of a revenue source's median share."""
    return f"revenue_share_{label.replace(' ', '_')}_median"


def _label(row: pd.Series) -> str:
    """A registry's row label; an alternative says in how many runs it opened."""
    if row["runs_with_registry"] < row["runs"]:
        return f"{row['registry']} (in {row['runs_with_registry']} of {row['runs']})"
    return row["registry"]


def ecosystem_lines(result) -> list[str]:
    """A few whole-ecosystem outcomes over the ensemble: worms, malware identified, developers on alternatives."""
    model, worms, seeds = result.model, result.worms, pd.Index(result.seeds, name="seed")
    last = model[model["time"] == model["time"].max()].set_index("seed")
    outbreaks = worms.groupby("seed").size().reindex(seeds, fill_value=0)
    largest = worms.groupby("seed")["packages_compromised"].max().reindex(seeds, fill_value=0)

    def spread(values: pd.Series, name: str, digits: int = 0, scale: float = 1.0) -> str:
        """'median [p10-p90]' of one per-run value."""
        numbers = _spread(values.astype(float) * scale, name)
        return _range(pd.Series(numbers), name, digits)

    return [
        f"Worm outbreaks per run: {spread(outbreaks, 'n')}; the largest per run, packages: {spread(largest, 'n')}",
        f"Malicious packages identified: {spread(last['cumulative_malicious_identified'], 'n')}",
        "Developers on alternative registries at the end, %: "
        f"{spread(last['share_developers_on_alternatives'], 'n', 1, 100.0)}",
    ]

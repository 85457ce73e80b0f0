"""Charts of one run: runway, revenue mix, removal delay and corporate support, as one PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from model.runner import RunResult

REVENUE_COLUMNS = {
    "revenue_steward_usd": "steward",
    "revenue_donation_usd": "donations",
    "revenue_opex_usd": "opex contracts",
    "revenue_grant_usd": "grants",
    "revenue_fees_usd": "fees",
    "revenue_paid_tier_usd": "paid tiers",
}


def run_figure(result: RunResult) -> Figure:
    """A 2x2 figure of the run's main series."""
    registries, model = result.registries, result.model
    figure = Figure(figsize=(13, 12), layout="constrained")
    axes = figure.subplots(3, 2)
    decimal_year = registries["year"] + ((registries["time"] - 1) % 52) / 52

    runway = axes[0, 0]
    for name, rows in registries.assign(t=decimal_year).groupby("registry", sort=False):
        runway.plot(rows["t"], rows["runway_months"].clip(upper=36), label=name)
    runway.axhline(result.params.strained_runway_months, color="grey", lw=0.8, ls="--")
    runway.set(title="Runway (months of cash cost in reserve, capped at 36)", ylabel="months")
    runway.legend(fontsize=8)

    revenue = axes[0, 1]
    first_year, last_year = registries["year"].min(), registries["year"].max()
    mixes = []
    for year in (first_year, last_year):
        totals = registries[registries["year"] == year].groupby("registry", sort=False)[list(REVENUE_COLUMNS)].sum()
        share = totals.div(totals.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
        mixes.append(share.rename(index=lambda name, y=year: f"{name} {y}"))
    mix = pd.concat(mixes).rename(columns=REVENUE_COLUMNS).iloc[::-1]
    left = pd.Series(0.0, index=mix.index)
    for source in mix.columns:
        revenue.barh(mix.index, mix[source], left=left, label=source)
        left += mix[source]
    revenue.set(title=f"Revenue mix by registry, {first_year} and {last_year} (share of revenue)", xlim=(0, 1))
    revenue.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    removal = axes[1, 0]
    for name, rows in registries.assign(t=decimal_year).groupby("registry", sort=False):
        removal.plot(rows["t"], rows["removal_median_hours"], label=name)
    removal.plot(
        model["year"] + ((model["time"] - 1) % 52) / 52,
        model["removal_median_hours_pooled"],
        color="black",
        lw=2,
        label="all malware (pooled)",
    )
    removal.set_yscale("log")
    removal.set(title="Median hours from identification to removal", ylabel="hours (log scale)")
    removal.legend(fontsize=8)

    support = axes[1, 1]
    shares = model.groupby("year")[[c for c in model.columns if c.startswith("support_share_")]].mean()
    shares.columns = [c.removeprefix("support_share_") for c in shares.columns]
    support.stackplot(shares.index, shares.T.values, labels=shares.columns)
    support.set(title="Corporate support mode (share of firms)", ylabel="share", ylim=(0, 1))
    support.legend(fontsize=8, loc="lower left")

    malware = axes[2, 0]
    weekly = model.assign(t=model["year"] + ((model["time"] - 1) % 52) / 52)
    malware.plot(weekly["t"], weekly["malware_downloads"], color="tab:red", lw=0.8)
    malware.set_yscale("log")
    malware.set(title="Downloads of live malware per week, all registries", ylabel="downloads (log scale)")
    for _, worm in result.worms.nlargest(5, "packages_compromised").iterrows():  # the five largest worms
        start = result.params.start_year + (worm["start_time"] - 1) / 52
        malware.axvline(start, color="black", lw=0.6, alpha=0.4)
        malware.annotate(
            f"worm: {worm['packages_compromised']:,} pkgs",
            (start, malware.get_ylim()[1]),
            rotation=90,
            fontsize=6,
            va="top",
            ha="right",
        )

    alternatives = axes[2, 1]
    alternatives.plot(weekly["t"], weekly["share_developers_on_alternatives"], label="developers")
    alternatives.plot(weekly["t"], weekly["share_new_packages_on_alternatives"], label="new packages")
    alternatives.set(
        title="Share on alternative registries", ylabel="share", ylim=(0, max(0.05, alternatives.get_ylim()[1]))
    )
    alternatives.legend(fontsize=8)

    figure.suptitle(f"Borrowed Time: scenario '{result.scenario}', seed {result.seed}")
    return figure


def save_run_chart(result: RunResult, path: Path) -> Path:
    """Write the run's chart as a PNG and return its path."""
    run_figure(result).savefig(path, dpi=110)
    return path


def yearly_summary(result: RunResult) -> pd.DataFrame:
    """Per registry: runway at the start and end, revenue mix, removal median and status at the end."""
    registries = result.registries
    first = registries[registries["time"] == registries["time"].min()].set_index("registry")
    last = registries[registries["time"] == registries["time"].max()].set_index("registry")
    final_year = registries[registries["year"] == registries["year"].max()]
    revenue = final_year.groupby("registry", sort=False)[list(REVENUE_COLUMNS)].sum()
    total = revenue.sum(axis=1)
    mix = revenue.div(total.where(total > 0, 1.0), axis=0).rename(columns=REVENUE_COLUMNS)
    summary = pd.DataFrame(
        {
            "runway_start_months": first["runway_months"],
            "runway_end_months": last["runway_months"],
            "revenue_last_year_musd": revenue.sum(axis=1) / 1e6,
            "top_revenue_source": mix.idxmax(axis=1).where(total > 0, "none"),
            "top_source_share": mix.max(axis=1),
            "removal_median_hours_end": last["removal_median_hours"],
            "security_fte_end": last["security_fte"],
            "status_end": last["status"],
        }
    )
    return summary.loc[list(first.index) + [name for name in last.index if name not in first.index]]

"""Charts of a run or an ensemble (medians with 10 to 90% bands over seeds), as one PNG; one run's summary table."""

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
    "revenue_usage_usd": "usage charges",
    "revenue_mirror_usd": "paid mirror",
    "revenue_consortium_usd": "hyperscaler consortium",
    "revenue_appeal_usd": "emergency appeals",
}


def _with_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with a `seed` column (one run's frames have none) and its decimal year `t`."""
    frame = frame if "seed" in frame.columns else frame.assign(seed=0)
    return frame.assign(t=frame["year"] + ((frame["time"] - 1) % 52) / 52)


def _band(axis, frame: pd.DataFrame, column: str, **style) -> None:
    """Plot a weekly series: the median over seeds as a line and, with several seeds, the 10 to 90% range as a band."""
    quantiles = frame.groupby("t")[column].quantile([0.1, 0.5, 0.9]).unstack()
    (line,) = axis.plot(quantiles.index, quantiles[0.5], **style)
    if frame["seed"].nunique() > 1:
        axis.fill_between(quantiles.index, quantiles[0.1], quantiles[0.9], color=line.get_color(), alpha=0.2, lw=0)


def run_figure(result) -> Figure:
    """A 3x2 figure of a run's main series; for an ensemble, medians over seeds with 10 to 90% bands."""
    registries, model = _with_seed(result.registries), _with_seed(result.model)
    ensemble = model["seed"].nunique() > 1
    if ensemble:  # alternatives open in some members only, at different times: their bands would mislead
        registries = registries[registries["kind"] == "incumbent"]
    figure = Figure(figsize=(13, 12), layout="constrained")
    axes = figure.subplots(3, 2)

    runway = axes[0, 0]
    clipped = registries.assign(runway_months=registries["runway_months"].clip(upper=36))
    for name, rows in clipped.groupby("registry", sort=False):
        _band(runway, rows, "runway_months", label=name)
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
    pooled = ", all seeds pooled" if ensemble else ""
    revenue.set(title=f"Revenue mix by registry, {first_year} and {last_year} (share of revenue{pooled})", xlim=(0, 1))
    revenue.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    removal = axes[1, 0]
    for name, rows in registries.groupby("registry", sort=False):
        _band(removal, rows, "removal_median_hours", label=name)
    _band(removal, model, "removal_median_hours_pooled", color="black", lw=2, label="all malware (pooled)")
    removal.set_yscale("log")
    removal.set(title="Median hours from identification to removal", ylabel="hours (log scale)")
    removal.legend(fontsize=8)

    support = axes[1, 1]
    shares = model.groupby("year")[[c for c in model.columns if c.startswith("support_share_")]].mean()
    shares.columns = [c.removeprefix("support_share_") for c in shares.columns]
    support.stackplot(shares.index, shares.T.values, labels=shares.columns)
    mean_over = ", mean over seeds" if ensemble else ""
    support.set(title=f"Corporate support mode (share of firms{mean_over})", ylabel="share", ylim=(0, 1))
    support.legend(fontsize=8, loc="lower left")

    malware = axes[2, 0]
    _band(malware, model, "malware_downloads", color="tab:red", lw=0.8)
    malware.set_yscale("log")
    malware.set(title="Downloads of live malware per week, all registries", ylabel="downloads (log scale)")
    if not ensemble:
        _mark_largest_worms(malware, result)

    alternatives = axes[2, 1]
    _band(alternatives, model, "share_developers_on_alternatives", label="developers")
    _band(alternatives, model, "share_new_packages_on_alternatives", label="new packages")
    alternatives.set(
        title="Share on alternative registries",
        ylabel="share",
        ylim=(0, max(0.05, alternatives.get_ylim()[1])),
    )
    alternatives.legend(fontsize=8)

    seeds = (
        f"{model['seed'].nunique()} seeds: lines are medians over seeds, bands the 10 to 90% range; "
        "incumbents only (alternatives: bottom right)"
        if ensemble
        else f"seed {result.seed}"
    )
    figure.suptitle(f"Borrowed Time: scenario '{result.scenario}', {seeds}")
    return figure


def _mark_largest_worms(axis, result: RunResult) -> None:
    """Mark the start of one run's five largest worms on a time axis."""
    for _, worm in result.worms.nlargest(5, "packages_compromised").iterrows():
        start = result.params.start_year + (worm["start_time"] - 1) / 52
        axis.axvline(start, color="black", lw=0.6, alpha=0.4)
        axis.annotate(
            f"worm: {worm['packages_compromised']:,} pkgs",
            (start, axis.get_ylim()[1]),
            rotation=90,
            fontsize=6,
            va="top",
            ha="right",
        )


def save_run_chart(result, path: Path) -> Path:
    """Write the chart of a run or an ensemble as a PNG and return its path."""
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

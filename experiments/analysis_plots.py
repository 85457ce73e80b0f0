"""PNG plots of a sweep: dose-response curves with bands, heatmaps of two-parameter grids, fan
charts of yearly series, policy comparisons and sensitivity bar charts."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from experiments.analysis import Sweep

PANEL_WIDTH_IN, PANEL_HEIGHT_IN = 5.0, 3.6


def _panels(count: int, title: str) -> tuple[Figure, list]:
    """A figure with `count` panels in up to three columns."""
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(PANEL_WIDTH_IN * columns, PANEL_HEIGHT_IN * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel().tolist()
    for extra in axes[count:]:
        extra.set_visible(False)
    figure.suptitle(title)
    return figure, axes[:count]


def _is_numeric(series: pd.Series) -> bool:
    """Whether a column holds numbers (not booleans or text)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def dose_response(sweep: Sweep, parameter: str, folder: Path) -> Path:
    """Mean outcome against one parameter's values (averaged over the others), 95% band, a line per policy."""
    from experiments.analysis import mean_ci

    figure, axes = _panels(
        len(sweep.final), f"{sweep.manifest['name']}: outcomes against {parameter} (mean and 95% interval over runs)"
    )
    for axis, outcome in zip(axes, sweep.final):
        for policy in sweep.policies:
            rows = sweep.ok[sweep.ok["policy"] == policy]
            stats = pd.DataFrame(
                [{parameter: value, **mean_ci(frame[outcome])} for value, frame in rows.groupby(parameter)]
            )
            if stats.empty:
                continue
            line = axis.plot(stats[parameter], stats["mean"], marker="o", label=policy)[0]
            axis.fill_between(stats[parameter], stats["ci_low"], stats["ci_high"], color=line.get_color(), alpha=0.2)
        axis.set(xlabel=parameter, title=outcome)
        axis.title.set_fontsize(9)
        if len(sweep.policies) > 1:
            axis.legend(fontsize=8)
    path = folder / f"dose-response-{parameter}.png"
    figure.savefig(path, dpi=110)
    return path


def heatmap(sweep: Sweep, first: str, second: str, folder: Path) -> Path:
    """Mean outcome over a two-parameter grid (baseline policy; other parameters averaged)."""
    rows = sweep.ok[sweep.ok["policy"] == sweep.policies[0]]
    figure, axes = _panels(
        len(sweep.final),
        f"{sweep.manifest['name']}: mean outcome over {first} x {second} "
        f"({sweep.policies[0]}; other parameters averaged)",
    )
    for axis, outcome in zip(axes, sweep.final):
        grid = rows.pivot_table(index=second, columns=first, values=outcome, aggfunc="mean").sort_index(ascending=False)
        image = axis.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis")
        axis.set_xticks(
            range(grid.shape[1]),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns],
            fontsize=7,
            rotation=45,
        )
        axis.set_yticks(
            range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index], fontsize=7
        )
        for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
            if np.isfinite(value):
                axis.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=6, color="white")
        axis.set(xlabel=first, ylabel=second, title=outcome)
        axis.title.set_fontsize(9)
        figure.colorbar(image, ax=axis, shrink=0.8)
    path = folder / f"heatmap-{first}-{second}.png"
    figure.savefig(path, dpi=110)
    return path


def fan_chart(sweep: Sweep, yearly: pd.DataFrame, folder: Path) -> Path:
    """Each yearly series: median per group with 25-75% and 10-90% bands over runs."""
    group_by = yearly["group_by"].iloc[0]
    figure, axes = _panels(
        len(sweep.yearly), f"{sweep.manifest['name']}: yearly series by {group_by} (median, 25-75% and 10-90% of runs)"
    )
    for axis, metric in zip(axes, sweep.yearly):
        for group, rows in yearly[yearly["metric"] == metric].groupby("group", sort=False):
            label = f"{group:g}" if isinstance(group, float) else str(group)
            line = axis.plot(rows["year"], rows["p50"], marker=".", label=label)[0]
            axis.fill_between(rows["year"], rows["p25"], rows["p75"], color=line.get_color(), alpha=0.25)
            axis.fill_between(rows["year"], rows["p10"], rows["p90"], color=line.get_color(), alpha=0.1)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set(xlabel="year", title=metric)
        axis.title.set_fontsize(9)
        axis.legend(fontsize=7, title=group_by, title_fontsize=7)
    path = folder / "fan-charts.png"
    figure.savefig(path, dpi=110)
    return path


def policy_bars(sweep: Sweep, summary: pd.DataFrame, folder: Path) -> Path:
    """Mean outcome per policy with 95% intervals (for specs without a parameter grid)."""
    figure, axes = _panels(len(sweep.final), f"{sweep.manifest['name']}: outcome by policy (mean, 95% interval)")
    for axis, outcome in zip(axes, sweep.final):
        rows = summary[summary["outcome"] == outcome].set_index("policy").reindex(sweep.policies)
        errors = np.vstack([rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]])
        axis.bar(
            range(len(rows)),
            rows["mean"],
            yerr=np.nan_to_num(errors),
            capsize=4,
            color=[f"C{i}" for i in range(len(rows))],
        )
        axis.set_xticks(range(len(rows)), rows.index, fontsize=8, rotation=20)
        axis.set_title(outcome, fontsize=9)
    path = folder / "policies.png"
    figure.savefig(path, dpi=110)
    return path


def sensitivity_bars(sweep: Sweep, table: pd.DataFrame, folder: Path) -> Path | None:
    """Sensitivity indices per outcome as horizontal bars (baseline policy)."""
    table = table[(table["policy"] == sweep.policies[0]) & table["parameter"].notna()]
    if table.empty:
        return None
    measures = {
        "sobol": [("ST", "ST_conf", "total (ST)"), ("S1", "S1_conf", "first order (S1)")],
        "morris": [("mu_star", "mu_star_conf", "mu* (mean |elementary effect|)"), ("sigma", None, "sigma")],
        "latin_hypercube": [("spearman_rho", None, "Spearman rank correlation")],
    }[sweep.kind]
    outcomes = list(dict.fromkeys(table["outcome"]))
    figure, axes = _panels(len(outcomes), f"{sweep.manifest['name']}: sensitivity ({sweep.kind})")
    for axis, outcome in zip(axes, outcomes):
        rows = table[table["outcome"] == outcome]
        positions = np.arange(len(rows))
        height = 0.8 / len(measures)
        for k, (column, conf, label) in enumerate(measures):
            errors = rows[conf].to_numpy(dtype=float) if conf else None
            axis.barh(
                positions + k * height,
                rows[column].to_numpy(dtype=float),
                height=height,
                xerr=errors,
                capsize=3,
                label=label,
            )
        axis.set_yticks(positions + height * (len(measures) - 1) / 2, rows["parameter"], fontsize=7)
        axis.invert_yaxis()
        axis.set_title(outcome, fontsize=9)
        axis.legend(fontsize=7)
    path = folder / "sensitivity.png"
    figure.savefig(path, dpi=110)
    return path


def write_plots(sweep: Sweep, tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Every plot the sweep's design supports."""
    written: list[Path] = []
    summary = tables["summary.csv"]
    numeric = [
        name for name in sweep.grid_parameters if _is_numeric(sweep.runs[name]) and sweep.runs[name].nunique() > 1
    ]
    if sweep.final:
        for parameter in numeric:
            written.append(dose_response(sweep, parameter, folder))
        if len(numeric) >= 2:
            written.append(heatmap(sweep, numeric[0], numeric[1], folder))
        if not numeric and len(sweep.policies) > 1:
            written.append(policy_bars(sweep, summary, folder))
    if sweep.yearly and not tables["yearly_summary.csv"].empty:
        written.append(fan_chart(sweep, tables["yearly_summary.csv"], folder))
    if not tables["sensitivity.csv"].empty:
        path = sensitivity_bars(sweep, tables["sensitivity.csv"], folder)
        if path:
            written.append(path)
    return written

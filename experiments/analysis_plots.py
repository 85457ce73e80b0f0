"""Figures of a sweep: dose-response curves with bands, heatmaps of two-parameter grids, fan charts of yearly series,
policy comparisons, sensitivity indices and robustness across scenarios.

Every axis is labelled with its unit from the metric catalogue (`experiments/catalogue.py`): dollars
in $M, shares in %, no offset notation; bands are clipped to the range the metric can take and
named for what they are; n is written on every figure; legends sit outside the panels; Sobol
indices outside [0, 1] are flagged. `build_figures` returns the figures (for tests and notebooks);
`write_plots` stamps and writes them (`experiments/figures.py`).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from experiments.catalogue import Info, outcome_info, parameter_info
from experiments.figures import Output, legend_outside, new_figure, save

if TYPE_CHECKING:
    from experiments.analysis import Sweep

PANEL_WIDTH_IN, PANEL_HEIGHT_IN = 4.6, 3.4
LEGEND_WIDTH_IN = 2.2
BAND_MEAN = "shaded: 95% t-interval of the mean, clipped to the metric's range"


@dataclass
class Plot:
    """One figure of an analysis, the file stem it is written under and its title."""

    stem: str
    figure: Figure
    title: str


def panels(count: int, title: str, legend: bool = True) -> tuple[Figure, list]:
    """A figure with `count` panels in up to three columns (and room for a legend beside them)."""
    columns = min(3, count)
    rows = math.ceil(count / columns)
    width = PANEL_WIDTH_IN * columns + (LEGEND_WIDTH_IN if legend else 0)
    figure = new_figure(width, PANEL_HEIGHT_IN * rows + 0.7)
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel().tolist()
    for extra in axes[count:]:
        extra.set_visible(False)
    figure.suptitle(title, fontsize=10)
    return figure, axes[:count]


PREFIXES = {3: "k", 6: "M", 9: "G", 12: "T"}


def value_text(value: float) -> str:
    """A number for a label: three significant digits, with k, M, G or T from 10,000 up (never 1e8)."""
    if not np.isfinite(value) or abs(value) < 1e4:
        return f"{value:.3g}"
    exponent = min(12, int(math.floor(math.log10(abs(value)) / 3) * 3))
    return f"{value / 10**exponent:.3g}\u2009{PREFIXES[exponent]}"


def number_format(axis, info: Info) -> None:
    """Plain numbers on an axis: no offset and no 1e8 exponent; k, M, G prefixes from 10,000 up."""
    axis.set_major_formatter(FuncFormatter(lambda value, _position: value_text(value)))


def wrapped(text: str, width: int = 34) -> str:
    """A long axis label on several lines."""
    return "\n".join(textwrap.wrap(text, width)) or text


def _is_numeric(series: pd.Series) -> bool:
    """Whether a column holds numbers (not booleans or text)."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _n_text(counts: pd.Series | list[int], what: str) -> str:
    """'n = 6 runs per point' or 'n = 5–6 runs per point'."""
    counts = pd.Series(counts)
    if counts.empty:
        return f"n = 0 {what}"
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low} {what}" if low == high else f"n = {low}–{high} {what}"


def title_with(info: Info, note: str) -> str:
    """A panel title: the metric's title and a note (n, what the line is)."""
    return f"{info.title}\n{note}"


def dose_response(sweep: Sweep, parameter: str) -> Plot:
    """Mean outcome against one parameter's values (averaged over the others), 95% band, a line per policy."""
    from experiments.analysis import mean_ci

    x_info = parameter_info(parameter, sweep.runs[parameter])
    title = f"{sweep.manifest['name']}: outcomes against {x_info.title}"
    figure, axes = panels(len(sweep.final), title)
    handles: dict[str, object] = {}
    for axis, outcome in zip(axes, sweep.final):
        info = outcome_info(outcome)
        counts = []
        for policy in sweep.policies:
            rows = sweep.ok[sweep.ok["policy"] == policy]
            stats = pd.DataFrame(
                [{parameter: value, **mean_ci(frame[outcome])} for value, frame in rows.groupby(parameter)]
            )
            if stats.empty:
                continue
            counts += stats["n"].tolist()
            x = x_info.scaled(stats[parameter].astype(float))
            line = axis.plot(x, info.scaled(stats["mean"]), marker="o", markersize=4, label=policy)[0]
            low, high = (info.scaled(info.clip(stats[column])) for column in ("ci_low", "ci_high"))
            axis.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
            handles.setdefault(policy, line)
        axis.set(xlabel=x_info.axis_label, ylabel=info.axis_label)
        axis.set_title(title_with(info, f"mean of {_n_text(counts, 'runs per point')}"), fontsize=8)
        number_format(axis.yaxis, info)
        number_format(axis.xaxis, x_info)
    band = Patch(color="0.6", alpha=0.35)
    legend_outside(figure, [*handles.values(), band], [*handles, BAND_MEAN.replace(": ", ":\n", 1)], "Policy")
    return Plot(f"dose-response-{parameter}", figure, title)


def heatmap(sweep: Sweep, first: str, second: str) -> Plot:
    """Mean outcome over a two-parameter grid (baseline policy; other parameters averaged)."""
    rows = sweep.ok[sweep.ok["policy"] == sweep.policies[0]]
    x_info, y_info = parameter_info(first, rows[first]), parameter_info(second, rows[second])
    title = f"{sweep.manifest['name']}: mean outcome over a grid ({sweep.policies[0]}; other parameters averaged)"
    figure, axes = panels(len(sweep.final), title, legend=False)
    for axis, outcome in zip(axes, sweep.final):
        info = outcome_info(outcome)
        grid = rows.pivot_table(index=second, columns=first, values=outcome, aggfunc="mean").sort_index(ascending=False)
        counts = rows.groupby([first, second])[outcome].count()
        values = info.scaled(grid.to_numpy(dtype=float))
        image = axis.imshow(values, aspect="auto", cmap="viridis")
        axis.set_xticks(range(grid.shape[1]), [f"{x_info.scale * v:g}" for v in grid.columns], fontsize=7, rotation=45)
        axis.set_yticks(range(grid.shape[0]), [f"{y_info.scale * v:g}" for v in grid.index], fontsize=7)
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                axis.text(j, i, value_text(value), ha="center", va="center", fontsize=6, color="white")
        axis.set(xlabel=wrapped(x_info.axis_label, 48), ylabel=wrapped(y_info.axis_label))
        axis.set_title(title_with(info, f"mean of {_n_text(counts, 'runs per cell')}"), fontsize=8)
        bar = figure.colorbar(image, ax=axis, shrink=0.85)
        bar.set_label(wrapped(info.axis_label), fontsize=8)
        number_format(bar.ax.yaxis, info)
    return Plot(f"heatmap-{first}-{second}", figure, title)


def fan_chart(sweep: Sweep, yearly: pd.DataFrame) -> Plot:
    """Each yearly series: median per group with 25–75% and 10–90% bands over runs."""
    group_by = yearly["group_by"].iloc[0]
    group_label = "Policy" if group_by == "policy" else parameter_info(group_by).axis_label
    title = f"{sweep.manifest['name']}: yearly outcomes by {group_label.lower() if group_by == 'policy' else group_by}"
    figure, axes = panels(len(sweep.yearly), title)
    handles: dict[str, object] = {}
    for axis, metric in zip(axes, sweep.yearly):
        info = outcome_info(metric, yearly=True)
        rows_all = yearly[yearly["metric"] == metric]
        for group, rows in rows_all.groupby("group", sort=False):
            label = f"{group:g}" if isinstance(group, float) else str(group)
            line = axis.plot(rows["year"], info.scaled(rows["p50"]), marker=".", label=label)[0]
            for low, high, alpha in (("p25", "p75", 0.25), ("p10", "p90", 0.1)):
                bounds = (info.scaled(info.clip(rows[column])) for column in (low, high))
                axis.fill_between(rows["year"], *bounds, color=line.get_color(), alpha=alpha, linewidth=0)
            handles.setdefault(label, line)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set(xlabel="Year (calendar year)", ylabel=info.axis_label)
        number_format(axis.yaxis, info)
        axis.set_title(title_with(info, f"median of {_n_text(rows_all['n'], 'runs per year')}"), fontsize=8)
    bands = [Patch(color="0.5", alpha=0.45), Patch(color="0.5", alpha=0.18)]
    labels = [*handles, "darker: 25–75% of runs", "lighter: 10–90% of runs"]
    legend_outside(figure, [*handles.values(), *bands], labels, group_label)
    return Plot("fan-charts", figure, title)


def policy_bars(sweep: Sweep, summary: pd.DataFrame) -> Plot:
    """Mean outcome per policy with 95% intervals (clipped to the metric's range), n on every bar."""
    title = f"{sweep.manifest['name']}: outcome by policy (mean and 95% t-interval of the mean, clipped to range)"
    figure, axes = panels(len(sweep.final), title, legend=False)
    for axis, outcome in zip(axes, sweep.final):
        info = outcome_info(outcome)
        rows = summary[summary["outcome"] == outcome].set_index("policy").reindex(sweep.policies)
        low, high = info.clip(rows["ci_low"]), info.clip(rows["ci_high"])
        errors = info.scale * np.vstack([rows["mean"] - low, high - rows["mean"]])
        positions = range(len(rows))
        axis.bar(positions, info.scaled(rows["mean"]), yerr=np.nan_to_num(errors), capsize=4, color="C0")
        for x, (mean, n) in enumerate(zip(info.scaled(rows["mean"]), rows["n"])):
            if np.isfinite(mean):
                axis.annotate(f"n={int(n)}", (x, 0), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7)
        axis.set_xticks(list(positions), rows.index, fontsize=8, rotation=20)
        axis.set(xlabel="Policy", ylabel=info.axis_label)
        number_format(axis.yaxis, info)
        axis.set_title(info.title, fontsize=8)
    return Plot("policies", figure, title)


SENSITIVITY_MEASURES = {
    "sobol": [("ST", "ST_conf", "total order (ST)"), ("S1", "S1_conf", "first order (S1)")],
    "morris": [("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)"), ("sigma", None, "σ (spread of effects)")],
    "latin_hypercube": [("spearman_rho", None, "Spearman rank correlation")],
    "file": [("spearman_rho", None, "Spearman rank correlation")],
}


def sensitivity_axis_label(kind: str, info: Info) -> str:
    """What the sensitivity bars measure, with its unit."""
    if kind == "sobol":
        return "Sobol index (share of output variance, 0–1)"
    if kind == "morris":
        return f"Morris effect ({info.unit} per input range)"
    return "Rank correlation (−1 to 1)"


def sensitivity_bars(sweep: Sweep, table: pd.DataFrame) -> Plot | None:
    """Sensitivity indices per outcome as horizontal bars (baseline policy); Sobol indices outside [0, 1] flagged."""
    table = table[(table["policy"] == sweep.policies[0]) & table["parameter"].notna()]
    if table.empty:
        return None
    measures = SENSITIVITY_MEASURES[sweep.kind]
    outcomes = list(dict.fromkeys(table["outcome"]))
    title = f"{sweep.manifest['name']}: sensitivity ({sweep.kind}, {sweep.policies[0]}; n = {len(sweep.design)} points)"
    figure, axes = panels(len(outcomes), title)
    handles: dict[str, object] = {}
    flagged = False
    for axis, outcome in zip(axes, outcomes):
        info = outcome_info(outcome)
        rows = table[table["outcome"] == outcome]
        positions = np.arange(len(rows))
        height = 0.8 / len(measures)
        scale = info.scale if sweep.kind == "morris" else 1.0
        for k, (column, conf, label) in enumerate(measures):
            values = rows[column].to_numpy(dtype=float)
            errors = scale * rows[conf].to_numpy(dtype=float) if conf else None
            bars = axis.barh(
                positions + k * height, scale * values, height=height, xerr=errors, capsize=3, color=f"C{k}"
            )
            handles.setdefault(label, Patch(color=f"C{k}"))
            if sweep.kind == "sobol":
                for bar, value in zip(bars, values):
                    if value < 0 or value > 1:
                        bar.set_hatch("////")
                        bar.set_edgecolor("crimson")
                        flagged = True
        if sweep.kind == "sobol":
            axis.axvspan(0, 1, color="0.92", zorder=0)
        names = [wrapped(parameter_info(name).axis_label.rsplit(" (", 1)[0], 26) for name in rows["parameter"]]
        axis.set_yticks(positions + height * (len(measures) - 1) / 2, names)
        axis.tick_params(axis="y", labelsize=7)
        axis.invert_yaxis()
        axis.set(xlabel=sensitivity_axis_label(sweep.kind, info), ylabel="Input")
        axis.set_title(info.title, fontsize=8)
    if flagged:
        handles["outside [0, 1]: estimator noise;\nraise samples (N)"] = Patch(
            facecolor="white", edgecolor="crimson", hatch="////"
        )
    legend_outside(figure, list(handles.values()), list(handles), "Index")
    return Plot("sensitivity", figure, title)


def robustness_plot(sweep: Sweep, robustness: pd.DataFrame) -> Plot | None:
    """Per goal outcome, each policy's spread over scenarios (10–90%, median) and its worst regret."""
    goals = [name for name in sweep.final if name in sweep.goals]
    if robustness.empty or not goals:
        return None
    title = f"{sweep.manifest['name']}: robustness of each policy across scenarios"
    figure, axes = panels(len(goals), title)
    for axis, outcome in zip(axes, goals):
        info = outcome_info(outcome)
        rows = robustness[robustness["outcome"] == outcome].set_index("policy").reindex(sweep.policies)
        positions = np.arange(len(rows))
        axis.hlines(positions, info.scaled(rows["p10"]), info.scaled(rows["p90"]), color="C0", linewidth=3, alpha=0.5)
        axis.plot(info.scaled(rows["p50"]), positions, "o", color="C0", markersize=4)
        threshold = sweep.goals[outcome].get("threshold")
        if threshold is not None:
            axis.axvline(info.scale * threshold, color="crimson", linestyle="--", linewidth=1)
        labels = []
        for policy, regret, share in zip(rows.index, rows["max_regret"], rows["satisficing_share"]):
            note = f"max regret {info.scale * regret:.3g} {info.unit}"
            labels.append(f"{policy}\n{note}" + ("" if pd.isna(share) else f", meets goal in {share:.0%}"))
        axis.set_yticks(positions, labels, fontsize=6)
        axis.invert_yaxis()
        direction = sweep.goals[outcome]["direction"]
        axis.set(xlabel=info.axis_label, ylabel="Policy")
        number_format(axis.xaxis, info)
        n = int(rows["scenarios"].max()) if len(rows) else 0
        axis.set_title(title_with(info, f"goal: {direction}; n = {n} scenarios"), fontsize=8)
    handles = [
        Patch(color="C0", alpha=0.5),
        axes[0].lines[0],
        axes[0].plot([], [], color="crimson", linestyle="--")[0],
    ]
    labels = ["10–90% of scenarios\n(scenario = mean over replications)", "median scenario", "satisficing threshold"]
    legend_outside(figure, handles, labels, "Across scenarios")
    return Plot("robustness", figure, title)


def build_figures(sweep: Sweep, tables: dict[str, pd.DataFrame]) -> list[Plot]:
    """Every figure the sweep's design supports."""
    plots: list[Plot | None] = []
    summary = tables["summary.csv"]
    numeric = [
        name for name in sweep.grid_parameters if _is_numeric(sweep.runs[name]) and sweep.runs[name].nunique() > 1
    ]
    if sweep.final:
        plots += [dose_response(sweep, parameter) for parameter in numeric]
        if len(numeric) >= 2:
            plots.append(heatmap(sweep, numeric[0], numeric[1]))
        if not numeric and len(sweep.policies) > 1:
            plots.append(policy_bars(sweep, summary))
    if sweep.yearly and not tables["yearly_summary.csv"].empty:
        plots.append(fan_chart(sweep, tables["yearly_summary.csv"]))
    if not tables["sensitivity.csv"].empty:
        plots.append(sensitivity_bars(sweep, tables["sensitivity.csv"]))
    if not tables.get("robustness.csv", pd.DataFrame()).empty:
        plots.append(robustness_plot(sweep, tables["robustness.csv"]))
    return [plot for plot in plots if plot is not None]


def write_plots(sweep: Sweep, tables: dict[str, pd.DataFrame], folder: Path, output: Output) -> list[Path]:
    """Build every figure and write it in each format of `output`; return the paths."""
    written: list[Path] = []
    for plot in build_figures(sweep, tables):
        written += save(plot.figure, folder, plot.stem, output, plot.title)
    return written

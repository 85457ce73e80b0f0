"""ECharts options for the explorer's charts: one option per entry of `viz.charts.CHARTS`, from a projection.

Each line series of a chart is drawn three times under one legend name, so a click on the legend
isolates (or hides) a registry with its baseline: the projection's median in the series' colour
over its 10 to 90% band, the status quo's median as a dashed grey line over a grey band, and, in
story mode, the single run played so far as a thin line. Text is at least 12 px; `large` is for
projecting on a wall. Values are rounded to four significant figures, and NaN (or, on a log axis,
a value of 0 or less) becomes a gap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from model.profiles import RegistryCatalogue
from viz.charts import Chart
from viz.history import RunHistory
from viz.projection import Band, Projection, chart_series

BASELINE_COLOUR = "#7a7a7a"
BAND_OPACITY = 0.18
BASELINE_BAND_OPACITY = 0.12
FONT_PX = {False: 12, True: 18}
TITLE_PX = {False: 14, True: 22}
#: Matplotlib colour names the chart table uses, as CSS colours.
CSS_COLOURS = {
    "tab:blue": "#1f77b4",
    "tab:orange": "#ff7f0e",
    "tab:green": "#2ca02c",
    "tab:red": "#d62728",
    "tab:purple": "#9467bd",
    "tab:brown": "#8c564b",
    "tab:pink": "#e377c2",
    "tab:grey": "#7f7f7f",
    "tab:gray": "#7f7f7f",
    "tab:olive": "#bcbd22",
    "tab:cyan": "#17becf",
}


def css_colour(colour: str) -> str:
    """A chart-table colour as CSS."""
    return CSS_COLOURS.get(colour, colour)


def rounded(value: float, log: bool = False) -> float | None:
    """A value to four significant figures; None (a gap) for NaN, or for 0 or less on a log axis."""
    if value is None or not math.isfinite(value) or (log and value <= 0):
        return None
    return float(f"{value:.4g}")


MS_PER_YEAR = 365.2425 * 86_400_000


def epoch_ms(year: float) -> int:
    """A decimal calendar year as milliseconds since 1970 (ECharts' time axis)."""
    return round((year - 1970) * MS_PER_YEAR)


def pairs(x: np.ndarray, y: np.ndarray, log: bool = False) -> list[list[float | None]]:
    """[[time in ms, y], ...] for ECharts, y to four significant figures (vectorised: this is the redraw path)."""
    y = np.asarray(y, dtype=float)
    with np.errstate(all="ignore"):
        gap = ~np.isfinite(y) | (y <= 0 if log else np.zeros(y.shape, dtype=bool))
        size = np.where(gap | (y == 0), 1.0, np.abs(y))
        scale = 10.0 ** (3 - np.floor(np.log10(size)))
        values = (np.round(y * scale) / scale).tolist()
    times = np.round((np.asarray(x, dtype=float) - 1970) * MS_PER_YEAR).astype(np.int64).tolist()
    return [[t, None if missing else v] for t, v, missing in zip(times, values, gap.tolist())]


def _line(name: str, data: list, colour: str, width: float, dashed: bool = False, **extra: Any) -> dict:
    """A line series without symbols."""
    return {
        "type": "line",
        "name": name,
        "data": data,
        "showSymbol": False,
        "connectNulls": False,
        "lineStyle": {"color": colour, "width": width, "type": "dashed" if dashed else "solid"},
        "itemStyle": {"color": colour},
        "emphasis": {"disabled": True},
        **extra,
    }


def _band(name: str, band: Band, colour: str, opacity: float, stack: str, log: bool) -> list[dict]:
    """A 10 to 90% band: an invisible lower line and the width above it, filled (hidden from the tooltip)."""
    hidden = {"tooltip": {"show": False}, "silent": True, "z": 1}
    lower = _line(name, pairs(band.x, band.low, log), colour, 0, stack=stack, **hidden)
    lower["lineStyle"]["opacity"] = 0
    upper = _line(name, pairs(band.x, band.high - band.low, False), colour, 0, stack=stack, **hidden)
    upper["lineStyle"]["opacity"] = 0
    upper["areaStyle"] = {"color": colour, "opacity": opacity}
    return [lower, upper]


def chart_option(
    chart: Chart,
    catalogue: RegistryCatalogue,
    projection: Projection | None,
    status_quo: Projection | None,
    story: RunHistory | None = None,
    start_year: int = 2026,
    horizon_weeks: int = 520,
    large: bool = False,
) -> dict:
    """The ECharts option of one chart: projection, status quo and (if it has weeks) the story run."""
    font, items = FONT_PX[large], chart.series(catalogue)
    story_series = chart_series(story, catalogue, (chart,)) if story is not None and len(story) else {}
    series: list[dict] = []
    for item in items:
        key, colour = f"{chart.key}:{item.label}", css_colour(item.colour)
        if item.points:
            series += _points(item.label, key, colour, projection, status_quo, chart.log)
            continue
        for source, tint, opacity, dashed, suffix in (
            (projection, colour, BAND_OPACITY, False, ""),  # first: the legend's icon takes its colour
            (status_quo, BASELINE_COLOUR, BASELINE_BAND_OPACITY, True, " (status quo)"),
        ):
            band = source.band(key) if source is not None else None
            if band is None:
                continue
            series.append(
                _line(item.label, pairs(band.x, band.median, chart.log), tint, 1.5 if dashed else 2.2, dashed, z=3)
            )
            series += _band(item.label, band, tint, opacity, f"{key}{suffix}", chart.log)
        if key in story_series:
            x, y = story_series[key]
            series.append(_line(item.label, pairs(x, y, chart.log), colour, 1, z=4))
    return {
        "animation": False,
        "title": {"text": chart.heading, "left": 4, "top": 0, "textStyle": {"fontSize": TITLE_PX[large]}},
        "legend": {
            "data": [item.label for item in items],
            "top": TITLE_PX[large] + 10,
            "left": 4,
            "type": "scroll",
            "textStyle": {"fontSize": font},
        },
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": font}, "confine": True},
        "grid": {"left": 8, "right": 16, "top": TITLE_PX[large] + font + 30, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "time",
            "min": epoch_ms(start_year),
            "max": epoch_ms(start_year + horizon_weeks / 52),
            "axisLabel": {"fontSize": font},
        },
        "yAxis": _y_axis(chart, font),
        "series": series,
    }


def _y_axis(chart: Chart, font: int) -> dict:
    """The value axis: log or linear; the table's range unless the chart rescales to its data."""
    axis: dict[str, Any] = {"type": "log" if chart.log else "value", "axisLabel": {"fontSize": font}}
    if not chart.rescale:
        axis["min"], axis["max"] = chart.y_range
    elif chart.log:
        axis["min"] = chart.y_range[0]
    return axis


def _points(
    label: str, key: str, colour: str, projection: Projection | None, status_quo: Projection | None, log: bool
) -> list[dict]:
    """Events as points: the projection's members in colour, the status quo's in grey."""
    series = []
    for source, tint in ((status_quo, BASELINE_COLOUR), (projection, colour)):
        if source is None:
            continue
        x, y = source.points(key)
        series.append(
            {
                "type": "scatter",
                "name": label,
                "data": pairs(x, y, log),
                "symbolSize": 7,
                "itemStyle": {"color": tint, "opacity": 0.6},
            }
        )
    return series

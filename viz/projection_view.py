"""The explorer's projection on the page: headline outcomes against the status quo, and the interactive charts.

Both read a `Projection` of the visitor's scenario and one of the status quo with the same seeds
(`viz.projection`). Charts are ECharts figures, one per entry of `viz.charts.CHARTS`, in a grid
that stacks to one column on a phone (and in large mode, for projecting).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import solara

from model.profiles import RegistryCatalogue
from viz.chart_options import chart_option
from viz.charts import CHARTS, Chart
from viz.echarts_legend import FigureEcharts, option_text
from viz.headlines import CARDS, HEADLINES, MONEY_SOURCES, Headline
from viz.history import RunHistory
from viz.projection import Projection

CHART_HEIGHT_PX = {False: 320, True: 540}
GRID_STYLE = {
    False: {
        "display": "grid",
        "grid-template-columns": "repeat(auto-fill, minmax(min(100%, 460px), 1fr))",
        "gap": "12px",
    },
    True: {"display": "grid", "grid-template-columns": "1fr", "gap": "16px"},
}
CARD_STYLE = {"min-width": "170px", "flex": "1 1 170px", "padding": "8px 12px", "border-radius": "6px"}


def spread(values: np.ndarray) -> tuple[float, float, float]:
    """The 10%, median and 90% of values over members (NaN if there are none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (float("nan"),) * 3
    low, mid, high = np.quantile(values, (0.1, 0.5, 0.9))
    return float(low), float(mid), float(high)


def paired_difference(key: str, projection: Projection, status_quo: Projection) -> np.ndarray:
    """This scenario minus the status quo, member by member (the same seeds: common random numbers)."""
    shared = sorted(set(projection.members) & set(status_quo.members))
    return np.array(
        [projection.members[k].headlines[key] - status_quo.members[k].headlines[key] for k in shared], dtype=float
    )


def verdict(headline: Headline, difference: float) -> str:
    """'better', 'worse' or 'same' for a median difference against the status quo."""
    if not np.isfinite(difference) or abs(difference) < 1e-9 or headline.higher_is_better is None:
        return "same" if np.isfinite(difference) and abs(difference) < 1e-9 else "neutral"
    return "better" if (difference > 0) == headline.higher_is_better else "worse"


VERDICT_COLOURS = {"better": "#e8f5e9", "worse": "#fdecea", "same": "#f4f4f4", "neutral": "#eef3fb"}


def headline_lines(headline: Headline, projection: Projection, status_quo: Projection) -> tuple[str, str, str, str]:
    """The card's texts: value with range, status quo, difference with its range, and the verdict."""
    low, mid, high = spread(projection.headline(headline.key))
    _, base, _ = spread(status_quo.headline(headline.key))
    d_low, d_mid, d_high = spread(paired_difference(headline.key, projection, status_quo))
    show = headline.show
    value = f"{show(mid)} ({show(low)} to {show(high)})"
    sign = "+" if np.isfinite(d_mid) and d_mid > 0 else ""
    change = f"{sign}{show(d_mid)} vs status quo ({show(d_low)} to {show(d_high)})"
    return value, f"status quo {show(base)}", change, verdict(headline, d_mid)


@solara.component
def HeadlineCard(headline: Headline, projection: Projection, status_quo: Projection) -> None:
    """One headline outcome: median and range over seeds, the status quo, and the paired difference."""
    value, base, change, judged = headline_lines(headline, projection, status_quo)
    with solara.Column(
        gap="0px",
        classes=["headline", f"headline-{headline.key}"],
        style={**CARD_STYLE, "background": VERDICT_COLOURS[judged]},
    ):
        solara.Text(headline.title, style={"font-weight": "600", "font-size": "13px"})
        solara.Text(value, classes=[f"headline-value-{headline.key}"], style={"font-size": "18px"})
        solara.Text(f"{headline.units}; {base}", style={"font-size": "12px"})
        solara.Text(change, classes=[f"headline-change-{headline.key}"], style={"font-size": "12px"})
        if headline.key == "money":
            sources = {h.key: h for h in HEADLINES}
            parts = []
            for source in MONEY_SOURCES:
                _, mid, _ = spread(projection.headline(f"money_{source}"))
                parts.append(f"{source.replace('_', ' ')} {sources[f'money_{source}'].show(mid)}")
            solara.Text("from: " + ", ".join(parts), style={"font-size": "12px"})


@solara.component
def Headlines(projection: Projection | None, status_quo: Projection | None) -> None:
    """The headline outcomes pinned above the charts (a note while the first runs finish)."""
    if projection is None or status_quo is None or not projection.members or not status_quo.members:
        solara.Text("Projecting the scenario…", classes=["headline-pending"])
        return
    with solara.Row(gap="8px", style={"flex-wrap": "wrap"}, classes=["headlines"]):
        for headline in CARDS:
            HeadlineCard(headline, projection, status_quo)


@solara.component
def ProjectionChart(
    chart: Chart,
    catalogue: RegistryCatalogue,
    projection: Projection | None,
    status_quo: Projection | None,
    story: RunHistory | None,
    start_year: int,
    horizon_weeks: int,
    large: bool,
    revision: Hashable,
) -> None:
    """One interactive chart (its option is rebuilt and sent, as JSON text, only when `revision` or `large` changes)."""
    option = solara.use_memo(
        lambda: option_text(
            chart_option(chart, catalogue, projection, status_quo, story, start_year, horizon_weeks, large)
        ),
        [revision, large],
    )
    FigureEcharts(option_json=option, attributes={"style": f"height: {CHART_HEIGHT_PX[large]}px; width: 100%"})


@solara.component
def ProjectionCharts(
    catalogue: RegistryCatalogue,
    projection: Projection | None,
    status_quo: Projection | None,
    story: RunHistory | None,
    start_year: int,
    horizon_weeks: int,
    large: bool,
    revision: Hashable,
    charts: tuple[Chart, ...] = CHARTS,
) -> None:
    """Every chart of the table, in a grid that stacks on narrow screens.

    `revision` names what the charts show (the projection's update and the story run's week and scenario): a
    render that leaves it unchanged (a lever change before the new projection's first run, a tab) sends nothing.
    """
    with solara.Div(style=GRID_STYLE[large], classes=["projection-charts"]):
        for chart in charts:
            with solara.Div(classes=["projection-chart", f"chart-{chart.key}"]):
                ProjectionChart(
                    chart, catalogue, projection, status_quo, story, start_year, horizon_weeks, large, revision
                )

"""The explorer's PNG export: the projection's charts as on the page, with a title and the scenario's levers.

One panel per entry of `viz.charts.CHARTS`: each series' median over its 10 to 90% band, the
status quo dashed grey over a grey band, events as points. Drawn with matplotlib's `Figure`
(never pyplot: nothing shared between sessions) at a modest resolution, with margins computed
from the number of lever lines rather than by matplotlib's constrained layout (which drew the figure
several times: a third of the export's time).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.profiles import RegistryCatalogue
from viz.chart_options import BASELINE_COLOUR
from viz.charts import CHARTS, COLUMNS, Chart
from viz.projection import Projection

PANEL_HEIGHT_INCHES = 3.0
FIGURE_WIDTH_INCHES = 14
TITLE_INCHES = 0.6  # the title, above the panels
LEVER_LINE_INCHES = 0.16  # one line of the lever list (9 pt), below the panels
AXIS_LABELS_INCHES = 0.45  # the bottom row's tick labels, above the lever list


def projection_png(
    title: str,
    lever_lines: Sequence[str],
    catalogue: RegistryCatalogue,
    projection: Projection | None,
    status_quo: Projection | None,
    charts: Sequence[Chart] = CHARTS,
    dpi: int = 90,
) -> bytes:
    """The projection's charts as PNG bytes, titled, with the scenario's lever values listed underneath."""
    rows = math.ceil(len(charts) / COLUMNS)
    lines = list(lever_lines) or ["levers: as the preset"]
    levers_inches = LEVER_LINE_INCHES * len(lines) + 0.2
    height = PANEL_HEIGHT_INCHES * rows + TITLE_INCHES + AXIS_LABELS_INCHES + levers_inches
    figure = Figure(figsize=(FIGURE_WIDTH_INCHES, height), dpi=dpi)
    figure.subplots_adjust(
        left=0.05,
        right=0.99,
        top=1 - TITLE_INCHES / height,
        bottom=(AXIS_LABELS_INCHES + levers_inches) / height,
        hspace=0.55,
        wspace=0.12,
    )
    FigureCanvasAgg(figure)
    grid = list(figure.subplots(rows, COLUMNS, squeeze=False).flat)
    for unused in grid[len(charts) :]:
        unused.set_visible(False)
    for chart, ax in zip(charts, grid):
        _panel(ax, chart, catalogue, projection, status_quo)
    figure.suptitle(title, fontsize=14, x=0.01, y=1 - 0.1 / height, ha="left", va="top")
    figure.text(0.01, 0.1 / height, "\n".join(lines), fontsize=9, ha="left", va="bottom")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel(
    ax, chart: Chart, catalogue: RegistryCatalogue, projection: Projection | None, status_quo: Projection | None
):
    """One chart: the scenario's bands and medians over the status quo's."""
    ax.set_title(chart.heading, fontsize=11, loc="left")
    ax.tick_params(labelsize=9)
    ax.grid(alpha=0.3)
    if chart.log:
        ax.set_yscale("log")
    for item in chart.series(catalogue):
        key = f"{chart.key}:{item.label}"
        for source, colour, dashed in ((status_quo, BASELINE_COLOUR, True), (projection, item.colour, False)):
            if source is None:
                continue
            if item.points:
                x, y = source.points(key)
                ax.scatter(x, y, s=14, color=colour, alpha=0.6, label=None if dashed else item.label)
                continue
            band = source.band(key)
            if band is None:
                continue
            ax.fill_between(band.x, band.low, band.high, color=colour, alpha=0.12 if dashed else 0.2, lw=0)
            ax.plot(
                band.x,
                band.median,
                color=colour,
                lw=1.2 if dashed else 1.8,
                ls="--" if dashed else "-",
                label=None if dashed else item.label,
            )
    if not chart.rescale:
        ax.set_ylim(*chart.y_range)
    ax.legend(fontsize=8, ncols=min(5, len(chart.series(catalogue))), loc=chart.legend_loc)

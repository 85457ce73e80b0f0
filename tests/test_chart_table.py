"""The explorer's chart table: a chart is one entry, and a new entry is drawn as a panel of its own."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from viz.charts import CHARTS, Chart, ChartBoard, line, metric
from viz.session import ExplorerSession

MAGENTA = (255, 0, 255)
HARM = Chart(
    "harm",
    "Corporate malware harm",
    "USD M per week",
    lambda catalogue: (line("this run", "#ff00ff", metric("corporate_harm_usd", scale=1e-6), width=3),),
    y_range=(0, 0.001),
    rescale=True,
)


def magenta_pixels(board: ChartBoard, key: str) -> int:
    """How many pure-magenta pixels the PNG has inside one chart's panel."""
    image = np.asarray(Image.open(io.BytesIO(board.png())).convert("RGB"))
    box = board.axes[key].get_window_extent()
    height = image.shape[0]
    panel = image[int(height - box.y1) : int(height - box.y0), int(box.x0) : int(box.x1)]
    return int(np.all(panel == MAGENTA, axis=-1).sum())


def test_every_chart_of_the_table_is_a_visible_panel_with_its_title_and_units():
    board = ChartBoard(2026, 520)
    assert list(board.axes) == [chart.key for chart in CHARTS]
    for chart in CHARTS:
        ax = board.axes[chart.key]
        assert ax.get_visible() and ax.get_title(loc="left") == f"{chart.title} ({chart.units})"


def test_an_eighth_chart_is_one_entry_and_is_drawn():
    """Adding an entry to the table adds a visible panel, with the run's data from the frames' columns, drawn."""
    session = ExplorerSession(years=2)
    board = ChartBoard(session.params.start_year, session.horizon_weeks, charts=(*CHARTS, HARM))
    assert len(board.axes) == len(CHARTS) + 1 and all(ax.get_visible() for ax in board.axes.values())
    board.update(session.history, None)
    legend_only = magenta_pixels(board, "harm")  # at week 0 only the legend's sample of the line
    session.step(60)
    board.update(session.history, session.baseline)
    harm = board.lines["harm:this run"]
    assert len(harm.get_xdata()) == 60
    assert np.allclose(harm.get_ydata(), np.asarray(session.model.datacollector.model_vars["corporate_harm_usd"]) / 1e6)
    assert magenta_pixels(board, "harm") > legend_only + 100  # the line is on the page, in its own panel
    for key in board.axes:
        if key != "harm":
            assert magenta_pixels(board, key) == 0
    assert board.full_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_keys_are_unique():
    with pytest.raises(ValueError, match="unique"):
        ChartBoard(2026, 52, charts=(*CHARTS, CHARTS[0]))


def test_an_eighth_chart_is_drawn_in_the_projection_grid():
    """The explorer's interactive grid draws one ECharts figure per entry, the new entry's with its data."""
    import solara
    from solara.components.echarts import EchartsWidget

    from model.catalogue import REGISTRIES
    from viz.projection import Projection, Scenario, run_member
    from viz.projection_view import ProjectionCharts

    scenario = Scenario(horizon_weeks=40)
    charts = (*CHARTS, HARM)
    projection = Projection(scenario, size=1)
    projection.members[0] = run_member(scenario, 0, charts)
    _, rc = solara.render(
        ProjectionCharts(REGISTRIES, projection, projection, None, 2026, 40, False, 1, charts=charts),
        handle_error=False,
    )
    options = [json.loads(figure.option_json) for figure in rc.find(EchartsWidget).widgets]
    assert [option["title"]["text"] for option in options] == [chart.heading for chart in charts]
    harm = [entry for entry in options[-1]["series"] if entry["lineStyle"]["color"] == "#ff00ff"]
    assert harm and any(point[1] for entry in harm for point in entry["data"])  # the run's harm is plotted

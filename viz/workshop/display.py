"""Display parts of the workshop pages: images (charts, QR codes, the loop diagram), the countdown, role tiles, print.

Images are `data:` addresses of SVG drawn on the server from repository data and numbers, shown
with an `<img>` element: nothing in them is markup the page would run. The countdown, tiles and
print button are small Vue components whose participant text (team names) is data shown as text.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import reacton.ipyvuetify as v
import solara


@solara.component
def Picture(address: str, alt: str, classes: str = "bt-picture") -> solara.Element:
    """An image from a `data:` address (a chart, a QR code, the loop diagram), scaled to its container."""
    return v.Html(tag="img", attributes={"src": address, "alt": alt, "title": alt}, class_=classes)


@solara.component
def SharedPicture(room: Any, chart: Any, alt: str, classes: str = "bt-picture") -> solara.Element:
    """A room's chart (`charts.Chart`): shown at once if a page drew it already, else drawn in the background.

    Until the new picture is ready the page keeps the one it showed before (last year's), so the
    rest of the page never waits for a drawing; the drawing starts once every open page of the
    room shows the new state (`live.wait_for_pages`), so the text of 40 pages does not wait
    behind it either. Without live updates (headless tests) it draws at once.
    """
    from viz.workshop import charts, live

    ready = charts.drawn(room, chart.state, chart.key)
    later, set_later = solara.use_state(None)
    background = live.LIVE_UPDATES and ready is None

    def draw(cancel: threading.Event) -> None:
        """Once every page shows the new state, draw (or wait for another page drawing) the chart, then show it."""
        live.wait_for_pages(room, cancel)
        if cancel.is_set():
            return
        address = chart.address(room)
        if not cancel.is_set():
            set_later(address)

    solara.use_thread(draw if background else _nothing, dependencies=[chart.state, chart.key, background])
    address = ready or (later if background else chart.address(room))
    if address is None:
        return solara.Div(children=["Drawing the chart…"], classes=["bt-chart-wait"])
    return Picture(address, alt, classes)


def _nothing(cancel: Any) -> None:
    """A background task with nothing to do."""


@solara.component_vue("countdown.vue")
def _Countdown(deadline_unix: Any, server_now_unix: float, idle_text: str) -> None:
    """The round timer ticking in the browser."""


@solara.component
def Countdown(deadline_unix: float | None, idle_text: str = "no timer") -> solara.Element:
    """Minutes and seconds left until `deadline_unix` (server clock), counted down every second in the browser."""
    return _Countdown(deadline_unix=deadline_unix, server_now_unix=time.time(), idle_text=idle_text)


@solara.component_vue("tiles.vue")
def Tiles(tiles: list) -> None:
    """Role tiles: dicts with role, label, team, state ('in', 'deciding', 'model'), state_text and colour."""


@solara.component_vue("print_button.vue")
def PrintButton(label: str) -> None:
    """A button that opens the browser's print dialog (hidden on paper)."""

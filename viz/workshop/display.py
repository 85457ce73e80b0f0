"""Display parts of the workshop pages: images (charts, QR codes, the loop diagram), the countdown, role tiles, print.

Images are `data:` addresses of SVG drawn on the server from repository data and numbers, shown
with an `<img>` element: nothing in them is markup the page would run. The countdown, tiles and
print button are small Vue components whose participant text (team names) is data shown as text.
"""

from __future__ import annotations

import time
from typing import Any

import reacton.ipyvuetify as v
import solara


@solara.component
def Picture(address: str, alt: str, classes: str = "bt-picture") -> solara.Element:
    """An image from a `data:` address (a chart, a QR code, the loop diagram), scaled to its container."""
    return v.Html(tag="img", attributes={"src": address, "alt": alt, "title": alt}, class_=classes)


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

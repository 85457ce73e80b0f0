"""The projector view: readable from the back of a room on a 1024x768 or 1920x1080 screen; no key, no controls.

Top: the giant join code (no look-alike characters), the join link and its QR code, the round
and a countdown ticking every second in the browser. Then a tile per role (who is still
deciding), and three large charts of the room's key stocks, drawn once per round for the room.
"""

from __future__ import annotations

from typing import Any

import solara

from viz.workshop import charts
from viz.workshop.console import role_colour, spaced_code
from viz.workshop.display import Countdown, Picture, SharedPicture, Tiles
from viz.workshop.links import room_link
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.panels import round_title
from viz.workshop.qr import qr_address
from viz.workshop.room import WorkshopRoom


def tiles(room: WorkshopRoom, snap: dict[str, Any]) -> list[dict[str, str]]:
    """A tile per role: its team (or the model) and whether its decision for the coming round is in."""
    out = []
    for role in room.roles.roles:
        team = snap["teams"].get(role)
        if team is None:
            state, text = "model", "played by the model"
        elif snap["finished"]:
            state, text = "in", "game over"
        elif role in snap["submitted"]:
            state, text = "in", "✓ decision in"
        else:
            state, text = "deciding", "… still deciding"
        out.append(
            {
                "role": role,
                "label": room.roles.labels[role],
                "team": team or "",
                "state": state,
                "state_text": text,
                "colour": role_colour(room, role),
            }
        )
    return out


@solara.component
def ScreenView(room: WorkshopRoom, router: Any = None) -> None:
    """What to project for the room."""
    version = use_room_version(room)
    snap = room.snapshot()
    join = room_link(router, {"room": room.code})
    StoreProblem(room.store, version)
    with solara.Div(classes=["bt-screen-top"]):
        with solara.Column(gap="0px"):
            solara.Div(children=[f"Join room “{room.name}” with this code"], classes=["bt-screen-label"])
            solara.Div(children=[spaced_code(room.code)], classes=["bt-screen-code"])
            solara.Div(children=[join], classes=["bt-screen-url"])
        Picture(qr_address(join), "QR code of the join link", classes="bt-screen-qr")
        with solara.Column(gap="0px"):
            solara.Div(children=[round_title(snap)], classes=["bt-screen-round"])
            if not snap["finished"]:
                Countdown(snap["deadline_unix"], idle_text="no timer running")
    Tiles(tiles=tiles(room, snap))
    ScreenCharts(room, version)


@solara.component
def ScreenCharts(room: WorkshopRoom, version: float = 0) -> None:
    """Three large charts of the room's key stocks (the same picture for every projector of the room)."""
    pictures = charts.screen_charts(room)
    if not pictures:
        solara.Div(children=["The charts appear once the first year is played."], classes=["bt-screen-wait"])
        return
    with solara.Div(classes=["bt-screen-charts"]):
        for chart in pictures:
            SharedPicture(room, chart, chart.title)

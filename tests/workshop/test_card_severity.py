"""The facilitator sees the chosen event card's severity note, taken from the model's shock catalogue."""

from __future__ import annotations

import ipyvuetify
import solara
from solara.server import kernel_context

from model.shocks import SHOCKS
from viz.workshop import app
from viz.workshop.room import RoomManager


def texts(widget) -> str:
    """Every string in a widget tree."""
    import ipywidgets

    found = [getattr(widget, name) for name in ("value", "v_model") if isinstance(getattr(widget, name, None), str)]
    for child in getattr(widget, "children", None) or []:
        found.append(texts(child) if isinstance(child, ipywidgets.Widget) else str(child))
    return " ".join(found)


def test_the_facilitator_view_shows_the_chosen_cards_severity(tmp_path, monkeypatch):
    manager = RoomManager.open(tmp_path / "severity.sqlite3")
    monkeypatch.setattr(app, "_manager", manager)
    monkeypatch.setattr(app, "LIVE_UPDATES", False)
    context = kernel_context.VirtualKernelContext(id="severity", kernel=kernel_context.Kernel(), session_id="s1")
    try:
        with context:
            room, key = manager.create_room(seed=3, rounds_total=2)
            box, rc = solara.render(app.FacilitatorView(room, key, router=None), handle_error=False)
            try:
                assert SHOCKS["worm"].severity in texts(box)
                rc.find(ipyvuetify.Select, label="Event card").widget.v_model = "cdn_leaves"
                assert SHOCKS["cdn_leaves"].severity in texts(box)
                assert SHOCKS["worm"].severity not in texts(box)
            finally:
                rc.close()
    finally:
        manager.close()

"""Headless component tests of the workshop pages (solara.render, one virtual kernel per test)."""

from __future__ import annotations

import threading

import ipyvuetify
import pytest
import solara
from solara.server import kernel_context

from viz.workshop import app
from viz.workshop.room import RoomManager

solara_render = solara.render


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    """A fresh room manager for the app, live updates off, inside a private virtual kernel.

    Afterwards every page rendered in the test is unmounted (cancelling its watcher thread) and
    those threads are joined before the database closes, so none outlives the test.
    """
    manager = RoomManager.open(tmp_path / "pages.sqlite3")
    monkeypatch.setattr(app, "_manager", manager)
    monkeypatch.setattr(app, "LIVE_UPDATES", False)
    rendered = []

    def render(element, **kwargs):
        """solara.render, remembering the render context to close it at the end."""
        box, rc = solara_render(element, **kwargs)
        rendered.append(rc)
        return box, rc

    monkeypatch.setattr(solara, "render", render)
    threads_before = set(threading.enumerate())
    context = kernel_context.VirtualKernelContext(id="workshop-test", kernel=kernel_context.Kernel(), session_id="s1")
    with context:
        yield manager
        for rc in rendered:
            rc.close()
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)
        assert not thread.is_alive(), f"thread {thread.name} still running after the test"
    manager.close()


def texts(widget) -> str:
    """Every string in a widget tree (Markdown sources, values, text children)."""
    import ipywidgets

    found = [
        getattr(widget, name) for name in ("md", "value", "template") if isinstance(getattr(widget, name, None), str)
    ]
    for child in getattr(widget, "children", None) or []:
        found.append(texts(child) if isinstance(child, ipywidgets.Widget) else str(child))
    return " ".join(found)


def _button(rc, label: str):
    """The button with this label."""
    return rc.find(ipyvuetify.Btn, children=[label]).widget


def test_team_dashboard_submits_for_its_role_and_reports_errors(rooms):
    """A team's form submits its own role's decision; a bad value shows a one-line error, nothing stored."""
    room, _key = rooms.create_room(seed=1, rounds_total=3)
    token = room.join("npm", "Nodes")
    _box, rc = solara.render(app.TeamView(room, token, "npm", router=None), handle_error=False)
    fee = rc.find(ipyvuetify.TextField, label="Fee per new package published (USD). [per_package_fee_usd]").widget
    fee.v_model = "150"
    _button(rc, "Submit decisions").click()
    assert rc.find(ipyvuetify.Alert).widgets and "per_package_fee_usd" in str(
        rc.find(ipyvuetify.Alert).widgets[-1].children
    )
    assert room.decisions_for(1) == {}
    fee.v_model = "12.5"
    _button(rc, "Submit decisions").click()
    assert room.decisions_for(1)["npm"]["per_package_fee_usd"] == 12.5


def test_facilitator_view_advances_and_draws(rooms):
    """The facilitator's buttons draw a card and advance a year; the scoreboard appears."""
    room, key = rooms.create_room(seed=2, rounds_total=3)
    room.join("pypi", "Snakes")
    _box, rc = solara.render(app.FacilitatorView(room, key, router=None), handle_error=False)
    _button(rc, "Draw event card").click()
    assert len(room.events(include_upcoming=True)) == 1
    _button(rc, "Advance one year").click()
    assert room.current_round == 1
    assert rc.find(ipyvuetify.Alert, children=["Played 2026"]).widget
    assert rc.find(children=["Scoreboard"]) is not None
    assert room.scoreboard()["rounds"] == 1


def test_debrief_renders_after_a_round(rooms):
    """The debrief draws one chart per registry plus the ecosystem after a year is played."""
    room, key = rooms.create_room(seed=3, rounds_total=2)
    token = room.join("crates", "Crabs")
    room.submit(token, "crates", {"extra_security_fte": 2})
    room.advance(key)
    _box, rc = solara.render(app.Debrief(room, router=None), handle_error=False)
    import ipywidgets

    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 6 and all(len(image.value) > 1000 for image in images)


def test_a_team_page_updates_when_another_team_submits(rooms, monkeypatch):
    """With live updates on, a rendered team page shows another team's statement without any action of its own."""
    import time

    monkeypatch.setattr(app, "LIVE_UPDATES", True)
    room, _key = rooms.create_room(seed=6, rounds_total=2)
    reader = room.join("npm", "Nodes")
    speaker = room.join("developers", "Devs")
    box, _rc = solara.render(app.TeamView(room, reader, "npm", router=None), handle_error=False)

    assert "keep publishing free" not in texts(box)
    room.submit(speaker, "developers", {"statement": "keep publishing free"})
    deadline = time.monotonic() + 10
    while "keep publishing free" not in texts(box) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "keep publishing free" in texts(box)


def test_projector_view_shows_who_is_still_deciding(rooms):
    """The read-only screen view lists teams that have not submitted and has no controls."""
    room, key = rooms.create_room(seed=7, rounds_total=2)
    crates = room.join("crates", "Crabs")
    room.join("maven", "Owls")
    room.submit(crates, "crates", {})
    box, rc = solara.render(app.ScreenView(room), handle_error=False)
    assert not rc.find(ipyvuetify.Btn).widgets
    shown = texts(box)
    assert "Still deciding:  Maven Central board" in shown and key not in shown

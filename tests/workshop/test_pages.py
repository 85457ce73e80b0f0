"""Headless component tests of the workshop pages (solara.render, one virtual kernel per test)."""

from __future__ import annotations

import threading

import ipyvuetify
import pytest
import solara
from solara.server import kernel_context

from viz.workshop import app, briefing, live
from viz.workshop.console import FacilitatorView
from viz.workshop.debrief import Debrief
from viz.workshop.room import RoomManager
from viz.workshop.screen import ScreenView
from viz.workshop.team import TeamView

solara_render = solara.render


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    """A fresh room manager for the app, live updates off, inside a private virtual kernel.

    Afterwards every page rendered in the test is unmounted (cancelling its watcher thread) and
    those threads are joined before the database closes, so none outlives the test.
    """
    manager = RoomManager.open(tmp_path / "pages.sqlite3")
    monkeypatch.setattr(app, "_manager", manager)
    monkeypatch.setattr(live, "LIVE_UPDATES", False)
    monkeypatch.setattr(briefing, "PROJECTIONS", False)
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
    """Every string in a widget tree (Markdown sources, values, text children, the data of Vue tables and tiles)."""
    import json

    import ipywidgets

    found = [
        getattr(widget, name) for name in ("md", "value", "template") if isinstance(getattr(widget, name, None), str)
    ]
    for name in ("rows", "columns", "items", "tiles"):
        data = getattr(widget, name, None)
        if isinstance(data, (list, tuple)) and name in getattr(widget, "keys", ()):
            found.append(json.dumps(data, ensure_ascii=False))
    for child in getattr(widget, "children", None) or []:
        found.append(texts(child) if isinstance(child, ipywidgets.Widget) else str(child))
    return " ".join(found)


def _button(rc, label: str):
    """The button with this label."""
    return rc.find(ipyvuetify.Btn, children=[label]).widget


def test_team_dashboard_submits_for_its_role_and_reports_errors(rooms):
    """A team's form submits its own role's decision; a bad value shows a one-line error in words, nothing stored."""
    room, _key = rooms.create_room(seed=1, rounds_total=3)
    token = room.join("npm", "Nodes")
    _box, rc = solara.render(TeamView(room, token, "npm", router=None), handle_error=False)
    fee = rc.find(ipyvuetify.TextField, id="bt-field-per_package_fee_usd").widget
    for typed, problem in (("150", "is outside the allowed 0 to 100 USD"), ("lots", "'lots' is not a number")):
        fee.v_model = typed
        _button(rc, "Submit decisions").click()
        message = str(rc.find(ipyvuetify.Alert).widgets[-1].children)
        assert "Fee per new package published" in message and problem in message, message
        assert "per_package_fee_usd" not in message
    assert room.decisions_for(1) == {}
    fee.v_model = "12.5"
    _button(rc, "Submit decisions").click()
    assert room.decisions_for(1)["npm"]["per_package_fee_usd"] == 12.5


def test_a_live_form_keeps_working_after_a_year_is_played(rooms, monkeypatch):
    """A page left open across Advance edits and submits the new round's decision (its fields' callbacks follow the draft)."""
    import time

    monkeypatch.setattr(live, "LIVE_UPDATES", True)
    room, key = rooms.create_room(seed=1, rounds_total=3)
    token = room.join("npm", "Nodes")
    box, rc = solara.render(TeamView(room, token, "npm", router=None), handle_error=False)
    field = "bt-field-per_package_fee_usd"
    rc.find(ipyvuetify.TextField, id=field).widget.v_model = "3"
    _button(rc, "Submit decisions").click()
    room.advance(key)
    started = time.monotonic()
    live.wait_for_pages(room, threading.Event(), timeout_s=20)  # the page has drawn the new round
    assert time.monotonic() - started < 20 and "Round 2 of" in texts(box)
    rc.find(ipyvuetify.TextField, id=field).widget.v_model = "7"
    rc.find(ipyvuetify.TextField, id="bt-field-extra_security_fte").widget.v_model = "2"
    _button(rc, "Submit decisions").click()
    assert room.decisions_for(2)["npm"]["per_package_fee_usd"] == 7
    assert room.decisions_for(2)["npm"]["extra_security_fte"] == 2  # two quick changes both count
    assert room.decisions_for(1)["npm"]["per_package_fee_usd"] == 3


def test_form_labels_are_words_tied_to_their_inputs(rooms):
    """Every field's label is its description in words with what it allows, a <label for> of its input."""
    room, _key = rooms.create_room(seed=1, rounds_total=3)
    shown = []
    for role in ("pypi", "umbrella", "developers"):
        token = room.join(role, f"Team {role}")
        _box, rc = solara.render(TeamView(room, token, role, router=None), handle_error=False)
        labels = {w.attributes["for"]: texts(w) for w in rc.find(ipyvuetify.Html, tag="label").widgets}
        fields = room.roles.forms[role].model_fields
        for name in fields:
            if fields[name].annotation is bool:
                label = rc.find(ipyvuetify.Checkbox, id=f"bt-field-{name}").widget.label
            else:
                label = labels[f"bt-field-{name}"]
                assert rc.find(id=f"bt-field-{name}").widgets, name
            assert name not in label and "[" not in label, label
            shown.append(label)
        rc.close()
    assert "Relative weight of PyPI's grant 0 to 10" in shown
    assert "Fee per new package published 0 to 100 USD" in shown


def test_a_submitted_banner_speaks_only_of_the_round_being_played(rooms):
    """After a year is played, a team that had submitted sees the new round's state, not 'Submitted for round 1'."""
    room, key = rooms.create_room(seed=1, rounds_total=3)
    token = room.join("crates", "Crabs")
    box, rc = solara.render(TeamView(room, token, "crates", router=None), handle_error=False)
    _button(rc, "Submit decisions").click()
    assert "Submitted for round 1" in texts(box)
    rc.close()
    box, rc = solara.render(TeamView(room, token, "crates", router=None), handle_error=False)
    assert "Your decision for round 1 is in" in texts(box)
    room.advance(key)
    rc.close()
    box, rc = solara.render(TeamView(room, token, "crates", router=None), handle_error=False)
    shown = texts(box)
    assert "round 1" not in shown.replace("round 1 of", "") and "round 2 is not in yet" in shown


def test_facilitator_view_advances_after_confirming_and_undoes(rooms):
    """Advance asks first; Yes plays the year; Undo (also confirmed) takes it back; Cancel does nothing."""
    room, key = rooms.create_room(seed=2, rounds_total=3)
    room.join("pypi", "Snakes")
    box, rc = solara.render(FacilitatorView(room, key, router=None), handle_error=False)
    _button(rc, "Draw event card").click()
    assert len(room.events(include_upcoming=True)) == 1
    _button(rc, "Advance one year").click()
    assert room.current_round == 0 and "Still deciding" in texts(box)
    _button(rc, "Cancel").click()
    _button(rc, "Advance one year").click()
    _button(rc, "Yes, play the year").click()
    assert room.current_round == 1
    assert rc.find(ipyvuetify.Alert, children=["Played 2026"]).widget
    assert rc.find(children=["Scoreboard"]) is not None
    _button(rc, "Undo 2026").click()
    _button(rc, "Yes, undo 2026").click()
    assert room.current_round == 0 and room.results() == {}
    assert len(room.events(include_upcoming=True)) == 1  # the card drawn before the Advance stays


def test_console_makes_a_new_team_link_with_its_qr_code(rooms):
    """New link: the old token stops working, the console shows the new link and a QR code of it."""
    room, key = rooms.create_room(seed=2, rounds_total=3)
    old = room.join("npm", "Nodes")
    box, rc = solara.render(FacilitatorView(room, key, router=None), handle_error=False)
    _button(rc, "New link").click()
    _button(rc, "Make the new link").click()
    shown = texts(box)
    assert "New link for npm board" in shown
    new = shown.split("team=")[1].split()[0].split("&")[0]
    assert room.team_for(new)["team_name"] == "Nodes"
    with pytest.raises(app.WorkshopError, match="replaced this team link"):
        room.team_for(old)
    qr_images = [w for w in rc.find(ipyvuetify.Html, tag="img").widgets if "QR code" in w.attributes["alt"]]
    assert len(qr_images) == 2  # the join link's and the new team link's


def test_role_menu_names_roles_and_greys_out_taken_ones(rooms):
    """The join form lists roles by their names; roles another team holds are disabled."""
    room, _key = rooms.create_room(seed=2, rounds_total=3)
    room.join("pypi", "Snakes")
    _box, rc = solara.render(app.Landing(router=None, code=room.code), handle_error=False)
    items = rc.find(ipyvuetify.Select, label="Role").widget.items
    assert [item["value"] for item in items] == list(room.roles.roles)
    assert items[0] == {"text": "PyPI board (taken)", "value": "pypi", "disabled": True}
    assert all(not item["disabled"] and item["text"] == room.roles.labels[item["value"]] for item in items[1:])
    assert rc.find(ipyvuetify.Select, label="Role").widget.v_model == "npm"


def test_debrief_draws_one_annotated_chart_and_the_loop_diagram(rooms):
    """The replay is one chart with the cards and numbered decision changes; the loop diagram marks what happened."""
    import base64

    room, key = rooms.create_room(seed=3, rounds_total=2)
    token = room.join("crates", "Crabs")
    room.submit(token, "crates", {"extra_security_fte": 2.0})
    room.schedule_event(key, "worm", {"registry": "npm", "week_of_year": 10})
    room.advance(key)
    box, rc = solara.render(Debrief(room, router=None), handle_error=False)
    images = {w.attributes["alt"]: w.attributes["src"] for w in rc.find(ipyvuetify.Html, tag="img").widgets}
    chart = next(src for alt, src in images.items() if alt.startswith("Runway"))
    svg = base64.b64decode(chart.split(",", 1)[1]).decode()
    assert "Decision changes" in svg and "A worm" in svg and "crates.io board" in svg
    shown = texts(box)
    assert "Security staff paid from own budget, on top of today's: 0 FTE → 2 FTE" in shown
    assert "A worm on npm in week 10" in shown and "extra_security_fte" not in shown
    diagram = next(alt for alt in images if alt.startswith("Causal-loop diagram"))
    assert "R2" in diagram.split(":", 1)[1]  # the worm set the worm loop going


def test_a_team_page_updates_when_another_team_submits(rooms, monkeypatch):
    """With live updates on, a rendered team page shows another team's statement without any action of its own."""
    import time

    monkeypatch.setattr(live, "LIVE_UPDATES", True)
    room, _key = rooms.create_room(seed=6, rounds_total=2)
    reader = room.join("npm", "Nodes")
    speaker = room.join("developers", "Devs")
    box, _rc = solara.render(TeamView(room, reader, "npm", router=None), handle_error=False)

    assert "keep publishing free" not in texts(box)
    room.submit(speaker, "developers", {"statement": "keep publishing free"})
    deadline = time.monotonic() + 10
    while "keep publishing free" not in texts(box) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "keep publishing free" in texts(box)


def test_projector_view_shows_who_is_still_deciding(rooms):
    """The read-only screen view has a tile per role saying who is still deciding, a QR code, and no controls."""
    room, key = rooms.create_room(seed=7, rounds_total=2)
    crates = room.join("crates", "Crabs")
    room.join("maven", "Owls")
    room.submit(crates, "crates", {})
    box, rc = solara.render(ScreenView(room), handle_error=False)
    assert not rc.find(ipyvuetify.Btn).widgets
    shown = texts(box)
    assert key not in shown
    tile_data = next(w.tiles for w in _widgets(box) if hasattr(w, "tiles"))
    tiles = {tile["role"]: tile for tile in tile_data}
    assert tiles["maven"]["state"] == "deciding" and tiles["maven"]["team"] == "Owls"
    assert tiles["crates"]["state"] == "in" and tiles["pypi"]["state"] == "model"
    assert tiles["maven"]["label"] == "Maven Central board"
    assert any("QR code" in w.attributes["alt"] for w in rc.find(ipyvuetify.Html, tag="img").widgets)
    assert "charts appear once the first year is played" in shown
    room.advance(key)
    rc.close()
    box, rc = solara.render(ScreenView(room), handle_error=False)
    charts = [w for w in rc.find(ipyvuetify.Html, tag="img").widgets if "QR" not in w.attributes["alt"]]
    assert [w.attributes["alt"] for w in charts] == [
        "Runway (months of cash)",
        "Malware removal median (hours)",
        "Developers on alternative registries (%)",
    ]


def _widgets(widget):
    """Every widget in a widget tree."""
    import ipywidgets

    yield widget
    for child in getattr(widget, "children", None) or []:
        if isinstance(child, ipywidgets.Widget):
            yield from _widgets(child)


def test_charts_are_drawn_once_per_room_and_round_not_once_per_page(rooms, monkeypatch):
    """Five team pages of one role and two projectors after a year: each chart drawn once, then shared."""
    from viz.workshop import charts

    drawn = []
    original = charts.svg_address
    monkeypatch.setattr(charts, "svg_address", lambda figure: drawn.append(figure) or original(figure))
    room, key = rooms.create_room(seed=8, rounds_total=3)
    token = room.join("rubygems", "Gems")
    room.advance(key)
    pages = [solara.render(TeamView(room, token, "rubygems", router=None), handle_error=False) for _ in range(5)]
    pages += [solara.render(ScreenView(room), handle_error=False) for _ in range(2)]
    assert len(drawn) == 2 + 3  # the team's two charts and the projector's three
    sources = {w.attributes["src"] for _box, rc in pages for w in rc.find(ipyvuetify.Html, tag="img").widgets}
    assert len([s for s in sources if "svg" in s]) >= 5
    room.undo(key)
    room.advance(key)  # a new state of the room: charts drawn afresh
    solara.render(TeamView(room, token, "rubygems", router=None), handle_error=False)
    assert len(drawn) == 2 + 3 + 2

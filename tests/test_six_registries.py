"""A sixth incumbent (NuGet), added as one catalogue entry in this test, reaches every part of the program.

The catalogue is data the model is given: the same entry runs the model, draws the explorer's
charts, plays every workshop card and renders every workshop role's page. Nothing is patched.
"""

from __future__ import annotations

import base64
import threading

import ipyvuetify
import ipywidgets
import numpy as np
import pytest
import solara
from solara.server import kernel_context

from model import RegistryModel, run
from model.catalogue import REGISTRIES
from model.ecosystem import enter
from model.profiles import RegistryEntry, RegistryProfile
from viz.charts import ChartBoard
from viz.session import ExplorerSession
from viz.workshop import app, briefing, live
from viz.workshop.events import CARDS
from viz.workshop.room import RoomManager

#: Test fixture, not sourced: a mid-sized, company-run registry that the umbrella funder may grant to.
NUGET = RegistryEntry(
    profile=RegistryProfile(
        name="nuget",
        label="NuGet",
        downloads_per_week=8e9,
        download_growth_per_year=0.35,
        packages=400_000,
        new_packages_per_week=600,
        uploads_per_week=12_000,
        publishers=80_000,
        malware_share=0.02,
        cdn_share=0.0,
        cdn_contract_end_year=None,
        cloud_credit_cover=0.5,
        cloud_credit_growth_per_year=0.03,
        volunteer_cover=0.2,
        ops_fte=4.0,
        own_security_fte=1.0,
        umbrella_eligible=True,
        reserves_months=9.0,
        corporate_revenue_share=0.2,
        start_balance=1.0,
        reserve_target_months=9.0,
        steward_capacity_multiple=2.0,
        steward_capacity_growth_per_year=0.05,
    ),
    sources={"downloads_per_week": "test fixture"},
    colour="tab:brown",
    dependency_probability=0.4,
    worm_card_weight=0.2,
    board_label="NuGet board",
    board_situation="A test registry: a company runs you with a small team.",
)
SIX = REGISTRIES.with_entry(NUGET)


def test_the_catalogue_defines_names_indices_and_defaults():
    """Names, indices, grant eligibility and registry defaults follow the catalogue."""
    assert SIX.names[-1] == "nuget" and len(SIX.registry_names) == 12
    assert SIX.registry_names.index("nuget-alt") == 11
    assert "nuget" in SIX.grant_eligible and "nuget" not in REGISTRIES
    model = RegistryModel(rng=0, catalogue=SIX)
    assert model.p.fee_registries == SIX.names  # every incumbent charges the fee levers by default
    assert [r.name for r in model.registry_list] == list(SIX.names)
    assert RegistryModel(rng=0).p.fee_registries == REGISTRIES.names  # the shipped catalogue is untouched


def test_a_year_with_six_registries(tmp_path):
    """The model runs a year: NuGet has developers, firms that use it, publishing, accounts and malware."""
    result = run(years=1, seed=0, catalogue=SIX)
    nuget = result.registries[result.registries["registry"] == "nuget"]
    assert len(nuget) == 52 and (nuget["new_packages"] > 0).all() and (nuget["cash_usd"] > 0).all()
    assert nuget["malware_arrivals"].sum() > 0 and nuget["revenue_steward_usd"].sum() > 0

    model = RegistryModel(rng=1, catalogue=SIX, worm_waves_per_year=0.0)
    column = SIX.names.index("nuget")
    assert (model.corporations.dependency_shares[:, column] > 0).any()  # firms depend on it
    assert (model.developers.ecosystem == column).sum() > 0  # developers publish there
    model.shock_worm("nuget")
    model.step()
    assert model.worm_rows[-1]["registry"] == "nuget"
    alternative = enter(model, column)  # its alternative takes the last index
    assert model.index_of(alternative) == 11 and model.registries_by_index[11] is alternative
    model.run_for(4)
    assert alternative.malware.arrivals >= 0 and np.isfinite(alternative.removal_median_hours)


def test_explorer_charts_with_six_registries():
    """The explorer session runs a year and its charts draw a NuGet line over its own baseline."""
    session = ExplorerSession(catalogue=SIX, years=1)
    session.step(52)
    session.fire("worm")
    session.set_lever("fee_registries", "nuget,pypi")
    assert session.params.fee_registries == ("nuget", "pypi") and session.week == 52
    board = ChartBoard(session.params.start_year, session.horizon_weeks, catalogue=SIX)
    board.update(session.history, session.baseline)
    assert len(board.lines["runway:nuget"].get_xdata()) == 52
    assert board.lines["runway:nuget"].get_color() == "tab:brown"
    assert board.png()[:8] == b"\x89PNG\r\n\x1a\n"


def texts(widget) -> str:
    """Every string in a widget tree (Markdown sources, values, text children)."""
    found = [
        getattr(widget, name) for name in ("md", "value", "template") if isinstance(getattr(widget, name, None), str)
    ]
    for child in getattr(widget, "children", None) or []:
        found.append(texts(child) if isinstance(child, ipywidgets.Widget) else str(child))
    return " ".join(found)


@pytest.fixture
def six_rooms(tmp_path, monkeypatch):
    """A room manager playing the six registries, as the workshop app's manager, inside a virtual kernel."""
    manager = RoomManager.open(tmp_path / "six.sqlite3", catalogue=SIX)
    monkeypatch.setattr(app, "_manager", manager)
    monkeypatch.setattr(live, "LIVE_UPDATES", False)
    monkeypatch.setattr(briefing, "PROJECTIONS", False)
    rendered = []
    threads_before = set(threading.enumerate())
    context = kernel_context.VirtualKernelContext(id="six-test", kernel=kernel_context.Kernel(), session_id="s6")
    with context:
        yield manager, rendered
        for rc in rendered:
            rc.close()
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)
    manager.close()


def test_workshop_plays_every_card_and_renders_every_role(six_rooms):
    """Every card is played (a worm at NuGet too) and every role's page renders, NuGet's board included."""
    manager, rendered = six_rooms
    room, key = manager.create_room("Six", seed=5, rounds_total=3)
    assert "nuget" in room.roles.roles and "weight_nuget" in room.roles.forms["umbrella"].model_fields
    tokens = {role: room.join(role, f"team {role}") for role in room.roles.roles}
    room.submit(tokens["nuget"], "nuget", {"per_package_fee_usd": 5, "paid_tier": True})
    room.submit(tokens["umbrella"], "umbrella", {"allocation": "weights", "weight_nuget": 3})
    for card in CARDS:
        payload = {"registry": "nuget", "week_of_year": 10} if card == "worm" else None
        room.schedule_event(key, card, payload)
    summary = room.advance(key)
    assert "nuget" in summary["registries"] and summary["worm_outbreaks"] >= 1
    assert room.teams_run.model.p.fee_registries == ("nuget",)
    assert room.teams_run.model.umbrella_funders[0].allocation_weights["nuget"] == 3
    room.draw_event(key)
    room.advance(key)
    assert "nuget" in room.scoreboard()["rows"]
    for role, token in tokens.items():
        box, rc = solara.render(app.TeamView(room, token, role, router=None), handle_error=False)
        rendered.append(rc)
        assert f"{room.roles.labels[role]} — team team {role}" in texts(box)
    box, rc = solara.render(app.Debrief(room, {"room": room.code, "key": key, "view": "debrief"}), handle_error=False)
    rendered.append(rc)
    chart = next(w for w in rc.find(ipyvuetify.Html, tag="img").widgets if w.attributes["alt"].startswith("Runway"))
    assert "NuGet" in base64.b64decode(chart.attributes["src"].split(",", 1)[1]).decode()  # a line per registry
    _box, rc = solara.render(app.FacilitatorView(room, key, router=None), handle_error=False)
    rendered.append(rc)

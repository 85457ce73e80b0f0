"""Round 0 briefing: starting numbers at once, the status-quo projection computed once per room, off the page."""

from __future__ import annotations

import time

from model.ensemble import run_ensemble
from viz.workshop import briefing
from viz.workshop.room import RoomManager


def test_the_projection_summarises_the_status_quo_by_year_end():
    """Medians per year end, and runs in receivership never fall from one year to the next."""
    ensemble = run_ensemble(
        "status-quo", years=3, seeds=2, workers=1, root_seed=4, receivership_instead_of_shutdown=True
    )
    ahead = briefing.summarise(ensemble, 3)
    assert ahead["years"] == [2026, 2027, 2028] and ahead["runs"] == 2
    for row in ahead["registries"].values():
        assert len(row["runway_months"]) == 3 and all(v >= 0 for v in row["runway_months"])
        assert row["receivership_runs"] == sorted(row["receivership_runs"]) and row["receivership_runs"][-1] <= 2
    assert len(ahead["corporate_harm_usd"]) == 3


def test_a_room_computes_its_projection_once_in_the_background_and_tells_its_pages(tmp_path, monkeypatch):
    """The first call returns at once (None); the room's pages are told when it is ready; later calls reuse it."""
    monkeypatch.setattr(briefing, "ENSEMBLE_SEEDS", 2)
    monkeypatch.setattr(briefing, "ENSEMBLE_WORKERS", 1)
    calls = []
    real = briefing.run_ensemble
    monkeypatch.setattr(briefing, "run_ensemble", lambda *a, **k: calls.append(k) or real(*a, **k))
    rooms = RoomManager.open(tmp_path / "rooms.sqlite3")
    room, _ = rooms.create_room(seed=123456, rounds_total=2)
    assert briefing.start_numbers(room)["pypi"]["runway_months"] > 0
    version = room.version
    started = time.perf_counter()
    assert briefing.projection(room) is None
    assert time.perf_counter() - started < 1.0  # the page does not wait for it
    room.wait_for_change(version, timeout_s=120)
    ahead = briefing.projection(room)
    assert ahead is not None and ahead["years"] == [2026, 2027]
    assert briefing.projection(room) is ahead and len(calls) == 1
    assert calls[0]["root_seed"] == 123456 and calls[0]["receivership_instead_of_shutdown"] is True
    rooms.close()

"""The coming year played ahead in the background gives the results Advance would compute itself."""

from __future__ import annotations

import threading
import time

import pytest

from viz.workshop import ahead
from viz.workshop.room import RoomManager


@pytest.fixture
def managers(tmp_path, monkeypatch):
    """Two room managers on fresh files: one playing years ahead, one playing them at Advance."""
    monkeypatch.setattr(ahead, "QUIET_S", 0.05)
    monkeypatch.setattr(ahead, "IDLE_EXIT_S", 0.5)
    threads_before = set(threading.enumerate())
    played_ahead = RoomManager.open(tmp_path / "ahead.sqlite3", play_ahead=True)
    at_advance = RoomManager.open(tmp_path / "plain.sqlite3")
    yield played_ahead, at_advance
    played_ahead.close()
    at_advance.close()
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)
        assert not thread.is_alive(), f"thread {thread.name} still running after the test"


def wait_played_ahead(room, timeout_s: float = 60) -> None:
    """Block until the room's coming year has been played ahead from its current inputs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with room.lock:
            inputs = room.coming_year_inputs()
            played = room._ahead.played
            if played is not None and played.teams_key == inputs[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the coming year was not played ahead")


def play(room, key, tokens, step: int) -> None:
    """The same script in any room: decisions and cards for round `step + 1`."""
    if step == 0:
        room.submit(tokens["pypi"], "pypi", {"extra_security_fte": 3, "paid_tier": True})
        room.schedule_event(key, "worm", {"registry": "npm", "week_of_year": 12})
    elif step == 1:
        room.submit(tokens["public"], "public", {"projects_share": 0.6})
        room.draw_event(key)
    else:
        room.submit(tokens["pypi"], "pypi", {"per_package_fee_usd": 4})


def test_years_played_ahead_equal_years_played_at_advance(managers):
    """Same seed and history: the same summaries, scoreboard and model state, round by round and through an undo."""
    played_ahead = managers[0]
    rooms = [manager.create_room(seed=21, rounds_total=4) for manager in managers]
    tokens = [{role: room.join(role, f"Team {role}") for role in ("pypi", "public")} for room, _ in rooms]
    taken = 0
    for step in range(3):
        for (room, key), team in zip(rooms, tokens):
            play(room, key, team, step)
        wait_played_ahead(rooms[0][0])
        expected = rooms[0][0]._ahead.played
        summaries = [room.advance(key) for room, key in rooms]
        taken += rooms[0][0].teams_run is expected.teams
        assert summaries[0] == summaries[1]
        assert rooms[0][0].scoreboard() == rooms[1][0].scoreboard()
        assert rooms[0][0].status_quo_results() == rooms[1][0].status_quo_results()
    assert taken == 3  # every year came from the background
    for room, key in rooms:
        room.undo(key)
    wait_played_ahead(rooms[0][0])
    again = [room.advance(key) for room, key in rooms]
    assert again[0] == again[1] == rooms[1][0].results()[3]
    path = played_ahead.store.path
    code = rooms[0][0].code
    played_ahead.close()
    reopened = RoomManager.open(path)
    assert reopened.get(code).replay_matches_stored  # a replay from the database gives what was stored
    reopened.close()


def test_a_decision_after_the_year_was_played_ahead_is_not_lost(managers):
    """A submission that changes the inputs makes Advance use the new decision (played again or by Advance)."""
    rooms = [manager.create_room(seed=22, rounds_total=2) for manager in managers]
    tokens = [room.join("npm", "Nodes") for room, _ in rooms]
    wait_played_ahead(rooms[0][0])
    stale = rooms[0][0]._ahead.played
    for (room, _), token in zip(rooms, tokens):
        room.submit(token, "npm", {"extra_security_fte": 6})
    summaries = [room.advance(key) for room, key in rooms]
    assert rooms[0][0].teams_run is not stale.teams
    assert summaries[0] == summaries[1]
    assert rooms[0][0].teams_run.model.p.extra_security_fte_by_registry["npm"] == 6


def test_the_background_thread_ends_when_the_room_is_quiet(managers):
    """No thread stays behind once the room has been quiet for a while; the next change starts one again."""
    played_ahead, _ = managers
    room, _key = played_ahead.create_room(seed=23, rounds_total=2)
    wait_played_ahead(room)
    deadline = time.monotonic() + 10
    while room._ahead._thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not room._ahead._thread.is_alive()
    room.join("maven", "Owls")
    assert room._ahead._thread.is_alive()


def wait_charts_drawn_ahead(room, timeout_s: float = 60) -> None:
    """Block until the charts of the year played ahead are drawn."""
    from viz.workshop import charts

    deadline = time.monotonic() + timeout_s
    while charts._cache(room).ahead is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert charts._cache(room).ahead is not None, "the charts were not drawn ahead"


def test_charts_drawn_ahead_are_those_advance_would_draw(managers, monkeypatch):
    """After Advance takes the year played ahead, its charts are ready without drawing, and the same as drawn afresh."""
    from viz.workshop import charts

    rooms = [manager.create_room(seed=24, rounds_total=3) for manager in managers]
    for room, _key in rooms:
        room.join("pypi", "Snakes")
    wait_played_ahead(rooms[0][0])
    wait_charts_drawn_ahead(rooms[0][0])
    for room, key in rooms:
        room.advance(key)
    drawn = []
    original = charts.svg_address
    monkeypatch.setattr(charts, "svg_address", lambda figure: drawn.append(figure) or original(figure))
    ahead_room, plain_room = rooms[0][0], rooms[1][0]
    pictures = charts.screen_charts(ahead_room) + charts.team_charts(ahead_room, "pypi")
    ready = [charts.drawn(ahead_room, chart.state, chart.key) for chart in pictures]
    assert all(ready) and not drawn
    fresh = [
        chart.address(plain_room) for chart in charts.screen_charts(plain_room) + charts.team_charts(plain_room, "pypi")
    ]
    assert ready == fresh  # the same pictures, drawn from the same year
    ahead_room.undo(rooms[0][1])
    assert charts.drawn(ahead_room, ahead_room.played()[0], pictures[0].key) is None  # a new state: not taken over

"""Safety of the workshop without a browser: failed writes, a lost database, strict decisions, guess limits, locks.

The browser-side checks (text shown as text, secrets out of the address bar, headers, a second
server refused, a deleted database on every page) are in `test_safety_e2e.py`.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager

import ipyvuetify
import pytest
import solara
from solara.server import kernel_context

from viz.workshop import app
from viz.workshop.guard import GuessLimiter, TooManyGuesses
from viz.workshop.lock import DatabaseInUse, check_database_free, lock_path
from viz.workshop.roles import WorkshopError
from viz.workshop.room import RoomManager
from viz.workshop.store import DatabaseGone, StorageError, WorkshopStore

BUSY_TIMEOUT_S = 0.2


@pytest.fixture
def rooms(tmp_path, monkeypatch):
    """A room manager whose store gives up on a locked database after 0.2 s, inside a private kernel."""
    manager = RoomManager(WorkshopStore(tmp_path / "rooms.sqlite3", busy_timeout_s=BUSY_TIMEOUT_S))
    monkeypatch.setattr(app, "_manager", manager)
    monkeypatch.setattr(app, "LIVE_UPDATES", False)
    context = kernel_context.VirtualKernelContext(id="safety-test", kernel=kernel_context.Kernel(), session_id="s1")
    with context:
        yield manager
    manager.close()


@contextmanager
def database_locked(path):
    """Another connection holds the database's write lock (as another program writing to it would)."""
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def _stored_state(path, code: str) -> tuple:
    """What the database holds for a room: its round, its result rows, its decisions."""
    with sqlite3.connect(path) as db:
        current = db.execute("SELECT current_round FROM rooms WHERE code = ?", (code,)).fetchone()[0]
        results = db.execute("SELECT round FROM results WHERE room_code = ?", (code,)).fetchall()
        decisions = db.execute("SELECT round, role, payload FROM decisions WHERE room_code = ?", (code,)).fetchall()
    return current, sorted(results), sorted(decisions)


def _memory_state(room) -> tuple:
    """What the server holds in memory for a room."""
    return (
        room.current_round,
        room.version,
        room.results(),
        room.status_quo_results(),
        room.teams_run.model.time,
        room.status_quo.model.time,
    )


def _one_line_error(rc) -> str:
    """The text of the page's last alert, checked to be one line without a traceback."""
    text = "".join(str(child) for child in rc.find(ipyvuetify.Alert).widgets[-1].children)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_a_failed_write_during_advance_leaves_the_room_unchanged(rooms):
    """Advance with the database locked: one line on the page; memory and database still at round 1."""
    room, key = rooms.create_room(seed=11, rounds_total=3)
    token = room.join("pypi", "Snakes")
    room.submit(token, "pypi", {"extra_security_fte": 2.0})
    room.advance(key)
    room.submit(token, "pypi", {"per_package_fee_usd": 5.0})
    path = rooms.store.path
    memory_before, stored_before = _memory_state(room), _stored_state(path, room.code)

    _box, rc = solara.render(app.FacilitatorView(room, key, router=None), handle_error=False)
    with database_locked(path):
        rc.find(ipyvuetify.Btn, children=["Advance one year"]).widget.click()
        assert "could not be written (database is locked); nothing was saved" in _one_line_error(rc)
        assert not rc.find(ipyvuetify.Alert, children=["Played 2027"]).widgets
    assert _memory_state(room) == memory_before and _stored_state(path, room.code) == stored_before
    rc.close()

    played = room.advance(key)  # the write succeeds now: the round plays as if nothing had failed
    twin_manager = RoomManager.open(path.with_name("twin.sqlite3"))
    twin, twin_key = twin_manager.create_room(seed=11, rounds_total=3)
    twin_token = twin.join("pypi", "Snakes")
    twin.submit(twin_token, "pypi", {"extra_security_fte": 2.0})
    twin.advance(twin_key)
    twin.submit(twin_token, "pypi", {"per_package_fee_usd": 5.0})
    assert played == twin.advance(twin_key)
    assert room.current_round == 2 and _stored_state(path, room.code)[0] == 2
    twin_manager.close()


def test_every_other_failed_write_is_one_line_and_changes_nothing(rooms):
    """Create, join, submit, cards and timer on a locked database: a one-line error each, nothing stored."""
    room, key = rooms.create_room(seed=12, rounds_total=3)
    token = room.join("npm", "Nodes")
    path = rooms.store.path
    stored_before, version_before = _stored_state(path, room.code), room.version
    with database_locked(path):
        actions = {
            "create": lambda: rooms.create_room("Another"),
            "join": lambda: room.join("crates", "Crabs"),
            "submit": lambda: room.submit(token, "npm", {"per_package_fee_usd": 3.0}),
            "schedule": lambda: room.schedule_event(key, "regulation"),
            "draw": lambda: room.draw_event(key),
            "timer": lambda: room.set_timer(key, 5),
        }
        for name, action in actions.items():
            with pytest.raises(StorageError) as caught:
                action()
            assert "\n" not in str(caught.value) and "nothing was saved" in str(caught.value), name
    assert _stored_state(path, room.code) == stored_before and room.version == version_before
    assert room.teams() == {"npm": "Nodes"} and room.events(include_upcoming=True) == [] and room.deadline_unix is None
    assert len(rooms.store.room_codes()) == 1


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_deleted_or_replaced_database_stops_every_action(rooms, how):
    """Once the file is gone, writes are refused in one line, nothing moves, and the pages say so."""
    room, key = rooms.create_room(seed=13, rounds_total=3)
    token = room.join("maven", "Owls")
    path = rooms.store.path
    if how == "deleted":
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{path}{suffix}"):
                os.remove(f"{path}{suffix}")
    else:
        shutil.copy(path, path.with_name("copy.sqlite3"))
        os.replace(path.with_name("copy.sqlite3"), path)  # same content, another file
    before = _memory_state(room)
    for action in (
        lambda: room.advance(key),
        lambda: room.submit(token, "maven", {"extra_security_fte": 1.0}),
        lambda: room.join("crates", "Crabs"),
        lambda: room.set_timer(key, 5),
        lambda: rooms.create_room("Another"),
    ):
        with pytest.raises(DatabaseGone, match="was deleted or replaced while the server ran"):
            action()
    assert _memory_state(room) == before
    for view in (app.TeamView(room, token, "maven", router=None), app.ScreenView(room)):
        _box, rc = solara.render(view, handle_error=False)
        assert "was deleted or replaced while the server ran" in _one_line_error(rc)
        rc.close()


def test_strict_types_in_workshop_decisions(rooms):
    """A string is not a bool, a bool is not a number, a float is not a whole number: one line naming the field."""
    room, _key = rooms.create_room(seed=14, rounds_total=2)
    pypi, umbrella = room.join("pypi", "Snakes"), room.join("umbrella", "Brolly")
    refused = [
        (pypi, "pypi", {"paid_tier": "yes"}, "paid_tier"),
        (pypi, "pypi", {"paid_tier": 1}, "paid_tier"),
        (pypi, "pypi", {"per_package_fee_usd": True}, "per_package_fee_usd"),
        (pypi, "pypi", {"extra_security_fte": "2"}, "extra_security_fte"),
        (umbrella, "umbrella", {"commitment_years": 2.5}, "commitment_years"),
        (umbrella, "umbrella", {"commitment_years": False}, "commitment_years"),
    ]
    for token, role, decision, field in refused:
        with pytest.raises(WorkshopError) as caught:
            room.submit(token, role, decision)
        assert f"field {field!r}" in str(caught.value) and "\n" not in str(caught.value)
    assert room.decisions_for(1) == {}
    assert room.submit(pypi, "pypi", {"paid_tier": True, "per_package_fee_usd": 5})["per_package_fee_usd"] == 5


def test_guesses_are_limited_per_client_and_refusals_logged(caplog):
    """A burst of wrong guesses empties a client's bucket; others are unaffected; it refills with time."""
    now = [0.0]
    limiter = GuessLimiter(per_second=2.0, burst=5, clock=lambda: now[0])
    for _ in range(5):
        limiter.check("10.0.0.9", "join code")
        limiter.wrong("10.0.0.9")
    with caplog.at_level(logging.WARNING, logger="borrowed_time.workshop"), pytest.raises(TooManyGuesses):
        limiter.check("10.0.0.9", "team token")
    assert "refused a team token try from 10.0.0.9" in caplog.text
    limiter.check("10.0.0.10", "join code")  # another client guesses on
    now[0] += 0.5  # one guess back after half a second
    limiter.check("10.0.0.9", "join code")
    limiter.wrong("10.0.0.9")
    with pytest.raises(TooManyGuesses):
        limiter.check("10.0.0.9", "join code")


def test_wrong_keys_and_tokens_on_pages_count_as_guesses(rooms, monkeypatch):
    """Opening a room with wrong codes, keys or tokens spends the client's guesses; the right key then waits too."""
    monkeypatch.setattr(app, "GUESSES", GuessLimiter(per_second=0.001, burst=3))
    room, key = rooms.create_room(seed=15, rounds_total=2)
    assert app.open_room(room.code, {"key": key}, "10.1.1.1").facilitator_key == key  # right guesses cost nothing
    assert "does not open this room" in app.open_room(room.code, {"key": "forged"}, "10.1.1.1").error
    assert "unknown team token" in app.open_room(room.code, {"team": "forged"}, "10.1.1.1").error
    assert "no room with that join code" in app.open_room("ZZZZZZZZZZ", {}, "10.1.1.1").error
    refused = app.open_room(room.code, {"key": key}, "10.1.1.1")
    assert refused.facilitator_key is None and "too many wrong codes or keys" in refused.error
    assert app.open_room(room.code, {"key": key}, "10.2.2.2").facilitator_key == key


def test_the_database_lock_names_its_holder_and_dies_with_it(tmp_path):
    """A held database refuses others, naming pid, host and time; after a kill -9 it is free again."""
    db = tmp_path / "rooms.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from viz.workshop.lock import hold_database; hold_database(sys.argv[1]); "
            "print('held', flush=True); time.sleep(120)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUse) as caught:
            check_database_free(db)
        message = str(caught.value)
        assert f"pid {holder.pid} on " in message and "since " in message and "\n" not in message
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs in the holder
        holder.wait()
    check_database_free(db)  # the kernel dropped the lock with the process
    assert lock_path(db).exists()


def test_a_non_loopback_host_warns_with_the_address_to_open(monkeypatch, capsys, tmp_path):
    """`workshop` and `app` on 0.0.0.0 say the network can reach them and which address to open."""
    import os

    from model.cli import main
    from viz import serve

    started = []  # both commands exec the server: record which module each would serve
    modules = {"viz.workshop.app": "workshop", "viz.app": "app"}
    monkeypatch.setattr(os, "execve", lambda path, argv, env: started.extend(modules[a] for a in argv if a in modules))
    monkeypatch.setattr(serve, "lan_address", lambda: "192.168.1.23")
    for command in ("workshop", "app"):
        port = _free_port()
        assert main([command, "--host", "0.0.0.0", "--port", str(port), "--db", str(tmp_path / "r.sqlite3")]) == 0
        err = capsys.readouterr().err
        assert "reachable from the network" in err and f"http://192.168.1.23:{port}/" in err, command
    assert started == ["workshop", "app"]
    main(["workshop", "--host", "127.0.0.1", "--port", str(_free_port()), "--db", str(tmp_path / "r.sqlite3")])
    assert "reachable from the network" not in capsys.readouterr().err
    assert serve.public_url("10.0.0.5", 8766) == "http://10.0.0.5:8766/"


def _free_port() -> int:
    """A free TCP port on every interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def test_lan_address_is_this_machines_interface_address():
    """The LAN address is an address of this machine (or None without a network), never the wildcard."""
    from viz.serve import lan_address

    address = lan_address()
    if address is not None:
        import socket

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))  # only this machine's own addresses can be bound

"""How live pages hand the processor over: work that can wait starts once every page shows the room's latest state."""

from __future__ import annotations

import threading
import time

from viz.workshop.live import PageUpdates


def _waiter(updates: PageUpdates, version: int, cancel: threading.Event, timeout_s: float) -> threading.Thread:
    """A thread waiting for every page to draw `version`."""
    thread = threading.Thread(target=updates.wait_all_drawn, args=(version, cancel, timeout_s))
    thread.start()
    return thread


def test_waits_until_every_page_has_drawn_the_version():
    """The wait ends only when the last page behind has drawn the version (not when the first has)."""
    updates = PageUpdates()
    updates.drawn(1, 3)
    updates.drawn(2, 3)
    waiter = _waiter(updates, 4, threading.Event(), timeout_s=30)
    updates.drawn(1, 4)
    time.sleep(0.2)
    assert waiter.is_alive()  # page 2 still shows version 3
    updates.drawn(2, 4)
    waiter.join(timeout=5)
    assert not waiter.is_alive()


def test_a_page_that_went_away_is_not_waited_for():
    """Closing the only page behind ends the wait."""
    updates = PageUpdates()
    updates.drawn(1, 4)
    updates.drawn(2, 3)
    waiter = _waiter(updates, 4, threading.Event(), timeout_s=30)
    time.sleep(0.1)
    assert waiter.is_alive()
    updates.closed(2)
    waiter.join(timeout=5)
    assert not waiter.is_alive()


def test_the_wait_ends_at_its_timeout_or_when_cancelled():
    """A page that never draws holds work back for the timeout at most; a cancelled wait ends at once."""
    updates = PageUpdates()
    updates.drawn(1, 0)
    started = time.monotonic()
    updates.wait_all_drawn(5, threading.Event(), timeout_s=0.3)
    assert 0.25 <= time.monotonic() - started < 5
    cancel = threading.Event()
    waiter = _waiter(updates, 5, cancel, timeout_s=30)
    cancel.set()
    waiter.join(timeout=5)
    assert not waiter.is_alive()


def test_timing_lines_are_written_only_when_asked_for(monkeypatch, capsys):
    """`timing.mark` writes `timing <ms> <step> <room> <detail>` to stderr when on, nothing when off."""
    from viz.workshop import timing

    monkeypatch.setattr(timing, "ENABLED", False)
    timing.mark("round-stored", "ROOM", "2")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(timing, "ENABLED", True)
    before = time.time() * 1000
    timing.mark("round-stored", "ROOM", "2")
    word, when, step, room, detail = capsys.readouterr().err.split()
    assert (word, step, room, detail) == ("timing", "round-stored", "ROOM", "2")
    assert before - 0.1 <= float(when) <= time.time() * 1000 + 0.1  # written to 0.1 ms

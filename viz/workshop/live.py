"""Live pages: each workshop page re-renders when its room changes, without a reload or a poll from the browser.

A page's background thread waits on the room's condition (`WorkshopRoom.wait_for_change`) and
bumps the page's state when the room's version moves (a team joins or submits, the facilitator
plays or undoes a year) or when the database file disappears. The round timer ticks in the
browser (`display.Countdown`), so no page re-renders for the clock.
"""

from __future__ import annotations

import sqlite3
import threading

import solara

from viz.workshop.roles import WorkshopError
from viz.workshop.room import WorkshopRoom
from viz.workshop.store import WorkshopStore

#: Pages wait for room changes in a background thread; headless tests switch this off.
LIVE_UPDATES = True
#: Seconds between checks that the database file is still there, while nothing else changes.
FILE_CHECK_S = 1.0


def use_room_version(room: WorkshopRoom | None) -> float:
    """The room's version for this page; re-render when it changes or the database file is lost.

    Child components get the returned version as an argument: reacton skips re-rendering a
    child whose arguments did not change, and the room object itself never changes.
    """
    seen, set_seen = solara.use_state((room.version if room else 0, False))

    def watch(cancel: threading.Event) -> None:
        """Wait for changes until the page goes away or the room closes (the server is shutting down)."""
        version, lost = room.version, room.store.lost is not None
        while not cancel.is_set():
            now = room.wait_for_change(version, timeout_s=FILE_CHECK_S)
            if cancel.is_set() or room.closed:
                return
            try:
                newly_lost = not lost and room.store.check_file() is not None
            except (sqlite3.ProgrammingError, WorkshopError):  # closed between the check and the read
                return
            if now != version or newly_lost:
                version, lost = now, lost or newly_lost
                set_seen((version, lost))

    if room is not None and LIVE_UPDATES:
        solara.use_thread(watch, dependencies=[room.code], intrusive_cancel=False)
    if room is None:
        return 0
    return max(room.version, seen[0]) + (0.5 if seen[1] else 0.0)


@solara.component
def StoreProblem(store: WorkshopStore, version: float = 0) -> None:
    """One line at the top of every page once the room database is gone (nothing more can be saved)."""
    problem = store.check_file()
    if problem:
        solara.Error(problem)

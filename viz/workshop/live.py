"""Live pages: each workshop page re-renders when its room changes, without a reload or a poll from the browser.

A page's background thread waits on the room's condition (`WorkshopRoom.wait_for_change`) and
bumps the page's state when the room's version moves (a team joins or submits, the facilitator
plays or undoes a year) or when the database file disappears. The round timer ticks in the
browser (`display.Countdown`), so no page re-renders for the clock.

Every watcher notes which version its page has drawn (`PageUpdates`), so work that can wait (the
charts) starts once every open page of the room shows the room's latest state, rather than
competing with the pages' text for the processor.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref

import solara

from viz.workshop.roles import WorkshopError
from viz.workshop.room import WorkshopRoom
from viz.workshop.store import WorkshopStore
from viz.workshop.timing import mark

#: Pages wait for room changes in a background thread; headless tests switch this off.
LIVE_UPDATES = True
#: Seconds between checks that the database file is still there, while nothing else changes.
FILE_CHECK_S = 1.0


class PageUpdates:
    """The version each live page of a room has drawn, to wait until every page shows the room's latest state."""

    def __init__(self) -> None:
        """No page yet."""
        self._drawn: dict[int, int] = {}
        self._changed = threading.Condition()

    def drawn(self, page: int, version: int) -> None:
        """Page `page` has drawn (or, on opening, is drawing) the room at `version`."""
        with self._changed:
            self._drawn[page] = version
            self._changed.notify_all()

    def closed(self, page: int) -> None:
        """Page `page` went away."""
        with self._changed:
            self._drawn.pop(page, None)
            self._changed.notify_all()

    def wait_all_drawn(self, version: int, cancel: threading.Event, timeout_s: float) -> None:
        """Block until every page has drawn `version` or later, `cancel` is set, or `timeout_s` has passed."""
        until = time.monotonic() + timeout_s
        with self._changed:
            while not cancel.is_set() and any(seen < version for seen in self._drawn.values()):
                left = until - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(min(left, 0.05))


_updates: weakref.WeakKeyDictionary[WorkshopRoom, PageUpdates] = weakref.WeakKeyDictionary()
_updates_lock = threading.Lock()
#: Seconds work that can wait (the charts) waits at most for every page to show the room's latest state.
PAGES_WAIT_MAX_S = 10.0


def page_updates(room: WorkshopRoom) -> PageUpdates:
    """The room's record of which version each live page has drawn."""
    with _updates_lock:
        return _updates.setdefault(room, PageUpdates())


def wait_for_pages(room: WorkshopRoom, cancel: threading.Event, timeout_s: float | None = None) -> None:
    """Wait until every live page of the room shows its latest state (at most `PAGES_WAIT_MAX_S`), e.g. before drawing."""
    page_updates(room).wait_all_drawn(room.version, cancel, PAGES_WAIT_MAX_S if timeout_s is None else timeout_s)


def use_room_version(room: WorkshopRoom | None) -> float:
    """The room's version for this page; re-render when it changes or the database file is lost.

    Child components get the returned version as an argument: reacton skips re-rendering a
    child whose arguments did not change, and the room object itself never changes.
    """
    seen, set_seen = solara.use_state((room.version if room else 0, False))

    def watch(cancel: threading.Event) -> None:
        """Wait for changes until the page goes away or the room closes (the server is shutting down)."""
        updates, page = page_updates(room), threading.get_ident()
        version, lost = room.version, room.store.lost is not None
        updates.drawn(page, version)
        try:
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
                    mark("page-woke", room.code, str(version))
                    set_seen((version, lost))
                    updates.drawn(page, version)
                    mark("page-rendered", room.code, str(version))
        finally:
            updates.closed(page)

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

"""The coming year played ahead in the background, so that Advance only stores it and tells the pages.

Everything the coming year depends on is known before the facilitator presses Advance: the
room's history (its undo count and rounds played), the decisions in force and the event cards
scheduled. Whenever the room changes, a background thread waits until the room has been quiet
for `QUIET_S`, copies both runs (the teams' and the status quo), and plays the coming year on
the copies. Advance takes the copies if they were played from exactly the inputs it reads
(`inputs_key`), and otherwise plays the year itself, as before. A copy played from the same
state with the same inputs is the same model in the same state (the random streams are copied
with it), so the results are the ones Advance would have computed; `tests/workshop/test_ahead.py`
checks it against a room that plays every year itself.

The status quo's year depends only on the cards, so it is played again only when they change.
Once a year is played ahead and the room is still quiet, its charts are drawn ahead too
(`charts.draw_ahead`), so that they reach the pages with the new round.
The thread ends when the room has been quiet for `IDLE_EXIT_S` or is closed, and starts again at
the next change.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from viz.workshop import charts

if TYPE_CHECKING:
    from viz.workshop.room import Simulation, WorkshopRoom

#: Seconds without a change in the room before the coming year is played ahead.
QUIET_S = 0.3
#: Seconds without a change after which the background thread ends (it starts again at the next change).
IDLE_EXIT_S = 5.0
#: Seconds Advance waits for a year being played ahead from exactly its inputs, rather than playing it itself.
TAKE_WAIT_S = 5.0


def inputs_key(
    history_epoch: int, round_number: int, cards: list[dict[str, Any]], decisions: dict[str, dict[str, Any]] | None
) -> str:
    """What a year's outcome depends on, as text: the room's undo count, the round, its cards (in order), the decisions."""
    return json.dumps([history_epoch, round_number, cards, decisions], sort_keys=True, default=str)


@dataclass
class PlayedAhead:
    """The coming year played on copies of both runs, and the inputs it was played from."""

    teams_key: str
    status_quo_key: str
    teams: Simulation
    status_quo: Simulation
    summary: dict[str, Any]


class YearAhead:
    """A room's coming year, played in a background thread whenever the room has changed and gone quiet."""

    def __init__(self, room: WorkshopRoom) -> None:
        """Nothing played ahead yet; no thread until the first change."""
        self._room = room
        self._changed = threading.Condition()
        self._last_change = 0.0
        self._pending = False
        self._thread: threading.Thread | None = None
        self._working: str | None = None  # the teams key being played now
        self._charts_drawn: str | None = None  # the teams key of the year whose charts were drawn ahead
        self.played: PlayedAhead | None = None

    def room_changed(self) -> None:
        """Note a change in the room; the coming year is played again once the room is quiet."""
        with self._changed:
            self._last_change, self._pending = time.monotonic(), True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=f"year-ahead-{self._room.code}", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def take(self, teams_key: str, status_quo_key: str) -> PlayedAhead | None:
        """The year played ahead from exactly these inputs (waiting for one being played from them), else None."""
        deadline = time.monotonic() + TAKE_WAIT_S
        with self._changed:
            while self._working == teams_key and time.monotonic() < deadline:
                self._changed.wait(0.05)
            played = self.played
            if played is None or (played.teams_key, played.status_quo_key) != (teams_key, status_quo_key):
                return None
            self.played = None  # the copies become the room's runs: never hand them out twice
            return played

    def stop(self) -> None:
        """Wake the thread so it ends (the room is closing)."""
        with self._changed:
            self._changed.notify_all()

    def _run(self) -> None:
        """Wait for the room to go quiet after a change, then play the coming year; end when idle or closed."""
        while True:
            with self._changed:
                while not self._room.closed:
                    quiet_for = time.monotonic() - self._last_change
                    if self._pending and quiet_for >= QUIET_S:
                        break
                    if not self._pending and quiet_for >= IDLE_EXIT_S:
                        return
                    self._changed.wait(QUIET_S if self._pending else IDLE_EXIT_S)
                if self._room.closed:
                    return
                self._pending = False
            played = self._play()
            if played is not None and played[1] != self._charts_drawn:
                done = charts.draw_ahead(
                    self._room, *played, keep_going=lambda: not self._pending and not self._room.closed
                )
                self._charts_drawn = played[1] if done else None

    def _play(self) -> tuple[tuple[int, int], str, dict, dict] | None:
        """Copy both runs and play the coming year on the copies (the status quo's only if its cards changed).

        Returns what the year's charts need (the state after it, its inputs, both runs' summaries), or None
        when the game is over; a year already played ahead from the same inputs is not played again.
        """
        room = self._room
        with room.lock:
            inputs = room.coming_year_inputs()
            if inputs is None:
                return None
            teams_key, status_quo_key, decisions, cards = inputs
            before = self.played
            epoch = room.history_epoch
            if before is not None and before.teams_key == teams_key:
                runs = before.teams, before.status_quo
                return (epoch, runs[0].rounds_played), teams_key, dict(runs[0].summaries), dict(runs[1].summaries)
            reuse = before is not None and before.status_quo_key == status_quo_key
            teams = copy.deepcopy(room.teams_run)
            status_quo = before.status_quo if reuse else copy.deepcopy(room.status_quo)
        with self._changed:
            self._working = teams_key
        played = None
        try:
            summary = teams.play_round(decisions, cards)
            if not reuse:
                status_quo.play_round(room.roles.effective_decisions({}, teams.rounds_played), cards)
            played = PlayedAhead(teams_key, status_quo_key, teams, status_quo, summary)
        finally:
            with self._changed:
                if played is not None:
                    self.played = played
                self._working = None
                self._changed.notify_all()
        return (epoch, teams.rounds_played), teams_key, dict(teams.summaries), dict(status_quo.summaries)

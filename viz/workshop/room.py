"""A workshop room: teams, decisions, event cards and rounds, persisted in SQLite.

The room's model state is never pickled. It is re-simulated from what the store holds: the
room's seed, every round's decisions and every round's event cards, applied at the same year
boundaries in the same order. Same seed and same history give the same state, so a server
restart loses nothing; the live model is cached in memory between requests.

A round is one model year (52 weekly ticks). `current_round` counts the years played;
decisions and event cards are always for round `current_round + 1`.
"""

from __future__ import annotations

import copy
import hmac
import json
import secrets
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.catalogue import REGISTRIES
from model.model import WEEKS_PER_YEAR, RegistryModel
from model.profiles import RegistryCatalogue
from viz.workshop.ahead import YearAhead, inputs_key
from viz.workshop.events import apply_card, draw_card, validate_card
from viz.workshop.rescue import in_trouble
from viz.workshop.roles import AuthorizationError, HygieneProgrammes, RoleBook, WorkshopError, roles_for
from viz.workshop.scoring import round_summary, scoreboard
from viz.workshop.store import WorkshopStore, token_hash
from viz.workshop.timing import mark

#: Join-code alphabet: no look-alikes (0/O, 1/I/L, 8/B, 5/S, 2/Z) to misread from the back of a room; 25 symbols.
#: Rooms made with the earlier alphabet (which had 2, 5, 8, B, S and Z) keep their codes: a code is looked up as typed.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 10  # 25**10, about 1e14 codes
DEFAULT_ROUNDS = 8
MAX_ROUNDS = 12


class RevokedLink(AuthorizationError):
    """A team link the facilitator replaced (a new link for the team, or the role freed)."""


def new_join_code() -> str:
    """A random join code from the OS's secure random source."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: Any) -> str:
    """Upper-case a typed join code and drop spaces and dashes."""
    if not isinstance(code, str):
        raise WorkshopError(f"join code must be text (got {type(code).__name__})")
    return code.strip().upper().replace("-", "").replace(" ", "")


@dataclass
class Simulation:
    """One live model of a room (the teams' run or the status quo) and the rounds it has played."""

    model: RegistryModel
    programmes: HygieneProgrammes
    roles: RoleBook
    rounds_played: int = 0
    summaries: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls, seed: int, catalogue: RegistryCatalogue) -> Simulation:
        """A fresh model of `catalogue`'s registries at the start of the first year."""
        model = RegistryModel(
            rng=seed, catalogue=catalogue, receivership_instead_of_shutdown=True
        )  # no team is eliminated
        return cls(model=model, programmes=HygieneProgrammes(model), roles=roles_for(catalogue))

    def play_round(self, decisions: dict[str, dict[str, Any]], cards: list[dict[str, Any]]) -> dict[str, Any]:
        """Apply a round's decisions and cards at the year boundary, run one year, summarise it."""
        round_number = self.rounds_played + 1
        rescues = self.roles.apply_decisions(self.model, self.programmes, decisions)
        for event in cards:
            apply_card(self.model, round_number, event["card"], event["payload"])
        self.model.run_for(WEEKS_PER_YEAR)
        self.rounds_played = round_number
        summary = round_summary(self.model, round_number) | {"rescues": rescues}
        self.summaries[round_number] = summary
        return summary


class WorkshopRoom:
    """One room: the shared state every page of that room reads and writes, behind one lock.

    Its registries, and so its roles (`roles`), come from a registry catalogue (default: the shipped one).
    With `play_ahead`, the coming year is played in the background whenever the room goes quiet
    (`viz.workshop.ahead`), so that Advance only has to store it.
    """

    def __init__(
        self, store: WorkshopStore, code: str, catalogue: RegistryCatalogue | None = None, play_ahead: bool = False
    ) -> None:
        """Load a stored room and rebuild its models by replaying its history."""
        row = store.room(code)
        if row is None:
            raise WorkshopError(f"no room with join code {code!r}")
        self.store, self.code = store, code
        self.catalogue = catalogue or REGISTRIES
        self.roles = roles_for(self.catalogue)
        self.name, self.seed, self.rounds_total = row["name"], int(row["seed"]), int(row["rounds_total"])
        self._key_sha256 = row["facilitator_key_sha256"]
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.version = 0
        #: Counts rewrites of played rounds (an undo): what was drawn from the results before is stale.
        self.history_epoch = 0
        self.closed = False
        self.replay_matches_stored = True
        self._forecast: tuple[Any, dict[str, list[str]]] = (None, {})
        self._views: tuple[int, dict[tuple, Any]] = (-1, {})
        #: The inputs of the year the last Advance took from those played ahead (None if it played the year itself).
        self.taken_ahead: str | None = None
        self._rebuild()
        self._ahead = YearAhead(self) if play_ahead else None
        if self._ahead is not None:
            self._ahead.room_changed()

    # ----- state ---------------------------------------------------------------------------
    @property
    def current_round(self) -> int:
        """Years played so far (waits for a round being played to be stored or undone)."""
        with self._lock:
            return self.teams_run.rounds_played

    @property
    def finished(self) -> bool:
        """Whether every round has been played."""
        return self.current_round >= self.rounds_total

    def _rebuild(self) -> None:
        """Re-simulate every played round from the stored seed, decisions and cards."""
        played = int(self.store.room(self.code)["current_round"])
        history, events = self.store.decisions(self.code), self.store.events(self.code)
        self._replay(played, history, events, stored_results=self.store.results(self.code))

    def _replay(
        self,
        played: int,
        history: dict[int, dict[str, dict[str, Any]]],
        events: list[dict[str, Any]],
        stored_results: dict[int, dict[str, Any]] | None = None,
    ) -> None:
        """Start both runs afresh and play `played` rounds; warn where stored results differ from the replay."""
        self.teams_run = Simulation.start(self.seed, self.catalogue)
        self.status_quo = Simulation.start(self.seed, self.catalogue)
        for round_number in range(1, played + 1):
            summary = self._play_round(round_number, history, events)
            if stored_results is not None and stored_results.get(round_number) != _json_round_trip(summary):
                self.replay_matches_stored = False
                print(
                    f"warning: room {self.code}: replaying round {round_number} did not reproduce the stored "
                    "results (was the model changed since the game started?)",
                    file=sys.stderr,
                )

    def _play_round(
        self, round_number: int, history: dict[int, dict[str, dict[str, Any]]], events: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Play one round on both runs (the teams' decisions in force, and the defaults) with its cards."""
        cards = [e for e in events if e["round"] == round_number]
        summary = self.teams_run.play_round(self.roles.effective_decisions(history, round_number), cards)
        mark("teams-year-played", self.code, str(round_number))
        self.status_quo.play_round(self.roles.effective_decisions({}, round_number), cards)
        mark("status-quo-year-played", self.code, str(round_number))
        return summary

    def _touch(self) -> None:
        """Mark a change and wake every page waiting for one (call with the lock held)."""
        self.version += 1
        self._changed.notify_all()
        if self._ahead is not None:
            self._ahead.room_changed()

    def _year_keys(
        self, round_number: int, history: dict[int, dict[str, dict[str, Any]]], events: list[dict[str, Any]]
    ) -> tuple[str, str, dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """The inputs of the year `round_number` as keys (teams' run, status quo), with its decisions and cards."""
        cards = [e for e in events if e["round"] == round_number]
        decisions = self.roles.effective_decisions(history, round_number)
        status_quo_key = inputs_key(self.history_epoch, round_number, cards, None)
        return inputs_key(self.history_epoch, round_number, cards, decisions), status_quo_key, decisions, cards

    def coming_year_inputs(self) -> tuple[str, str, dict[str, dict[str, Any]], list[dict[str, Any]]] | None:
        """The coming year's inputs as `_year_keys` gives them, or None when the game is over (call with the lock held)."""
        if self.finished:
            return None
        return self._year_keys(self.current_round + 1, self.store.decisions(self.code), self.store.events(self.code))

    def _shared_view(self, key: tuple, compute: Any) -> Any:
        """What `compute()` returns, computed once per room version for every page that asks (treat it as read-only).

        Pages of a room read the same state; after a change the first page to ask reads the
        database, the other pages get the same answer. Every change to the room moves its version.
        """
        with self._lock:
            version, views = self._views
            if version != self.version:
                views = {}
                self._views = (self.version, views)
            if key not in views:
                views[key] = compute()
            return views[key]

    @property
    def lock(self) -> threading.RLock:
        """The room's lock: hold it to read several things of the room together."""
        return self._lock

    def notify_pages(self) -> None:
        """Tell every page of the room to draw itself again (something it shows is ready; the game did not move)."""
        with self._changed:
            self._touch()

    def wait_for_change(self, seen_version: int, timeout_s: float = 5.0) -> int:
        """Block until the room's version passes `seen_version`, the room closes, or the timeout; return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > seen_version or self.closed, timeout=timeout_s)
            return self.version

    def close(self) -> None:
        """Mark the room closed (its store is going away) and wake every page waiting on it, so they stop."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()
        if self._ahead is not None:
            self._ahead.stop()

    # ----- authorization -------------------------------------------------------------------
    def is_facilitator(self, key: Any) -> bool:
        """Whether a key is this room's facilitator key."""
        return isinstance(key, str) and hmac.compare_digest(token_hash(key), self._key_sha256)

    def _require_facilitator(self, key: Any) -> None:
        """Refuse a facilitator action without the facilitator key."""
        if not self.is_facilitator(key):
            raise AuthorizationError("only the facilitator key can do that")

    def team_for(self, token: Any) -> dict[str, Any]:
        """The team a token belongs to, or an authorization error (saying so when the facilitator replaced it)."""
        if not isinstance(token, str) or not token:
            raise AuthorizationError("unknown team token for this room; join again with the room code")
        team = self.store.team_by_token(self.code, token)
        if team is None:
            revoked = self.store.revoked_role(self.code, token)
            if revoked is not None:
                raise RevokedLink(
                    f"the facilitator replaced this team link ({self.roles.labels.get(revoked, revoked)}); "
                    "ask them for the new one, or join with the room code"
                )
            raise AuthorizationError("unknown team token for this room; join again with the room code")
        return team

    # ----- teams ---------------------------------------------------------------------------
    def join(self, role: Any, team_name: Any) -> str:
        """Take a free role; return the team's secret token (its key to reconnect and submit)."""
        role = self.roles.check_role(role)
        team_name = _team_name(team_name)
        token = secrets.token_urlsafe(16)
        with self._lock:
            try:
                self.store.add_team(self.code, token, role, team_name, joined_round=self.current_round)
            except sqlite3.IntegrityError:
                raise WorkshopError(f"role {role!r} is already held by another team in this room") from None
            self._touch()
        return token

    def teams(self) -> dict[str, str]:
        """Role -> team name for every held role."""
        return self._shared_view(
            ("teams",), lambda: {team["role"]: team["team_name"] for team in self.store.teams(self.code)}
        )

    def joined_rounds(self) -> dict[str, int]:
        """Role -> rounds the model had played for that role before its team joined (0: from the start)."""
        return self._shared_view(
            ("joined",), lambda: {team["role"]: int(team["joined_round"]) for team in self.store.teams(self.code)}
        )

    def submit(self, token: Any, role: Any, decision: dict[str, Any]) -> dict[str, Any]:
        """Store a team's decision for the coming round; a team may submit only for its own role."""
        team = self.team_for(token)
        role = self.roles.check_role(role)
        if team["role"] != role:
            raise AuthorizationError(f"your team holds {team['role']!r}; it cannot submit for {role!r}")
        clean = self.roles.validate_decision(role, decision)
        with self._lock:
            if self.finished:
                raise WorkshopError("the game is over; no more decisions")
            deadline = self.deadline_unix
            if deadline is not None and time.time() > deadline:
                raise WorkshopError(f"round {self.current_round + 1}'s timer has run out; wait for the next round")
            self.store.save_decision(self.code, self.current_round + 1, role, clean)
            self._touch()
        return clean

    def decisions_for(self, round_number: int) -> dict[str, dict[str, Any]]:
        """Decisions submitted for a round (role -> decision), without defaults."""
        return self._shared_view(("submitted", round_number), lambda: self._decisions().get(round_number, {}))

    def decisions_in_force(self, round_number: int) -> dict[str, dict[str, Any]]:
        """Each role's decision in force for a round (latest submitted, else default)."""
        return self._shared_view(
            ("in force", round_number), lambda: self.roles.effective_decisions(self._decisions(), round_number)
        )

    def _decisions(self) -> dict[int, dict[str, dict[str, Any]]]:
        """Every stored decision (round -> role -> decision), read once per room version."""
        return self._shared_view(("decisions",), lambda: self.store.decisions(self.code))

    # ----- facilitator -----------------------------------------------------------------------
    @property
    def deadline_unix(self) -> float | None:
        """When the current round's timer ends (Unix seconds), or None."""
        return self._shared_view(("deadline",), lambda: self.store.room(self.code)["round_deadline_unix"])

    def set_timer(self, key: Any, minutes: Any) -> float:
        """Start the round timer: teams may submit for `minutes` from now."""
        self._require_facilitator(key)
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0.5 <= minutes <= 60:
            raise WorkshopError(f"timer minutes must be a number from 0.5 to 60 (got {minutes!r})")
        with self._lock:
            deadline = time.time() + 60 * minutes
            self.store.set_deadline(self.code, deadline)
            self._touch()
        return deadline

    def schedule_event(self, key: Any, card: Any, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Put a chosen event card into the coming round."""
        self._require_facilitator(key)
        clean = validate_card(card, payload, self.catalogue)
        return self._add_event(card, clean, drawn=False)

    def draw_event(self, key: Any) -> dict[str, Any]:
        """Draw a random event card into the coming round (reproducible from the room's seed)."""
        self._require_facilitator(key)
        with self._lock:
            round_number = self.current_round + 1
            cards = [e for e in self.store.events(self.code) if e["round"] == round_number]
            draw_index = sum(1 for e in cards if e["drawn"])
            card, payload = draw_card(self.seed, round_number, draw_index, self.catalogue)
            while card == "worm" and any(e["card"] == "worm" for e in cards):  # one worm a year; draw again
                draw_index += 1
                card, payload = draw_card(self.seed, round_number, draw_index, self.catalogue)
            return self._add_event(card, payload, drawn=True)

    def _add_event(self, card: str, payload: dict[str, Any], drawn: bool) -> dict[str, Any]:
        """Store a card for the coming round."""
        with self._lock:
            if self.finished:
                raise WorkshopError("the game is over; no more event cards")
            round_number = self.current_round + 1
            if card == "worm" and any(
                e["card"] == "worm" and e["round"] == round_number for e in self.store.events(self.code)
            ):
                raise WorkshopError("one worm card a year: the model schedules one outbreak at a time")
            self.store.add_event(self.code, round_number, card, payload, drawn)
            self._touch()
        return {"round": round_number, "card": card, "payload": payload, "drawn": drawn}

    def new_team_link(self, key: Any, role: Any) -> str:
        """A new token for the team holding `role` (its link was lost); the old link stops working."""
        self._require_facilitator(key)
        role = self.roles.check_role(role)
        token = secrets.token_urlsafe(16)
        with self._lock:
            self.store.replace_token(self.code, role, token)
            self._touch()
        return token

    def reassign_role(self, key: Any, role: Any, team_name: Any) -> str:
        """Give a held role to another team (a new name and link, joining now); the old link stops working."""
        self._require_facilitator(key)
        role = self.roles.check_role(role)
        name = _team_name(team_name)
        token = secrets.token_urlsafe(16)
        with self._lock:
            self.store.replace_token(self.code, role, token, team_name=name, joined_round=self.current_round)
            self._touch()
        return token

    def free_role(self, key: Any, role: Any) -> None:
        """Free a held role: its team's link stops working and any team may join it; its decisions stay in force."""
        self._require_facilitator(key)
        role = self.roles.check_role(role)
        with self._lock:
            self.store.free_role(self.code, role)
            self._touch()

    def events(self, include_upcoming: bool) -> list[dict[str, Any]]:
        """Event cards played so far, and (for the facilitator) those waiting for the coming round."""
        with self._lock:
            played = self.current_round
            cards = self._shared_view(("events",), lambda: self.store.events(self.code))
            return [e for e in cards if include_upcoming or e["round"] <= played]

    def advance(self, key: Any) -> dict[str, Any]:
        """Play the coming round: apply decisions and cards, run one year, store the results.

        The round counts as played only once its results are committed; if the write fails, both
        runs are replayed to the rounds the database holds (as after a restart, from the history
        read before playing) and the one-line error is raised. A year played ahead from these
        very inputs (`viz.workshop.ahead`) is stored instead of playing it again, and the room's
        runs move to it only once it is committed.
        """
        self._require_facilitator(key)
        mark("advance-asked", self.code)
        with self._lock:
            mark("advance-locked", self.code)
            if self.finished:
                raise WorkshopError(f"all {self.rounds_total} rounds have been played")
            self.store.require_file()
            round_number = self.current_round + 1
            history, events = self.store.decisions(self.code), self.store.events(self.code)
            deadline = self.deadline_unix
            teams_key, status_quo_key, _, _ = self._year_keys(round_number, history, events)
            ahead = self._ahead.take(teams_key, status_quo_key) if self._ahead is not None else None
            if ahead is not None:  # played in the background from these very inputs: store it, then move to it
                summary = ahead.summary
                mark("year-taken-from-ahead", self.code, str(round_number))
            else:
                summary = self._play_round(round_number, history, events)
            try:
                self.store.finish_round(self.code, round_number, _json_round_trip(summary), deadline)
            except WorkshopError:
                if ahead is None:  # the runs moved: back to what the database holds, without reading it
                    self._replay(round_number - 1, history, events)
                    self.history_epoch += 1
                raise
            self.taken_ahead = teams_key if ahead is not None else None
            if ahead is not None:
                self.teams_run, self.status_quo = ahead.teams, ahead.status_quo
            mark("round-stored", self.code, str(round_number))
            self._touch()
        mark("pages-notified", self.code, str(round_number))
        return summary

    def undo(self, key: Any) -> int:
        """Take back the last Advance: the room returns to the state before it, in the database and in memory.

        The database drops that round's results and whatever was added for the round after it
        (decisions, event cards) and gets back the timer; both runs are then replayed from the
        stored seed, decisions and cards, as after a restart. Teams and their links are people,
        not game state: they stay. Returns the number of rounds played afterwards.
        """
        self._require_facilitator(key)
        with self._lock:
            played = self.current_round
            if played == 0:
                raise WorkshopError("no year has been played yet; there is nothing to undo")
            self.store.undo_round(self.code, played)
            history, events = self.store.decisions(self.code), self.store.events(self.code)
            self._replay(played - 1, history, events)
            self.history_epoch += 1
            self._touch()
        return played - 1

    def rescue_forecast(self) -> dict[str, list[str]]:
        """For the facilitator: registries the coming year's cards would likely push into receivership.

        Plays the coming year twice on copies of the room's run (with the decisions in force now,
        with and without the cards scheduled; the same seed, so the same outside events) and
        returns the registries in receivership at its end: `with_cards`, `without_cards`. Nothing
        is computed when no card is scheduled; a result is kept until the cards or decisions change.
        """
        with self._lock:
            coming = self.current_round + 1
            cards = [e for e in self.store.events(self.code) if e["round"] == coming]
            if not cards or self.finished:
                return {"with_cards": [], "without_cards": []}
            decisions = self.decisions_in_force(coming)
            key = (self.history_epoch, coming, json.dumps([cards, decisions], sort_keys=True, default=str))
            if self._forecast[0] == key:
                return self._forecast[1]
            runs = [copy.deepcopy(self.teams_run) for _ in range(2)]
        ends = [run.play_round(decisions, played) for run, played in zip(runs, (cards, []))]
        names = [[n for n, row in end["registries"].items() if in_trouble(row) == "receivership"] for end in ends]
        forecast = {"with_cards": names[0], "without_cards": names[1]}
        with self._lock:
            self._forecast = (key, forecast)
        return forecast

    # ----- views ---------------------------------------------------------------------------
    def results(self) -> dict[int, dict[str, Any]]:
        """The room's round summaries so far."""
        with self._lock:
            return dict(self.teams_run.summaries)

    def played(self) -> tuple[tuple[int, int], dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        """The room's state as (undo count, rounds played), with both runs' summaries, read together."""
        with self._lock:
            return (self.history_epoch, self.current_round), self.results(), self.status_quo_results()

    def status_quo_results(self) -> dict[int, dict[str, Any]]:
        """The status quo's round summaries (same seed and cards, no teams)."""
        with self._lock:
            return dict(self.status_quo.summaries)

    def scoreboard(self) -> dict[str, Any]:
        """Each role's score and the shared harm score."""
        return self._shared_view(
            ("scoreboard",), lambda: scoreboard(self.teams_run.summaries, self.status_quo.summaries, self.roles)
        )

    def snapshot(self) -> dict[str, Any]:
        """A plain summary of the room for pages and tests (no secrets), the same for every page of a room version."""
        return self._shared_view(("snapshot",), self._snapshot)

    def _snapshot(self) -> dict[str, Any]:
        """The snapshot, read now."""
        with self._lock:
            coming = self.current_round + 1
            return {
                "code": self.code,
                "name": self.name,
                "seed": self.seed,
                "version": self.version,
                "current_round": self.current_round,
                "rounds_total": self.rounds_total,
                "finished": self.finished,
                "deadline_unix": self.deadline_unix,
                "teams": self.teams(),
                "submitted": sorted(self.decisions_for(coming)),
                "year": self.teams_run.model.p.start_year + self.current_round,
            }


def _team_name(name: Any) -> str:
    """A team name stripped of outer spaces, or a one-line error."""
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 40:
        raise WorkshopError("team name must be 1 to 40 characters")
    return name.strip()


def _json_round_trip(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary as it comes back from JSON (ints as keys become strings, tuples lists)."""
    return json.loads(json.dumps(summary))


class RoomManager:
    """Every room on this server: created, looked up by join code, cached in memory (shared by sessions).

    Its rooms are played with the registries of `catalogue` (default: the shipped one).
    """

    def __init__(
        self, store: WorkshopStore, catalogue: RegistryCatalogue | None = None, play_ahead: bool = False
    ) -> None:
        """Use a store; rooms are loaded lazily from it; `play_ahead`: see `WorkshopRoom`."""
        self.store = store
        self.play_ahead = play_ahead
        self.catalogue = catalogue or REGISTRIES
        self.roles = roles_for(self.catalogue)
        self._rooms: dict[str, WorkshopRoom] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, db_path: str | Path, catalogue: RegistryCatalogue | None = None, play_ahead: bool = False
    ) -> RoomManager:
        """Open the SQLite file at `db_path` (created if missing)."""
        return cls(WorkshopStore(db_path), catalogue, play_ahead)

    def create_room(
        self, name: Any = "Workshop", seed: Any = None, rounds_total: Any = DEFAULT_ROUNDS
    ) -> tuple[WorkshopRoom, str]:
        """Create a room; return it and its facilitator key (shown once; only its hash is stored)."""
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 60:
            raise WorkshopError("room name must be 1 to 60 characters")
        if isinstance(rounds_total, bool) or not isinstance(rounds_total, int) or not 1 <= rounds_total <= MAX_ROUNDS:
            raise WorkshopError(f"rounds must be a whole number from 1 to {MAX_ROUNDS} (got {rounds_total!r})")
        if seed is None:
            seed = secrets.randbelow(2**31)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise WorkshopError(f"seed must be a whole number >= 0 (got {seed!r})")
        key = secrets.token_urlsafe(18)
        with self._lock:
            code = new_join_code()
            while self.store.room(code) is not None:
                code = new_join_code()
            self.store.create_room(code, key, name.strip(), seed, rounds_total)
            room = WorkshopRoom(self.store, code, self.catalogue, self.play_ahead)
            self._rooms[code] = room
        return room, key

    def get(self, code: Any) -> WorkshopRoom:
        """The room with this join code (rebuilt from the store on first use), or a one-line error."""
        code = normalise_code(code)
        with self._lock:
            room = self._rooms.get(code)
            if room is None:
                if not code or self.store.room(code) is None:
                    raise WorkshopError("no room with that join code; check it with your facilitator")
                room = WorkshopRoom(self.store, code, self.catalogue, self.play_ahead)
                self._rooms[code] = room
            return room

    def close(self) -> None:
        """Close every room (waking their watchers) and the store; rooms in memory are dropped."""
        with self._lock:
            for room in self._rooms.values():
                room.close()
            self._rooms.clear()
            self.store.close()

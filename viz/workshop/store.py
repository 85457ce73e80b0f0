"""SQLite persistence for workshop rooms: rooms, teams, decisions, event cards, round results.

Everything a room needs to be rebuilt after a server restart lives here; the live model is
re-simulated from it (see `viz.workshop.room`). Tokens are stored only as SHA-256 hashes.

A failed read or write is a one-line `StorageError` (nothing half-written: every write is one
transaction). The store remembers which file it opened (device and inode); once that file is
deleted or replaced, every later write is refused with a `DatabaseGone` error, since SQLite would
go on writing into the unlinked file and everything would be lost at the next restart.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from viz.workshop.roles import WorkshopError

DEFAULT_DB = "workshop.sqlite3"
#: The environment variable through which the CLI tells the server process which SQLite file to use.
DB_ENV = "BORROWED_TIME_WORKSHOP_DB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    facilitator_key_sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rounds_total INTEGER NOT NULL,
    current_round INTEGER NOT NULL DEFAULT 0,
    round_deadline_unix REAL,
    created_unix REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS teams (
    token_sha256 TEXT PRIMARY KEY,
    room_code TEXT NOT NULL REFERENCES rooms(code),
    role TEXT NOT NULL,
    team_name TEXT NOT NULL,
    joined_unix REAL NOT NULL,
    joined_round INTEGER NOT NULL DEFAULT 0,
    UNIQUE (room_code, role)
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    token_sha256 TEXT PRIMARY KEY,
    room_code TEXT NOT NULL REFERENCES rooms(code),
    role TEXT NOT NULL,
    revoked_unix REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    room_code TEXT NOT NULL REFERENCES rooms(code),
    round INTEGER NOT NULL,
    role TEXT NOT NULL,
    payload TEXT NOT NULL,
    submitted_unix REAL NOT NULL,
    PRIMARY KEY (room_code, round, role)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_code TEXT NOT NULL REFERENCES rooms(code),
    round INTEGER NOT NULL,
    card TEXT NOT NULL,
    payload TEXT NOT NULL,
    drawn INTEGER NOT NULL,
    created_unix REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    room_code TEXT NOT NULL REFERENCES rooms(code),
    round INTEGER NOT NULL,
    summary TEXT NOT NULL,
    deadline_before_unix REAL,
    PRIMARY KEY (room_code, round)
);
"""
#: Columns added since the first schema: (table, column, declaration), added to older files on open.
ADDED_COLUMNS = (
    ("teams", "joined_round", "INTEGER NOT NULL DEFAULT 0"),
    ("results", "deadline_before_unix", "REAL"),
)


class StorageError(WorkshopError):
    """The room database could not be read or written; nothing was saved."""


class DatabaseGone(StorageError):
    """The room database file was deleted or replaced while the server ran."""


def _file_identity(path: Path) -> tuple[int, int] | None:
    """The file's (device, inode), or None if there is no file at `path`."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def token_hash(token: str) -> str:
    """SHA-256 hex digest of a secret token (what the database keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class WorkshopStore:
    """A thread-safe wrapper around one SQLite file holding every room."""

    def __init__(self, path: str | Path = DEFAULT_DB, busy_timeout_s: float = 5.0) -> None:
        """Open (or create) the database file and its tables; a locked database is waited for `busy_timeout_s`."""
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                str(self.path), timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._add_missing_columns()
        except sqlite3.Error as exc:
            raise StorageError(f"the room database {str(self.path)!r} cannot be opened ({exc})") from None
        self._identity = _file_identity(self.path)
        self.lost: str | None = None

    def _add_missing_columns(self) -> None:
        """Bring a file written by an earlier version up to this schema (rooms in it keep working)."""
        for table, column, declaration in ADDED_COLUMNS:
            present = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def check_file(self) -> str | None:
        """A one-line message if the database file was deleted or replaced since it was opened, else None."""
        if self.lost is None and _file_identity(self.path) != self._identity:
            self.lost = (
                f"the room database {str(self.path)!r} was deleted or replaced while the server ran: "
                "nothing more can be saved; stop the server, put the file back (or choose another --db) and start it again"
            )
        return self.lost

    def require_file(self) -> None:
        """Raise `DatabaseGone` if the database file was deleted or replaced."""
        message = self.check_file()
        if message:
            raise DatabaseGone(message)

    def _write(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        """Run one statement in its own committed transaction (sqlite3.IntegrityError passes through)."""
        with self._lock:
            self.require_file()
            try:
                return self._db.execute(sql, args)
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise StorageError(f"the room database could not be written ({exc}); nothing was saved") from None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Several statements committed together, or none of them (one-line `StorageError` on failure)."""
        with self._lock:
            self.require_file()
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"the room database could not be written ({exc}); nothing was saved") from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(f"the room database could not be written ({exc}); nothing was saved") from None
                raise

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Run one query and fetch all rows."""
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"the room database could not be read ({exc})") from None

    # ----- rooms ---------------------------------------------------------------------------
    def create_room(self, code: str, facilitator_key: str, name: str, seed: int, rounds_total: int) -> None:
        """Insert a new room."""
        self._write(
            "INSERT INTO rooms (code, facilitator_key_sha256, name, seed, rounds_total, created_unix) VALUES (?,?,?,?,?,?)",
            (code, token_hash(facilitator_key), name, seed, rounds_total, time.time()),
        )

    def room(self, code: str) -> dict[str, Any] | None:
        """One room's row as a dict, or None."""
        rows = self._read("SELECT * FROM rooms WHERE code = ?", (code,))
        return dict(rows[0]) if rows else None

    def room_codes(self) -> list[str]:
        """Codes of every stored room, oldest first."""
        return [row["code"] for row in self._read("SELECT code FROM rooms ORDER BY created_unix")]

    def set_deadline(self, code: str, deadline_unix: float | None) -> None:
        """Set or clear the current round's deadline."""
        self._write("UPDATE rooms SET round_deadline_unix = ? WHERE code = ?", (deadline_unix, code))

    def finish_round(
        self, code: str, round_number: int, summary: dict[str, Any], deadline_before_unix: float | None = None
    ) -> None:
        """Store a round's results and move the room on, in one transaction (the timer it ended is kept for undo)."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO results (room_code, round, summary, deadline_before_unix) VALUES (?,?,?,?)",
                (code, round_number, json.dumps(summary), deadline_before_unix),
            )
            db.execute(
                "UPDATE rooms SET current_round = ?, round_deadline_unix = NULL WHERE code = ?", (round_number, code)
            )

    def undo_round(self, code: str, round_number: int) -> None:
        """Take back a played round in one transaction: its results, and what was added for the round after it.

        The room goes back to `round_number - 1` rounds played with the timer it had; decisions and
        event cards for the round after (made once the round was played) are removed, those for
        `round_number` itself stay, as they were before it was played.
        """
        with self._transaction() as db:
            row = db.execute(
                "SELECT deadline_before_unix FROM results WHERE room_code = ? AND round = ?", (code, round_number)
            ).fetchone()
            if row is None:
                raise StorageError(f"round {round_number} has no stored results to undo")
            db.execute("DELETE FROM results WHERE room_code = ? AND round >= ?", (code, round_number))
            db.execute("DELETE FROM decisions WHERE room_code = ? AND round > ?", (code, round_number))
            db.execute("DELETE FROM events WHERE room_code = ? AND round > ?", (code, round_number))
            db.execute(
                "UPDATE rooms SET current_round = ?, round_deadline_unix = ? WHERE code = ?",
                (round_number - 1, row["deadline_before_unix"], code),
            )

    # ----- teams ---------------------------------------------------------------------------
    def add_team(self, code: str, token: str, role: str, team_name: str, joined_round: int = 0) -> None:
        """Insert a team holding a role from round `joined_round + 1` (sqlite3.IntegrityError if the role is taken)."""
        self._write(
            "INSERT INTO teams (token_sha256, room_code, role, team_name, joined_unix, joined_round) "
            "VALUES (?,?,?,?,?,?)",
            (token_hash(token), code, role, team_name, time.time(), joined_round),
        )

    def replace_token(
        self, code: str, role: str, token: str, team_name: str | None = None, joined_round: int | None = None
    ) -> None:
        """Give the team holding `role` a new token (the old one is revoked); a new name and round start a new team."""
        with self._transaction() as db:
            row = db.execute("SELECT token_sha256 FROM teams WHERE room_code = ? AND role = ?", (code, role)).fetchone()
            if row is None:
                raise WorkshopError(f"no team holds {role!r} in this room")
            self._revoke(db, code, role, row["token_sha256"])
            db.execute(
                "UPDATE teams SET token_sha256 = ?, team_name = COALESCE(?, team_name), "
                "joined_round = COALESCE(?, joined_round) WHERE room_code = ? AND role = ?",
                (token_hash(token), team_name, joined_round, code, role),
            )

    def free_role(self, code: str, role: str) -> None:
        """Remove the team holding `role` (its token is revoked); the role's decisions stay in the history."""
        with self._transaction() as db:
            row = db.execute("SELECT token_sha256 FROM teams WHERE room_code = ? AND role = ?", (code, role)).fetchone()
            if row is None:
                raise WorkshopError(f"no team holds {role!r} in this room")
            self._revoke(db, code, role, row["token_sha256"])
            db.execute("DELETE FROM teams WHERE room_code = ? AND role = ?", (code, role))

    @staticmethod
    def _revoke(db: sqlite3.Connection, code: str, role: str, token_sha256: str) -> None:
        """Remember a token that no longer opens the room (so its page can say why)."""
        db.execute(
            "INSERT OR REPLACE INTO revoked_tokens (token_sha256, room_code, role, revoked_unix) VALUES (?,?,?,?)",
            (token_sha256, code, role, time.time()),
        )

    def revoked_role(self, code: str, token: str) -> str | None:
        """The role a revoked token of this room held, or None if it was never revoked."""
        rows = self._read(
            "SELECT role FROM revoked_tokens WHERE room_code = ? AND token_sha256 = ?", (code, token_hash(token))
        )
        return rows[0]["role"] if rows else None

    def team_by_token(self, code: str, token: str) -> dict[str, Any] | None:
        """The team a token belongs to in a room, or None."""
        rows = self._read("SELECT * FROM teams WHERE room_code = ? AND token_sha256 = ?", (code, token_hash(token)))
        return dict(rows[0]) if rows else None

    def teams(self, code: str) -> list[dict[str, Any]]:
        """Every team in a room (without tokens)."""
        rows = self._read(
            "SELECT role, team_name, joined_unix, joined_round FROM teams WHERE room_code = ? ORDER BY joined_unix",
            (code,),
        )
        return [dict(row) for row in rows]

    # ----- decisions -----------------------------------------------------------------------
    def save_decision(self, code: str, round_number: int, role: str, payload: dict[str, Any]) -> None:
        """Store (or replace) a role's decision for a round."""
        self._write(
            "INSERT OR REPLACE INTO decisions (room_code, round, role, payload, submitted_unix) VALUES (?,?,?,?,?)",
            (code, round_number, role, json.dumps(payload, sort_keys=True), time.time()),
        )

    def decisions(self, code: str) -> dict[int, dict[str, dict[str, Any]]]:
        """All decisions of a room: round -> role -> payload."""
        out: dict[int, dict[str, dict[str, Any]]] = {}
        for row in self._read("SELECT round, role, payload FROM decisions WHERE room_code = ? ORDER BY round", (code,)):
            out.setdefault(row["round"], {})[row["role"]] = json.loads(row["payload"])
        return out

    # ----- events --------------------------------------------------------------------------
    def add_event(self, code: str, round_number: int, card: str, payload: dict[str, Any], drawn: bool) -> int:
        """Schedule an event card for a round; returns its id."""
        cursor = self._write(
            "INSERT INTO events (room_code, round, card, payload, drawn, created_unix) VALUES (?,?,?,?,?,?)",
            (code, round_number, card, json.dumps(payload, sort_keys=True), int(drawn), time.time()),
        )
        return int(cursor.lastrowid)

    def events(self, code: str) -> list[dict[str, Any]]:
        """Every event card of a room in the order it was added."""
        rows = self._read("SELECT id, round, card, payload, drawn FROM events WHERE room_code = ? ORDER BY id", (code,))
        return [{**dict(row), "payload": json.loads(row["payload"]), "drawn": bool(row["drawn"])} for row in rows]

    # ----- results -------------------------------------------------------------------------
    def results(self, code: str) -> dict[int, dict[str, Any]]:
        """Stored round summaries: round -> summary."""
        rows = self._read("SELECT round, summary FROM results WHERE room_code = ? ORDER BY round", (code,))
        return {row["round"]: json.loads(row["summary"]) for row in rows}

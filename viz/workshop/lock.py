"""One server per room database: an exclusive `flock` on `<db>.lock`, held by the serving process.

The kernel drops an `flock` when the process that holds it ends, however it ends, so a crashed
server leaves no stale lock behind. The lock file names its holder (pid, host, since when), so a
second server can say who holds the database. The file itself stays (it is harmless, and removing
a lock file races with the next server taking it).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from viz.workshop.roles import WorkshopError

#: Lock files the serving process holds for its lifetime (a closed descriptor would drop the lock).
_held: list[int] = []


class DatabaseInUse(WorkshopError):
    """Another running server holds the room database."""


def lock_path(db: str | Path) -> Path:
    """The lock file beside a room database: `<db>.lock`."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def _acquire(db: str | Path) -> int:
    """Open and lock `<db>.lock` without waiting; return its descriptor, or raise naming the holder."""
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise WorkshopError(f"--db: cannot open the lock file {str(path)!r} ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder_text(fd)
        os.close(fd)
        raise DatabaseInUse(
            f"--db: {str(db)!r} is in use by another workshop server ({holder}); stop that server or choose another --db"
        ) from None
    return fd


def _holder_text(fd: int) -> str:
    """'pid 123 on host, since 2026-05-01 10:00:00 CEST' from a lock file, or a note that it cannot be read."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f"pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its pid is not recorded yet"


def check_database_free(db: str | Path) -> None:
    """Raise a one-line `DatabaseInUse` if a running server holds `db`; take nothing."""
    os.close(_acquire(db))


def hold_database(db: str | Path) -> None:
    """Lock `db` for the rest of this process's life and record this process as its holder."""
    fd = _acquire(db)
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode("utf-8"), 0)
    _held.append(fd)

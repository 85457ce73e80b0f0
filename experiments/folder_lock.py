"""One writer per sweep folder: an exclusive `flock` on the folder itself.

The operating system releases the lock when the holding process ends, however it ends (a crash
or SIGKILL leaves nothing behind to clean up), and the lock adds no file to the folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def try_lock_folder(folder: Path) -> int | None:
    """Lock an existing folder for this process; return the lock's descriptor, or None if another process holds it."""
    import fcntl  # POSIX only: imported here so that the other commands still load where it is missing

    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # not inherited by child processes
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def unlock_folder(descriptor: int) -> None:
    """Release a lock taken by `try_lock_folder`."""
    os.close(descriptor)

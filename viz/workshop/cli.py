"""`borrowed-time workshop`: serve the workshop pages alone (Solara) on a SQLite room database.

The same pages are also served by `borrowed-time app` at `/workshop`. Only light modules are
imported here; the server itself runs in the `solara run` process.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from viz.workshop.store import DB_ENV, DEFAULT_DB

DEFAULT_PORT = 8766
#: Solara's setting to write each websocket message from the thread that renders the page, rather than
#: handing every message to the server's event loop and waiting for it: after a round, 40 pages
#: re-render at once and would otherwise queue behind one another there. The environment may override it.
SYNC_WRITES_ENV = "SOLARA_SERVER_SYNC_WS_WRITE"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `workshop` subcommand to the CLI's subparsers."""
    workshop = commands.add_parser("workshop", help="serve the workshop alone: rooms, team dashboards, debrief")
    workshop.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    workshop.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    workshop.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file holding the rooms (default ./{DEFAULT_DB})")
    workshop.add_argument(
        "--prepare-assets",
        action="store_true",
        help="alias of `borrowed-time app --prepare-offline`: fetch the front-end assets, then exit",
    )
    workshop.set_defaults(handler=command_workshop)


def workshop_db_environment(db: str | None) -> dict[str, str]:
    """The server environment naming the rooms' SQLite file (default ./workshop.sqlite3).

    Its folder must exist, and no running server may hold it (the server process takes the lock).
    """
    from viz.workshop.lock import check_database_free
    from viz.workshop.roles import WorkshopError

    path = Path(db or DEFAULT_DB).resolve()
    if not path.parent.is_dir():
        raise WorkshopError(f"--db: folder {str(path.parent)!r} does not exist")
    check_database_free(path)
    return {DB_ENV: str(path)}


def command_workshop(args: argparse.Namespace) -> int:
    """Check the arguments, then replace this process with the Solara server."""
    from viz.assets import asset_cache_dir, prepare_offline_assets
    from viz.serve import (
        check_address,
        server_environment,
        solara_command,
        warn_if_not_offline_ready,
        warn_if_reachable,
    )

    if args.prepare_assets:
        prepare_offline_assets()  # the same step as `borrowed-time app --prepare-offline`
        return 0
    check_address(args.host, args.port)
    env = workshop_db_environment(args.db) | {SYNC_WRITES_ENV: os.environ.get(SYNC_WRITES_ENV, "true")}
    cache = asset_cache_dir()
    warn_if_not_offline_ready(cache)
    warn_if_reachable(args.host, args.port)
    print(f"workshop on http://{args.host}:{args.port}/  (rooms in {env[DB_ENV]})", file=sys.stderr)
    argv = solara_command("viz.workshop.app", args.host, args.port)
    os.execve(sys.executable, argv, server_environment(cache, **env))
    return 0  # not reached

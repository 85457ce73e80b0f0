"""`borrowed-time workshop`: serve the workshop pages (Solara) on a SQLite room database."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from viz.workshop.assets import CACHE_ENV, cache_is_ready, default_cache_dir, prepare_asset_cache
from viz.workshop.roles import WorkshopError
from viz.workshop.store import DEFAULT_DB

DEFAULT_PORT = 8766


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `workshop` subcommand to the CLI's subparsers."""
    workshop = commands.add_parser("workshop", help="serve the workshop: rooms, team dashboards, debrief")
    workshop.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    workshop.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    workshop.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file holding the rooms (default ./{DEFAULT_DB})")
    workshop.add_argument("--prepare-assets", action="store_true",
                          help="fetch the front-end assets with npm into the offline cache, then exit")


def command_workshop(args: argparse.Namespace) -> int:
    """Check the arguments, then replace this process with the Solara server."""
    if args.prepare_assets:
        path = prepare_asset_cache(progress=lambda line: print(line, file=sys.stderr))
        print(f"offline assets ready in {path}")
        return 0
    if not 1 <= args.port <= 65535:
        raise WorkshopError(f"--port must be between 1 and 65535 (got {args.port})")
    db = Path(args.db).resolve()
    if not db.parent.is_dir():
        raise WorkshopError(f"--db: folder {str(db.parent)!r} does not exist")
    env = dict(os.environ, BORROWED_TIME_WORKSHOP_DB=str(db))
    cache = default_cache_dir()
    if cache_is_ready(cache):
        env[CACHE_ENV] = str(cache)
    else:
        print(f"note: no offline asset cache in {cache}; pages need internet (run with --prepare-assets once)",
              file=sys.stderr)
    print(f"workshop on http://{args.host}:{args.port}/  (rooms in {db})", file=sys.stderr)
    argv = [sys.executable, "-m", "solara", "run", "viz.workshop.app", "--host", args.host, "--port", str(args.port),
            "--no-open", "--production"]
    os.execve(sys.executable, argv, env)
    return 0  # not reached

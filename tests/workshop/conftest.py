"""The workshop's server: the real `borrowed-time workshop` command on a fresh SQLite file.

`workshop_server.restart()` stops and starts it on the same port and database. Chromium, the
asset cache, the output folder and `start_server` are shared fixtures in `tests/conftest.py`.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def workshop_server(start_server, tmp_path_factory):
    """`borrowed-time workshop --db <fresh file>`, stopped after the module; `.db` is the file."""
    db = tmp_path_factory.mktemp("workshop-server") / "rooms.sqlite3"
    server = start_server("workshop", "--db", str(db))
    server.db = db
    return server

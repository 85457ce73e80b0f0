"""The explorer's server: `borrowed-time app` on a free loopback port, one per test module.

Chromium, the asset cache, the output folder and `start_server` are shared fixtures in `tests/conftest.py`.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def app_server(start_server, tmp_path_factory):
    """`borrowed-time app` (explorer, About, and the workshop at /workshop on a throw-away room database).

    Projections of 2 runs keep the tests quick on two shared cores (the page's default is 8); a band still needs two.
    """
    db = tmp_path_factory.mktemp("app-server") / "rooms.sqlite3"
    return start_server("app", "--db", str(db), "--runs", "2")

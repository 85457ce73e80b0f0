"""Links to a room's pages: the join link on the projector, team and facilitator links (secrets) on request.

A server started on a network address (`--host 0.0.0.0`) publishes the address people in the
room should open (`viz.serve` sets $BORROWED_TIME_PUBLIC_URL to this machine's LAN address), so
a projector opened on the laptop itself still shows a link phones can reach; otherwise links use
the host the browser asked for.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

#: The environment variable naming the base address people in the room open (set by the server on a network host).
PUBLIC_URL_ENV = "BORROWED_TIME_PUBLIC_URL"


def base_address() -> str:
    """'http://host:port' of this server as the room reaches it ('' when unknown, e.g. in headless tests)."""
    public = os.environ.get(PUBLIC_URL_ENV, "").rstrip("/")
    if public:
        return public
    import solara  # imported here: the server process reads this module's constant before Solara starts

    headers = solara.lab.headers.value or {}
    host = (headers.get("host") or [""])[0]
    scheme = (headers.get("x-forwarded-proto") or ["http"])[0]
    return f"{scheme}://{host}" if host else ""


def room_link(router: Any, params: dict[str, str]) -> str:
    """A full link to the workshop page (its own path: `/` alone, `/workshop` in the app) with `params`."""
    path = router.path if router is not None and router.path else "/"
    return f"{base_address()}{path}?{urlencode(params)}"

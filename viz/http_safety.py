"""ASGI middleware both servers add to Solara's Starlette app (see `viz.serve.main`).

`SecurityHeaders` adds headers to every HTTP response: no referrer (a page address may hold a
room's join code), no framing by other sites, no MIME sniffing. `ClientAddress` tells the pages
which network address a browser connects from, so the workshop can limit guesses per client:
it replaces any header of that name the browser sent with the address the server saw.
"""

from __future__ import annotations

from typing import Any

SECURITY_HEADERS = {
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"content-security-policy": b"frame-ancestors 'none'",
    b"x-content-type-options": b"nosniff",
}
#: Header (lower case) carrying the client's address into the page's request headers (`solara.lab.headers`).
CLIENT_HEADER = "x-borrowed-time-client"


class SecurityHeaders:
    """Add `SECURITY_HEADERS` to every HTTP response that does not set them itself."""

    def __init__(self, app: Any) -> None:
        """Wrap an ASGI app."""
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            """Add the missing security headers to the response's first message."""
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS.items() if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ClientAddress:
    """Put the connecting client's address into websocket requests as `CLIENT_HEADER`."""

    def __init__(self, app: Any) -> None:
        """Wrap an ASGI app."""
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Replace any `CLIENT_HEADER` the browser sent with the address the server saw."""
        if scope["type"] == "websocket":
            client = scope.get("client") or ("unknown", 0)
            name = CLIENT_HEADER.encode("latin-1")
            headers = [(key, value) for key, value in scope.get("headers", []) if key.lower() != name]
            scope = {**scope, "headers": [*headers, (name, str(client[0]).encode("latin-1"))]}
        await self.app(scope, receive, send)

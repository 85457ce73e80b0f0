"""Solara pages of the workshop: landing (create / join), and the routing to the other views.

The views are in their own modules: the facilitator console (`console`), a team's page (`team`),
the projector (`screen`), the debrief (`debrief`) and the printable handouts (`handouts`).
The address names the room and the view: `?room=CODE` (plus `&view=debrief` for the debrief;
`?room=CODE&view=screen` is a read-only view for the projector; `?view=print&doc=cards` or
`doc=guide` a handout to print). Who you are is a secret kept
out of the address bar: a link with `&key=FACILITATOR_KEY` or `&team=TEAM_TOKEN` still works,
but the page moves the secret into the browser tab's session storage and rewrites the address
without it (`secret_keeper.vue`), so a reload brings you back and a projected screen shows no key.
`borrowed-time workshop` serves `Page` alone at `/`; `borrowed-time app` hosts it at `/workshop`
(see `viz.app`), on the same SQLite file by default. The room manager is module-level: shared by every session on
the server (rooms are shared by design; every room has its own lock). Nothing personal is
module-level: each page keeps its own inputs in per-session state.

Everything participants type (room and team names, the developer community's statement) is
shown through `viz.workshop.text` or as the label of a Solara alert: as text, never as Markdown,
HTML or a Vue template.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import reacton.ipyvuetify as v
import solara

from viz.http_safety import CLIENT_HEADER
from viz.workshop.console import FacilitatorView
from viz.workshop.debrief import Debrief
from viz.workshop.guard import GuessLimiter
from viz.workshop.handouts import Handout
from viz.workshop.live import StoreProblem, use_room_version
from viz.workshop.roles import ROLE_BOOK, RoleBook, WorkshopError
from viz.workshop.room import CODE_LENGTH, DEFAULT_ROUNDS, RoomManager, WorkshopRoom, normalise_code
from viz.workshop.screen import ScreenView
from viz.workshop.store import DB_ENV, DEFAULT_DB, StorageError
from viz.workshop.style import PageStyle
from viz.workshop.team import TeamView
from viz.workshop.text import Emphasis, Line

_manager: RoomManager | None = None
_manager_lock = threading.Lock()
#: Wrong join codes, keys and tokens per client, for every page of this server.
GUESSES = GuessLimiter()


def manager() -> RoomManager:
    """The server's room manager on the SQLite file named by $BORROWED_TIME_WORKSHOP_DB (each room plays its coming year ahead)."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = RoomManager.open(os.environ.get(DB_ENV, DEFAULT_DB), play_ahead=True)
        return _manager


def lobby_roles() -> RoleBook:
    """The roles a team can join: those of the room manager's catalogue (opening no database to ask)."""
    return _manager.roles if _manager is not None else ROLE_BOOK


@solara.component_vue("secret_keeper.vue")
def SecretKeeper(secrets: dict | None, on_secrets: Any = None) -> None:
    """This tab's secrets per room (`{code: {"key": ...}}` or `{code: {"team": ...}}`), kept in session storage."""


def query(router: Any) -> dict[str, str]:
    """The URL's query parameters as single values."""
    return {key: values[0] for key, values in parse_qs(router.search or "").items()}


def go(router: Any, params: dict[str, str]) -> None:
    """Navigate to this page with new query parameters (the page's own path: `/` alone, `/workshop` in the app)."""
    router.push(f"{router.path}?{urlencode(params)}")


def client_address() -> str:
    """The browser's network address as the server saw it (`viz.http_safety`), or 'local' without one."""
    headers = solara.lab.headers.value or {}
    return (headers.get(CLIENT_HEADER) or ["local"])[0]


@dataclass
class Access:
    """What a visitor may open: the room (if the code is right), and as whom, or why not."""

    room: WorkshopRoom | None = None
    facilitator_key: str | None = None
    team_token: str | None = None
    team: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def open_room(code: str | None, secret: dict[str, str], client: str) -> Access:
    """Look up the room and check the visitor's key or token; wrong guesses count against the client."""
    if not code:
        return Access()
    try:
        GUESSES.check(client, "join code")
        try:
            room = manager().get(code)
        except StorageError:
            raise
        except WorkshopError:
            GUESSES.wrong(client)
            raise
        access = Access(room=room)
        if secret.get("key"):
            GUESSES.check(client, "facilitator key")
            if not room.is_facilitator(secret["key"]):
                GUESSES.wrong(client)
                return Access(room=room, error="this facilitator key does not open this room")
            access.facilitator_key = secret["key"]
        elif secret.get("team"):
            GUESSES.check(client, "team token")
            try:
                access.team = room.team_for(secret["team"])
            except StorageError:
                raise
            except WorkshopError as exc:
                GUESSES.wrong(client)
                return Access(room=room, error=str(exc))
            access.team_token = secret["team"]
        return access
    except WorkshopError as exc:
        return Access(error=str(exc))


def secret_for(params: dict[str, str], secrets: dict[str, Any] | None) -> dict[str, str]:
    """The key or token for the room in the address: from the link itself, else from this tab's storage."""
    from_link = {name: params[name] for name in ("key", "team") if params.get(name)}
    if from_link or not params.get("room") or not secrets:
        return from_link
    try:
        code = normalise_code(params["room"])
    except WorkshopError:
        return {}
    stored = next((value for room, value in secrets.items() if _same_code(room, code)), None)
    return {name: stored[name] for name in ("key", "team") if isinstance(stored, dict) and stored.get(name)}


def _same_code(typed: Any, code: str) -> bool:
    """Whether a stored room code, as typed, is `code`."""
    try:
        return normalise_code(typed) == code
    except WorkshopError:
        return False


@solara.component_vue("reconnect.vue")
def Reconnect(after_s: float) -> None:
    """After a server restart, reload this page by itself once the server answers (if Solara has not re-run it)."""


#: Seconds a page stays disconnected before it asks the server whether it is back (then reloads).
RECONNECT_AFTER_S = 6.0


@solara.component
def Page() -> None:
    """Route by the address and this tab's secrets: landing, facilitator, team, projector, debrief or a handout."""
    router = solara.use_router()
    params = query(router)
    secrets, set_secrets = solara.use_state(None)
    solara.Title("Borrowed Time workshop")
    PageStyle()
    Reconnect(after_s=RECONNECT_AFTER_S)
    SecretKeeper(secrets=secrets, on_secrets=set_secrets)
    client = client_address()
    secret = secret_for(params, secrets)
    access = solara.use_memo(
        lambda: open_room(params.get("room"), secret, client),
        dependencies=[params.get("room"), secret.get("key"), secret.get("team"), client],
    )

    def remember(code: str, value: dict[str, str]) -> None:
        """Keep a new key or token for a room in this tab (never in the address)."""
        set_secrets({**(secrets or {}), code: value})

    def forget(code: str) -> None:
        """Drop this tab's key or token for a room (a replaced team link), back to the join form."""
        set_secrets({room: value for room, value in (secrets or {}).items() if not _same_code(room, code)})
        go(router, {"room": code})

    room, view = access.room, params.get("view")
    if view == "print":
        Handout(params.get("doc", ""), lobby_roles())
        return
    if room is not None and view == "screen":
        with solara.Div(classes=["bt-page", "bt-screen"]):
            ScreenView(room, router)
        return
    # a room opened with no key or token in the link: wait for this tab's stored one before choosing a view
    waiting = room is not None and not secret and secrets is None
    with solara.Div(classes=["bt-page"]):
        solara.Markdown("# Borrowed Time: workshop")
        if access.error:
            solara.Error(access.error)
        if waiting:
            solara.Text("Opening the room…")
        elif room is None:
            try:
                StoreProblem(manager().store)  # the views below show it themselves
            except WorkshopError as exc:
                solara.Error(str(exc))
                return
            Landing(router, remember, code=params.get("room", ""))
        elif view == "debrief" and (access.facilitator_key or access.team_token):
            Debrief(room, router)
        elif access.facilitator_key:
            FacilitatorView(room, access.facilitator_key, router)
        elif access.team_token:
            TeamView(room, access.team_token, access.team["role"], router, on_forget=lambda: forget(room.code))
        elif access.error and secret.get("team"):
            solara.Button("Join with the room code", on_click=lambda: forget(room.code), color="primary")
        elif not secret.get("key"):
            Landing(router, remember, code=room.code)


def typed_room(code: str, client: str) -> WorkshopRoom | None:
    """The room a full-length typed code opens, or None; a wrong code counts as a guess."""
    try:
        typed = normalise_code(code)
    except WorkshopError:
        return None
    if len(typed) != CODE_LENGTH:
        return None
    try:
        GUESSES.check(client, "join code")
        try:
            room = manager().get(typed)
        except StorageError:
            raise
        except WorkshopError:
            GUESSES.wrong(client)
            raise
    except WorkshopError:
        return None
    return room


@solara.component
def RoleMenu(roles: RoleBook, taken: set[str], value: str, on_value: Any) -> None:
    """The roles by their names, those another team holds greyed out."""
    v.Select(
        label="Role",
        items=[
            {
                "text": roles.labels[role] + (" (taken)" if role in taken else ""),
                "value": role,
                "disabled": role in taken,
            }
            for role in roles.roles
        ],
        v_model=value,
        on_v_model=on_value,
        id="bt-role-menu",
    )


@solara.component
def Landing(router: Any, remember: Any = None, code: str = "") -> None:
    """Create a room (facilitator) or join one (team)."""
    room_name, set_room_name = solara.use_state("Workshop")
    rounds, set_rounds = solara.use_state(DEFAULT_ROUNDS)
    join_code, set_join_code = solara.use_state(code)
    team_name, set_team_name = solara.use_state("")
    roles = lobby_roles()
    client = client_address()
    known = solara.use_memo(lambda: typed_room(join_code, client), dependencies=[join_code, client])
    use_room_version(known)  # another team joining greys its role out here too
    taken = set(known.teams()) if known is not None else set()
    free = [role for role in roles.roles if role not in taken]
    role, set_role = solara.use_state(free[0] if free else roles.roles[0])
    error, set_error = solara.use_state("")
    if role in taken and free:
        role = free[0]

    def create() -> None:
        """Create a room and go to its facilitator view."""
        try:
            room, key = manager().create_room(room_name, rounds_total=int(rounds))
        except WorkshopError as exc:
            set_error(str(exc))
            return
        if remember is not None:
            remember(room.code, {"key": key})
        go(router, {"room": room.code})

    def join() -> None:
        """Join a room with a role and go to the team dashboard."""
        try:
            GUESSES.check(client, "join code")
            try:
                room = manager().get(join_code)
            except StorageError:
                raise
            except WorkshopError:
                GUESSES.wrong(client)
                raise
            token = room.join(role, team_name)
        except WorkshopError as exc:
            set_error(str(exc))
            return
        if remember is not None:
            remember(room.code, {"team": token})
        go(router, {"room": room.code})

    with solara.ColumnsResponsive(12, medium=[6, 6]):
        with solara.Card("Team: join a room"):
            solara.InputText("Join code", value=join_code, on_value=set_join_code, continuous_update=True)
            solara.InputText("Team name", value=team_name, on_value=set_team_name, continuous_update=True)
            RoleMenu(roles, taken, role, set_role)
            Line(Emphasis(roles.labels[role]), f" — {roles.goals[role]}")
            if known is not None and not free:
                Line("Every role of this room is taken; ask the facilitator.")
            solara.Button("Join", on_click=join, color="primary")
        with solara.Card("Facilitator: create a room"):
            solara.InputText("Room name", value=room_name, on_value=set_room_name)
            solara.InputInt("Rounds (years)", value=rounds, on_value=set_rounds)
            solara.Button("Create room", on_click=create, color="primary")
    if error:
        solara.Error(error)

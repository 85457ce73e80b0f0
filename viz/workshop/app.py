"""Solara pages of the workshop: landing (create / join), facilitator view, team dashboard, debrief.

The address names the room and the view: `?room=CODE` (plus `&view=debrief` for the debrief;
`?room=CODE&view=screen` is a read-only view for the projector). Who you are is a secret kept
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
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any, get_args
from urllib.parse import parse_qs, urlencode

import solara

from viz.http_safety import CLIENT_HEADER
from viz.workshop import charts
from viz.workshop.events import CARDS, SEVERITY
from viz.workshop.guard import GuessLimiter
from viz.workshop.loops import CAUSAL_LOOPS_MARKDOWN
from viz.workshop.roles import ROLE_BOOK, RoleBook, WorkshopError
from viz.workshop.room import DEFAULT_ROUNDS, RoomManager, WorkshopRoom, normalise_code
from viz.workshop.store import DB_ENV, DEFAULT_DB, StorageError, WorkshopStore
from viz.workshop.text import Bullets, Emphasis, Heading, Line, Strong, TextTable

_manager: RoomManager | None = None
_manager_lock = threading.Lock()
#: Wrong join codes, keys and tokens per client, for every page of this server.
GUESSES = GuessLimiter()
#: Pages wait for room changes in a background thread; headless tests switch this off.
LIVE_UPDATES = True
#: Seconds between timer refreshes while a round timer runs (every page re-renders; keep it coarse).
TIMER_TICK_S = 5.0


def manager() -> RoomManager:
    """The server's room manager on the SQLite file named by $BORROWED_TIME_WORKSHOP_DB."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = RoomManager.open(os.environ.get(DB_ENV, DEFAULT_DB))
        return _manager


def lobby_roles() -> RoleBook:
    """The roles a team can join: those of the room manager's catalogue (opening no database to ask)."""
    return _manager.roles if _manager is not None else ROLE_BOOK


@solara.component_vue("secret_keeper.vue")
def SecretKeeper(secrets: dict | None, on_secrets: Any = None) -> None:
    """This tab's secrets per room (`{code: {"key": ...}}` or `{code: {"team": ...}}`), kept in session storage."""


def use_room_version(room: WorkshopRoom | None) -> float:
    """Re-render when the room changes (another team submits, the facilitator advances), or each second.

    Child components get the returned version as an argument: reacton skips re-rendering a
    child whose arguments did not change, and the room object itself never changes. The watcher
    also looks at the database file each second, so every page says so once it is gone.
    """
    version, set_version = solara.use_state(room.version if room else 0)

    def watch(cancel: threading.Event) -> None:
        """Wait for changes until the page goes away or the room closes (the server is shutting down)."""
        seen, last_tick, lost = room.version, time.monotonic(), room.store.lost
        while not cancel.is_set():
            now = room.wait_for_change(seen, timeout_s=1.0)
            if cancel.is_set() or room.closed:
                return
            try:
                timer_due = room.deadline_unix is not None and time.monotonic() - last_tick >= TIMER_TICK_S
            except (sqlite3.ProgrammingError, WorkshopError):  # closed between the check and the read
                return
            newly_lost = lost is None and room.store.check_file() is not None
            lost = room.store.lost
            if now != seen or timer_due or newly_lost:
                seen, last_tick = now, time.monotonic()
                set_version(now + time.time() % 1)  # a fresh value also ticks the round timer

    if room is not None and LIVE_UPDATES:
        solara.use_thread(watch, dependencies=[room.code], intrusive_cancel=False)
    return (room.version if room else 0) + version % 1  # the room's own count, plus the timer tick


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


def page_link(router: Any, params: dict[str, str]) -> str:
    """A full link to this page with `params` (host from the request; the path alone if unknown)."""
    headers = solara.lab.headers.value or {}
    host = (headers.get("host") or [""])[0]
    scheme = (headers.get("x-forwarded-proto") or ["http"])[0]
    path = f"{router.path if router is not None else ''}?{urlencode(params)}"
    return f"{scheme}://{host}{path}" if host else path


def money(usd: float) -> str:
    """USD in millions or thousands, short (written 'USD', since '$' starts formulas in Markdown)."""
    return (
        f"USD {usd / 1e6:,.2f}M" if abs(usd) >= 1e6 else f"USD {usd / 1e3:,.0f}k"
    )  # no '$': Markdown reads it as maths


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


@solara.component
def StoreProblem(store: WorkshopStore, version: float = 0) -> None:
    """One line at the top of every page once the room database is gone (nothing more can be saved)."""
    problem = store.check_file()
    if problem:
        solara.Error(problem)


@solara.component
def Page() -> None:
    """Route by the address and this tab's secrets: landing, facilitator, team, projector or debrief."""
    router = solara.use_router()
    params = query(router)
    secrets, set_secrets = solara.use_state(None)
    solara.Title("Borrowed Time workshop")
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

    # a room opened with no key or token in the link: wait for this tab's stored one before choosing a view
    waiting = access.room is not None and not secret and secrets is None and params.get("view") != "screen"
    with solara.Column(style={"max-width": "1100px", "margin": "0 auto", "padding": "12px"}):
        solara.Markdown("# Borrowed Time: workshop")
        if access.error:
            solara.Error(access.error)
        room, view = access.room, params.get("view")
        if waiting:
            solara.Text("Opening the room…")
        elif room is None:
            try:
                StoreProblem(manager().store)  # the views below show it themselves
            except WorkshopError as exc:
                solara.Error(str(exc))
                return
            Landing(router, remember)
        elif view == "screen":
            ScreenView(room)
        elif view == "debrief" and (access.facilitator_key or access.team_token):
            Debrief(room, router)
        elif access.facilitator_key:
            FacilitatorView(room, access.facilitator_key, router)
        elif access.team_token:
            TeamView(room, access.team_token, access.team["role"], router)
        elif not secret.get("key"):
            Landing(router, remember, code=room.code)


@solara.component
def Landing(router: Any, remember: Any = None, code: str = "") -> None:
    """Create a room (facilitator) or join one (team)."""
    room_name, set_room_name = solara.use_state("Workshop")
    rounds, set_rounds = solara.use_state(DEFAULT_ROUNDS)
    join_code, set_join_code = solara.use_state(code)
    team_name, set_team_name = solara.use_state("")
    roles = lobby_roles()
    role, set_role = solara.use_state(roles.roles[0])
    error, set_error = solara.use_state("")

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
        client = client_address()
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

    with solara.Columns([1, 1]):
        with solara.Card("Facilitator: create a room"):
            solara.InputText("Room name", value=room_name, on_value=set_room_name)
            solara.InputInt("Rounds (years)", value=rounds, on_value=set_rounds)
            solara.Button("Create room", on_click=create, color="primary")
        with solara.Card("Team: join a room"):
            solara.InputText("Join code", value=join_code, on_value=set_join_code)
            solara.InputText("Team name", value=team_name, on_value=set_team_name)
            solara.Select("Role", values=list(roles.roles), value=role, on_value=set_role)
            Line(Emphasis(roles.labels[role]), f" — {roles.goals[role]}")
            solara.Button("Join", on_click=join, color="primary")
    if error:
        solara.Error(error)


def _timer_text(room: WorkshopRoom) -> str:
    """Time left in the round, or that no timer runs."""
    deadline = room.deadline_unix
    if deadline is None:
        return "no timer running"
    left = deadline - time.time()
    until = time.strftime("%H:%M:%S", time.localtime(deadline))
    return "time is up" if left <= 0 else f"about {int(left // 60)} min {int(left % 60):02d} s left (until {until})"


@solara.component
def RoundHeader(room: WorkshopRoom, version: float = 0) -> None:
    """Round, year and timer."""
    snap = room.snapshot()
    if snap["finished"]:
        Heading(f"Game over: {snap['rounds_total']} years played")
    else:
        Heading(
            f"Round {snap['current_round'] + 1} of {snap['rounds_total']} (year {snap['year']}) — {_timer_text(room)}"
        )


@solara.component
def Scoreboard(room: WorkshopRoom, version: float = 0) -> None:
    """Every role's score and the shared goal."""
    board = room.scoreboard()
    if not board["rounds"]:
        Line(Emphasis("Scores appear after the first year."))
        return
    teams = room.teams()
    TextTable(
        ["Role", "Team", "Score", "Unit"],
        [
            [room.roles.labels[role], teams.get(role, "(model)"), f"{score:,.2f}", board["units"][role]]
            for role, score in board["scores"].items()
        ],
        right=[2],
    )
    change = board["shared_harm_change_pct"]
    Line(
        Strong("Shared goal — ecosystem harm: "),
        f"{money(board['shared_harm_usd'])} of corporate malware harm "
        f"({change:+.1f}% against the status quo played without teams).",
    )


@solara.component
def LatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """What happened in the last year played."""
    results = room.results()
    if not results:
        return
    last = results[max(results)]
    Heading(f"What happened in {last['year']}", level=4)
    TextTable(
        ["Registry", "Status", "Runway (months)", "Removal median (h)", "Security FTE"],
        [
            [
                room.roles.labels[name],
                reg["status"],
                f"{reg['runway_months']:.1f}",
                f"{reg['removal_median_hours']:.1f}",
                f"{reg['security_fte']:.1f}",
            ]
            for name, reg in last["registries"].items()
        ],
        right=[2, 3, 4],
    )
    Line(
        f"Worm outbreaks: {last['worm_outbreaks']}; corporate harm {money(last['corporate_harm_usd'])}; "
        f"developers on alternatives {100 * last['share_developers_on_alternatives']:.1f}%."
    )
    played = [e for e in room.events(include_upcoming=False) if e["round"] == last["round"]]
    if played:
        Line(Strong("Event cards: "), "; ".join(CARDS[e["card"]] for e in played))
    Line(Strong("Log:"))
    Bullets(last["events"][:12])


@solara.component
def ScoresAndLatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """The scoreboard card, then what happened in the last year played (every view but the debrief ends so)."""
    with solara.Card("Scoreboard"):
        Scoreboard(room, version)
    LatestRound(room, version)


def _card_text(event: dict[str, Any]) -> str:
    """An event card and its options, e.g. 'worm registry=npm, week_of_year=20'."""
    options = ", ".join(f"{name}={value}" for name, value in (event["payload"] or {}).items())
    return f"{event['card']} {options}".strip()


@solara.component
def SecretLink(label: str, router: Any, params: dict[str, str]) -> None:
    """A button that shows (or hides) a private link holding a key or token; hidden by default."""
    shown, set_shown = solara.use_state(False)
    solara.Button(("Hide " if shown else "Show ") + label, on_click=lambda: set_shown(not shown), text=True)
    if shown:
        Line(Strong(f"{label.capitalize()} (private): "), page_link(router, params))


@solara.component
def FacilitatorView(room: WorkshopRoom, key: str, router: Any) -> None:
    """Create-to-debrief controls: code, teams, timer, event cards, advance, scoreboard."""
    version = use_room_version(room)
    minutes, set_minutes = solara.use_state(10.0)
    card, set_card = solara.use_state("worm")
    worm_registry, set_worm_registry = solara.use_state(room.catalogue.malware_target)
    worm_week, set_worm_week = solara.use_state(20)
    message, set_message = solara.use_state("")
    error, set_error = solara.use_state("")
    snap = room.snapshot()

    def act(action, done: str) -> None:
        """Run a facilitator action and report its result or its one-line error."""
        try:
            result = action()
        except WorkshopError as exc:
            set_error(str(exc))
            set_message("")
            return
        set_error("")
        set_message(done.format(result=result))

    def schedule() -> None:
        """Schedule the chosen card with its options."""
        payload = {"registry": worm_registry, "week_of_year": int(worm_week)} if card == "worm" else None
        act(lambda: room.schedule_event(key, card, payload), f"Scheduled: {card}")

    StoreProblem(room.store, version)
    Heading(f"Facilitator — room {room.code} ({room.name})", level=2)
    Line(
        "Teams join with code ",
        Strong(room.code),
        f" (or open this page's address with ?room={room.code} in place of its query). "
        "Your facilitator key stays in this browser tab, not in the address: a reload keeps it.",
    )
    SecretLink("facilitator link", router, {"room": room.code, "key": key})
    RoundHeader(room, version)
    with solara.Columns([1, 1]):
        with solara.Card("Teams"):
            teams = snap["teams"]
            rows = []
            for role in room.roles.roles:
                held = teams.get(role)
                state = (
                    "submitted" if role in snap["submitted"] else ("not yet (last one stays)" if held else "default")
                )
                rows.append([room.roles.labels[role], held or "(played by the model)", state])
            TextTable(["Role", "Team", "Decision for this round"], rows)
            statement = room.decisions_in_force(snap["current_round"] + 1)["developers"]["statement"]
            if statement:
                solara.Info(f"Developer community: {statement}")
        with solara.Card("Round controls"):
            with solara.Row():
                solara.InputFloat("Timer (minutes)", value=minutes, on_value=set_minutes)
                solara.Button(
                    "Start timer", on_click=lambda: act(lambda: room.set_timer(key, minutes), "Timer started")
                )
            with solara.Row():
                solara.Select("Event card", values=list(CARDS), value=card, on_value=set_card)
                if card == "worm":
                    solara.Select(
                        "Registry",
                        values=list(room.roles.registry_roles),
                        value=worm_registry,
                        on_value=set_worm_registry,
                    )
                    solara.InputInt("Week", value=worm_week, on_value=set_worm_week)
            Line(Strong("Severity: "), SEVERITY[card])
            with solara.Row():
                solara.Button("Schedule card", on_click=schedule)
                solara.Button(
                    "Draw event card", on_click=lambda: act(lambda: room.draw_event(key), "Drew: {result[card]}")
                )
            upcoming = [e for e in room.events(include_upcoming=True) if e["round"] == snap["current_round"] + 1]
            Line("Cards for the coming year: " + (", ".join(_card_text(e) for e in upcoming) or "none"))
            solara.Button(
                "Advance one year",
                on_click=lambda: act(lambda: room.advance(key), "Played {result[year]}"),
                color="primary",
                disabled=snap["finished"],
            )
            if message:
                solara.Success(message)
            if error:
                solara.Error(error)
            with solara.Row():
                solara.Button("Debrief", on_click=lambda: go(router, {"room": room.code, "view": "debrief"}))
                solara.Text(f"Projector view (no key in it): ?room={room.code}&view=screen")
    ScoresAndLatestRound(room, version)


@solara.component
def ScreenView(room: WorkshopRoom) -> None:
    """What to project for the room: round, timer, who has submitted, scoreboard, last year; no key, no controls."""
    version = use_room_version(room)
    snap = room.snapshot()
    StoreProblem(room.store, version)
    Heading(f"Room {room.code} ({room.name}) — join with this code", level=2)
    RoundHeader(room, version)
    waiting = [room.roles.labels[role] for role in snap["teams"] if role not in snap["submitted"]]
    Line(Strong("Still deciding: "), ", ".join(waiting) if waiting else "nobody — all teams have submitted")
    ScoresAndLatestRound(room, version)


@solara.component
def DecisionForm(room: WorkshopRoom, token: str, role: str, version: float = 0) -> None:
    """The role's decision form, prefilled with the decision in force; validated by the server on submit."""
    snap = room.snapshot()
    in_force = room.decisions_in_force(snap["current_round"] + 1)[role]
    values, set_values = solara.use_state(in_force, key=f"{role}-{snap['current_round']}")
    error, set_error = solara.use_state("")
    done, set_done = solara.use_state("")
    form = room.roles.forms[role]

    def set_field(name: str, value: Any) -> None:
        """Change one field of the draft decision."""
        set_values({**values, name: value})

    def submit() -> None:
        """Send the draft to the room."""
        try:
            room.submit(token, role, values)
        except WorkshopError as exc:
            set_error(str(exc))
            set_done("")
            return
        set_error("")
        set_done(f"Submitted for round {room.current_round + 1}.")

    for name, spec in form.model_fields.items():
        label = f"{spec.description} [{name}]"
        kind = spec.annotation
        if kind is bool:
            solara.Checkbox(label=label, value=bool(values[name]), on_value=lambda v, n=name: set_field(n, v))
        elif kind is int:
            solara.InputInt(
                label, value=values[name], on_value=lambda v, n=name: set_field(n, v), continuous_update=True
            )
        elif kind is float:
            solara.InputFloat(
                label, value=values[name], on_value=lambda v, n=name: set_field(n, v), continuous_update=True
            )
        elif get_args(kind):
            solara.Select(
                label, values=list(get_args(kind)), value=values[name], on_value=lambda v, n=name: set_field(n, v)
            )
        else:
            solara.InputText(
                label, value=values[name], on_value=lambda v, n=name: set_field(n, v), continuous_update=True
            )
    solara.Button("Submit decisions", on_click=submit, color="primary", disabled=snap["finished"])
    if role in snap["submitted"] and not done:
        solara.Success(f"Your decision for round {snap['current_round'] + 1} is in; you may still change it.")
    if done:
        solara.Success(done)
    if error:
        solara.Error(error)


@solara.component
def TeamView(room: WorkshopRoom, token: str, role: str, router: Any) -> None:
    """A team's dashboard: goal, stocks, decision form, results and the scoreboard."""
    version = use_room_version(room)
    team = room.team_for(token)
    StoreProblem(room.store, version)
    Heading(f"{room.roles.labels[role]} — team {team['team_name']} (room {room.code})", level=2)
    Line(Strong("Your goal: "), room.roles.goals[role])
    SecretLink("team link", router, {"room": room.code, "team": token})
    RoundHeader(room, version)
    results, status_quo = room.results(), room.status_quo_results()
    with solara.Columns([1, 1]):
        with solara.Card("Your decisions for the coming year"):
            DecisionForm(room, token, role, version)
        with solara.Card("Your stocks"):
            Stocks(room, role, results, version)
    figure = solara.use_memo(  # redrawn only when a year has been played, not on every submission
        lambda: (
            (
                charts.registry_figure(role, results, status_quo, colour=room.catalogue[role].colour)
                if role in room.roles.registry_roles
                else charts.ecosystem_figure(results, status_quo)
            )
            if results
            else None
        ),
        dependencies=[role, len(results)],
    )
    if figure is not None:
        solara.FigureMatplotlib(figure, format="png", dependencies=[role, len(results)])
    statement = room.decisions_in_force(room.current_round + 1)["developers"]["statement"]
    if statement and role != "developers":
        solara.Info(f"Developer community: {statement}")
    ScoresAndLatestRound(room, version)
    solara.Button("Debrief", on_click=lambda: go(router, {"room": room.code, "view": "debrief"}))


@solara.component
def Stocks(room: WorkshopRoom, role: str, results: dict[int, dict[str, Any]], version: float = 0) -> None:
    """The numbers a role watches, at the end of the last year played (or the start)."""
    if not results:
        Line(Emphasis("The first year has not been played yet."))
        return
    last = results[max(results)]
    if role in room.roles.registry_roles:
        reg = last["registries"][role]
        revenue = ", ".join(f"{source} {money(value)}" for source, value in reg["revenue_usd"].items() if value)
        Bullets(
            [
                f"Status: {reg['status']}",
                f"Cash: {money(reg['cash_usd'])} ({reg['runway_months']:.1f} months of runway)",
                f"Revenue in {last['year']}: {revenue}",
                f"Costs in {last['year']}: {money(reg['cost_usd'])}",
                f"Security staff: {reg['security_fte']:.1f} FTE; malware removal median {reg['removal_median_hours']:.1f} h",
                f"Publishers: {reg['publishers']:,.0f}; malware downloads {reg['malware_downloads']:,.0f}",
            ]
        )
    elif role == "corporations":
        Bullets(
            [
                f"Support paid to registries in {last['year']}: {money(last['corporate_support_usd'])}",
                f"Malware harm to firms: {money(last['corporate_harm_usd'])}",
                f"Firms donating {100 * last['support_share_donation']:.1f}%, "
                f"on opex contracts {100 * last['support_share_opex']:.1f}%",
                f"Worm outbreaks: {last['worm_outbreaks']}",
            ]
        )
    elif role in ("umbrella", "public"):
        paid = last["umbrella_paid_usd" if role == "umbrella" else "public_paid_usd"]
        grantees = ", ".join(
            f"{room.roles.labels[n]} {last['registries'][n]['removal_median_hours']:.1f} h"
            for n in room.roles.grant_eligible
        )
        Bullets([f"Paid to registries in {last['year']}: {money(paid)}", f"Removal medians at grantees: {grantees}"])
    else:
        Bullets(
            [
                f"Developers on alternative registries: {100 * last['share_developers_on_alternatives']:.1f}%",
                f"Malware downloads: {last['malware_downloads']:,.0f}; worm outbreaks: {last['worm_outbreaks']}",
                f"Pooled removal median: {last['removal_median_hours_pooled']:.1f} h",
            ]
        )


@solara.component
def Debrief(room: WorkshopRoom, router: Any) -> None:
    """Replay of every round against the status quo, decisions marked, and the causal loops."""
    version = use_room_version(room)
    StoreProblem(room.store, version)
    Heading(f"Debrief — room {room.code} ({room.current_round} years played)", level=2)
    solara.Button("Back to the game", on_click=lambda: go(router, {"room": room.code}))
    results, status_quo = room.results(), room.status_quo_results()
    history = room.store.decisions(room.code)
    figures = solara.use_memo(
        lambda: charts.debrief_figures(results, status_quo, history, room.teams_run.model.p.start_year, room.roles),
        dependencies=[room.code, len(results)],
    )
    with solara.lab.Tabs():
        with solara.lab.Tab("Replay"):
            if not results:
                Line(Emphasis("No year played yet."))
            else:
                solara.Markdown(
                    "Solid lines: this room. Dashed grey: the status quo with the same seed and the same event cards, "
                    "every role at the model's default. Shaded bars: years in which that registry's board changed its decision."
                )
                for title, figure in figures:
                    Heading(title, level=4)
                    solara.FigureMatplotlib(figure, format="png", dependencies=[title, len(results)])
        with solara.lab.Tab("Decisions"):
            TextTable(
                ["Round", "Role", "Decision"],
                [
                    [str(round_number), room.roles.labels[role], ", ".join(f"{k}={v}" for k, v in decision.items())]
                    for round_number in sorted(history)
                    for role, decision in sorted(history[round_number].items())
                ],
                right=[0],
            )
            cards = room.events(include_upcoming=False)
            Line(
                Strong("Event cards: "),
                "; ".join(f"round {e['round']}: {_card_text(e)}" for e in cards) or "none",
            )
        with solara.lab.Tab("Scores"):
            Scoreboard(room, version)
        with solara.lab.Tab("Causal loops"):
            solara.Markdown(CAUSAL_LOOPS_MARKDOWN)

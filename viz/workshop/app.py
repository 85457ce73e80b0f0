"""Solara pages of the workshop: landing (create / join), facilitator view, team dashboard, debrief.

The URL carries who you are, so a reload (or a server restart) brings you back where you were:
`?room=CODE&key=FACILITATOR_KEY` (facilitator), `?room=CODE&team=TEAM_TOKEN` (a team), plus
`&view=debrief` for the debrief; `?room=CODE&view=screen` is a read-only view for the projector.
`borrowed-time workshop` serves `Page` alone at `/`; `borrowed-time app` hosts it at `/workshop`
(see `viz.app`), on the same SQLite file by default. The room manager is module-level: shared by every session on
the server (rooms are shared by design; every room has its own lock). Nothing personal is
module-level: each page keeps its own inputs in per-session state.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any, get_args
from urllib.parse import parse_qs, urlencode

import solara

from viz.workshop import charts
from viz.workshop.events import CARDS
from viz.workshop.loops import CAUSAL_LOOPS_MARKDOWN
from viz.workshop.roles import ROLE_BOOK, RoleBook, WorkshopError
from viz.workshop.room import DEFAULT_ROUNDS, RoomManager, WorkshopRoom
from viz.workshop.store import DB_ENV, DEFAULT_DB

_manager: RoomManager | None = None
_manager_lock = threading.Lock()
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


def use_room_version(room: WorkshopRoom | None) -> float:
    """Re-render when the room changes (another team submits, the facilitator advances), or each second.

    Child components get the returned version as an argument: reacton skips re-rendering a
    child whose arguments did not change, and the room object itself never changes.
    """
    version, set_version = solara.use_state(room.version if room else 0)

    def watch(cancel: threading.Event) -> None:
        """Wait for changes until the page goes away or the room closes (the server is shutting down)."""
        seen, last_tick = room.version, time.monotonic()
        while not cancel.is_set():
            now = room.wait_for_change(seen, timeout_s=1.0)
            if cancel.is_set() or room.closed:
                return
            try:
                timer_due = room.deadline_unix is not None and time.monotonic() - last_tick >= TIMER_TICK_S
            except sqlite3.ProgrammingError:  # closed between the check and the read
                return
            if now != seen or timer_due:
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


def money(usd: float) -> str:
    """USD in millions or thousands, short (written 'USD', since '$' starts formulas in Markdown)."""
    return (
        f"USD {usd / 1e6:,.2f}M" if abs(usd) >= 1e6 else f"USD {usd / 1e3:,.0f}k"
    )  # no '$': Markdown reads it as maths


@solara.component
def Page() -> None:
    """Route by the URL: landing, facilitator, team or debrief."""
    router = solara.use_router()
    params = query(router)
    solara.Title("Borrowed Time workshop")
    error = None
    room = None
    if params.get("room"):
        try:
            room = manager().get(params["room"])
        except WorkshopError as exc:
            error = str(exc)
    with solara.Column(style={"max-width": "1100px", "margin": "0 auto", "padding": "12px"}):
        solara.Markdown("# Borrowed Time: workshop")
        if error:
            solara.Error(error)
        if room is None:
            Landing(router)
        elif params.get("view") == "debrief" and (
            room.is_facilitator(params.get("key")) or _team_or_none(room, params.get("team"))
        ):
            Debrief(room, params)
        elif params.get("view") == "screen":
            ScreenView(room)
        elif params.get("key"):
            if room.is_facilitator(params["key"]):
                FacilitatorView(room, params["key"], router)
            else:
                solara.Error("this facilitator key does not open this room")
        elif params.get("team"):
            team = _team_or_none(room, params["team"])
            if team is None:
                solara.Error("unknown team token for this room; join again with the room code")
                Landing(router, code=room.code)
            else:
                TeamView(room, params["team"], team["role"], router)
        else:
            Landing(router, code=room.code)


def _team_or_none(room: WorkshopRoom, token: str | None) -> dict[str, Any] | None:
    """The team a token belongs to, or None."""
    if not token:
        return None
    try:
        return room.team_for(token)
    except WorkshopError:
        return None


@solara.component
def Landing(router: Any, code: str = "") -> None:
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
        go(router, {"room": room.code, "key": key})

    def join() -> None:
        """Join a room with a role and go to the team dashboard."""
        try:
            room = manager().get(join_code)
            token = room.join(role, team_name)
        except WorkshopError as exc:
            set_error(str(exc))
            return
        go(router, {"room": room.code, "team": token})

    with solara.Columns([1, 1]):
        with solara.Card("Facilitator: create a room"):
            solara.InputText("Room name", value=room_name, on_value=set_room_name)
            solara.InputInt("Rounds (years)", value=rounds, on_value=set_rounds)
            solara.Button("Create room", on_click=create, color="primary")
        with solara.Card("Team: join a room"):
            solara.InputText("Join code", value=join_code, on_value=set_join_code)
            solara.InputText("Team name", value=team_name, on_value=set_team_name)
            solara.Select("Role", values=list(roles.roles), value=role, on_value=set_role)
            solara.Markdown(f"*{roles.labels[role]}* — {roles.goals[role]}")
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
        solara.Markdown(f"### Game over: {snap['rounds_total']} years played")
    else:
        solara.Markdown(
            f"### Round {snap['current_round'] + 1} of {snap['rounds_total']} (year {snap['year']}) — {_timer_text(room)}"
        )


@solara.component
def Scoreboard(room: WorkshopRoom, version: float = 0) -> None:
    """Every role's score and the shared goal."""
    board = room.scoreboard()
    if not board["rounds"]:
        solara.Markdown("*Scores appear after the first year.*")
        return
    teams = room.teams()
    lines = ["| Role | Team | Score | Unit |", "|---|---|---:|---|"]
    for role, score in board["scores"].items():
        lines.append(
            f"| {room.roles.labels[role]} | {teams.get(role, '(model)')} | {score:,.2f} | {board['units'][role]} |"
        )
    change = board["shared_harm_change_pct"]
    lines.append("")
    lines.append(
        f"**Shared goal — ecosystem harm:** {money(board['shared_harm_usd'])} of corporate malware harm "
        f"({change:+.1f}% against the status quo played without teams)."
    )
    solara.Markdown("\n".join(lines))


@solara.component
def LatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """What happened in the last year played."""
    results = room.results()
    if not results:
        return
    last = results[max(results)]
    lines = [
        f"#### What happened in {last['year']}",
        "| Registry | Status | Runway (months) | Removal median (h) | Security FTE |",
        "|---|---|---:|---:|---:|",
    ]
    for name, reg in last["registries"].items():
        lines.append(
            f"| {room.roles.labels[name]} | {reg['status']} | {reg['runway_months']:.1f} | "
            f"{reg['removal_median_hours']:.1f} | {reg['security_fte']:.1f} |"
        )
    lines.append("")
    lines.append(
        f"Worm outbreaks: {last['worm_outbreaks']}; corporate harm {money(last['corporate_harm_usd'])}; "
        f"developers on alternatives {100 * last['share_developers_on_alternatives']:.1f}%."
    )
    played = [e for e in room.events(include_upcoming=False) if e["round"] == last["round"]]
    if played:
        lines.append("\n**Event cards:** " + "; ".join(CARDS[e["card"]] for e in played))
    lines.append("\n**Log:**\n" + "\n".join(f"- {line}" for line in last["events"][:12]))
    solara.Markdown("\n".join(lines))


@solara.component
def ScoresAndLatestRound(room: WorkshopRoom, version: float = 0) -> None:
    """The scoreboard card, then what happened in the last year played (every view but the debrief ends so)."""
    with solara.Card("Scoreboard"):
        Scoreboard(room, version)
    LatestRound(room, version)


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
            return
        set_error("")
        set_message(done.format(result=result))

    def schedule() -> None:
        """Schedule the chosen card with its options."""
        payload = {"registry": worm_registry, "week_of_year": int(worm_week)} if card == "worm" else None
        act(lambda: room.schedule_event(key, card, payload), f"Scheduled: {card}")

    solara.Markdown(f"## Facilitator — room **{room.code}** ({room.name})")
    solara.Markdown(
        f"Teams join with code **`{room.code}`** (or open this page's address with `?room={room.code}` in place of its query). "
        "Keep this page's address: it holds your facilitator key."
    )
    RoundHeader(room, version)
    with solara.Columns([1, 1]):
        with solara.Card("Teams"):
            teams = snap["teams"]
            lines = ["| Role | Team | Decision for this round |", "|---|---|---|"]
            for role in room.roles.roles:
                held = teams.get(role)
                lines.append(
                    f"| {room.roles.labels[role]} | {held or '(played by the model)'} | "
                    f"{'submitted' if role in snap['submitted'] else ('not yet (last one stays)' if held else 'default')} |"
                )
            solara.Markdown("\n".join(lines))
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
            with solara.Row():
                solara.Button("Schedule card", on_click=schedule)
                solara.Button(
                    "Draw event card", on_click=lambda: act(lambda: room.draw_event(key), "Drew: {result[card]}")
                )
            upcoming = [e for e in room.events(include_upcoming=True) if e["round"] == snap["current_round"] + 1]
            solara.Markdown(
                "Cards for the coming year: "
                + (", ".join(f"{e['card']} {e['payload'] or ''}".strip() for e in upcoming) or "none")
            )
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
                solara.Button(
                    "Debrief", on_click=lambda: go(router, {"room": room.code, "key": key, "view": "debrief"})
                )
                solara.Markdown(f"Projector view (no key in it): `?room={room.code}&view=screen`")
    ScoresAndLatestRound(room, version)


@solara.component
def ScreenView(room: WorkshopRoom) -> None:
    """What to project for the room: round, timer, who has submitted, scoreboard, last year; no key, no controls."""
    version = use_room_version(room)
    snap = room.snapshot()
    solara.Markdown(f"## Room {room.code} ({room.name}) — join with this code")
    RoundHeader(room, version)
    waiting = [room.roles.labels[role] for role in snap["teams"] if role not in snap["submitted"]]
    solara.Markdown("**Still deciding:** " + (", ".join(waiting) if waiting else "nobody — all teams have submitted"))
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
    solara.Markdown(f"## {room.roles.labels[role]} — team {team['team_name']} (room {room.code})")
    solara.Markdown(f"**Your goal:** {room.roles.goals[role]}")
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
    solara.Button("Debrief", on_click=lambda: go(router, {"room": room.code, "team": token, "view": "debrief"}))


@solara.component
def Stocks(room: WorkshopRoom, role: str, results: dict[int, dict[str, Any]], version: float = 0) -> None:
    """The numbers a role watches, at the end of the last year played (or the start)."""
    if not results:
        solara.Markdown("*The first year has not been played yet.*")
        return
    last = results[max(results)]
    if role in room.roles.registry_roles:
        reg = last["registries"][role]
        revenue = ", ".join(f"{source} {money(value)}" for source, value in reg["revenue_usd"].items() if value)
        solara.Markdown(
            f"- Status: **{reg['status']}**\n- Cash: {money(reg['cash_usd'])} ({reg['runway_months']:.1f} months of runway)\n"
            f"- Revenue in {last['year']}: {revenue}\n- Costs in {last['year']}: {money(reg['cost_usd'])}\n"
            f"- Security staff: {reg['security_fte']:.1f} FTE; malware removal median {reg['removal_median_hours']:.1f} h\n"
            f"- Publishers: {reg['publishers']:,.0f}; malware downloads {reg['malware_downloads']:,.0f}"
        )
    elif role == "corporations":
        solara.Markdown(
            f"- Support paid to registries in {last['year']}: {money(last['corporate_support_usd'])}\n"
            f"- Malware harm to firms: {money(last['corporate_harm_usd'])}\n"
            f"- Firms donating {100 * last['support_share_donation']:.1f}%, on opex contracts {100 * last['support_share_opex']:.1f}%\n"
            f"- Worm outbreaks: {last['worm_outbreaks']}"
        )
    elif role in ("umbrella", "public"):
        paid = last["umbrella_paid_usd" if role == "umbrella" else "public_paid_usd"]
        grantees = ", ".join(
            f"{room.roles.labels[n]} {last['registries'][n]['removal_median_hours']:.1f} h"
            for n in room.roles.grant_eligible
        )
        solara.Markdown(
            f"- Paid to registries in {last['year']}: {money(paid)}\n- Removal medians at grantees: {grantees}"
        )
    else:
        solara.Markdown(
            f"- Developers on alternative registries: {100 * last['share_developers_on_alternatives']:.1f}%\n"
            f"- Malware downloads: {last['malware_downloads']:,.0f}; worm outbreaks: {last['worm_outbreaks']}\n"
            f"- Pooled removal median: {last['removal_median_hours_pooled']:.1f} h"
        )


@solara.component
def Debrief(room: WorkshopRoom, params: dict[str, str]) -> None:
    """Replay of every round against the status quo, decisions marked, and the causal loops."""
    version = use_room_version(room)
    router = solara.use_router()
    back = {k: v for k, v in params.items() if k != "view"}
    solara.Markdown(f"## Debrief — room {room.code} ({room.current_round} years played)")
    solara.Button("Back to the game", on_click=lambda: go(router, back))
    results, status_quo = room.results(), room.status_quo_results()
    history = room.store.decisions(room.code)
    figures = solara.use_memo(
        lambda: charts.debrief_figures(results, status_quo, history, room.teams_run.model.p.start_year, room.roles),
        dependencies=[room.code, len(results)],
    )
    with solara.lab.Tabs():
        with solara.lab.Tab("Replay"):
            if not results:
                solara.Markdown("*No year played yet.*")
            else:
                solara.Markdown(
                    "Solid lines: this room. Dashed grey: the status quo with the same seed and the same event cards, "
                    "every role at the model's default. Shaded bars: years in which that registry's board changed its decision."
                )
                for title, figure in figures:
                    solara.Markdown(f"#### {title}")
                    solara.FigureMatplotlib(figure, format="png", dependencies=[title, len(results)])
        with solara.lab.Tab("Decisions"):
            lines = ["| Round | Role | Decision |", "|---|---|---|"]
            for round_number in sorted(history):
                for role, decision in sorted(history[round_number].items()):
                    lines.append(
                        f"| {round_number} | {room.roles.labels[role]} | {', '.join(f'{k}={v}' for k, v in decision.items())} |"
                    )
            cards = room.events(include_upcoming=False)
            lines.append(
                "\n**Event cards:** "
                + ("; ".join(f"round {e['round']}: {e['card']} {e['payload'] or ''}" for e in cards) or "none")
            )
            solara.Markdown("\n".join(lines))
        with solara.lab.Tab("Scores"):
            Scoreboard(room, version)
        with solara.lab.Tab("Causal loops"):
            solara.Markdown(CAUSAL_LOOPS_MARKDOWN)

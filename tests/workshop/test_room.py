"""Headless tests of the workshop room: join, submit, events, advance, scoring, restart, authorization."""

from __future__ import annotations

import pytest

from model.model import RegistryModel
from viz.workshop.events import apply_card, draw_card
from viz.workshop.roles import FUNDER_BUDGET_USD, ROLE_BOOK, AuthorizationError, WorkshopError
from viz.workshop.room import CODE_LENGTH, RoomManager

ROLES = ROLE_BOOK.roles
validate_decision = ROLE_BOOK.validate_decision


@pytest.fixture
def manager(tmp_path):
    """A room manager on a fresh SQLite file."""
    rooms = RoomManager.open(tmp_path / "rooms.sqlite3")
    yield rooms
    rooms.close()


def test_create_and_join(manager):
    """A room gets an unguessable code and key; teams take distinct roles."""
    room, key = manager.create_room("Class A", seed=1, rounds_total=3)
    other, _ = manager.create_room("Class B", seed=1, rounds_total=3)
    assert len(room.code) == CODE_LENGTH and room.code != other.code
    assert len(key) >= 24 and room.is_facilitator(key) and not other.is_facilitator(key)
    token = room.join("pypi", "Snakes")
    assert room.teams() == {"pypi": "Snakes"}
    with pytest.raises(WorkshopError, match="already held"):
        room.join("pypi", "Impostors")
    with pytest.raises(WorkshopError, match="unknown role 'pipy'"):
        room.join("pipy", "Typo")
    assert manager.get(room.code.lower()) is room  # codes are case-insensitive
    with pytest.raises(WorkshopError, match="no room"):
        manager.get("NOPE")
    assert room.team_for(token)["role"] == "pypi"


def test_decisions_are_validated_with_one_line_errors():
    """Out-of-range, unknown and mistyped fields are refused with a message naming the field."""
    with pytest.raises(WorkshopError, match=r"'per_package_fee_usd'.*allowed 0 to 100") as error:
        validate_decision("npm", {"per_package_fee_usd": -5})
    assert "\n" not in str(error.value)
    with pytest.raises(WorkshopError, match="unknown field 'fee'"):
        validate_decision("npm", {"fee": 5})
    with pytest.raises(WorkshopError, match="'opex_budget_share'"):
        validate_decision("corporations", {"opex_budget_share": "lots"})
    assert validate_decision("public", {"projects_share": 0.5})["grant_years"] == 2
    with pytest.raises(WorkshopError, match="unknown field 'budget_usd_per_year'"):  # a funder's budget is fixed
        validate_decision("umbrella", {"budget_usd_per_year": 8e6})
    with pytest.raises(WorkshopError, match=r"add up to 130%; at most 100%") as error:
        validate_decision("umbrella", {"registry_share": 0.8, "hygiene_programme_share": 0.5})
    assert "\n" not in str(error.value)
    with pytest.raises(WorkshopError, match="'bail_out'"):
        validate_decision("public", {"bail_out": "pipy"})
    for role in ROLES:
        validate_decision(role, {})


def test_authorization(manager):
    """Only the facilitator advances or plays cards; a team submits only for its own role."""
    room, key = manager.create_room(seed=2, rounds_total=2)
    pypi = room.join("pypi", "Snakes")
    npm = room.join("npm", "Nodes")
    with pytest.raises(AuthorizationError, match="cannot submit for 'npm'"):
        room.submit(pypi, "npm", {"per_package_fee_usd": 50})
    with pytest.raises(AuthorizationError):
        room.submit("forged-token", "npm", {})
    for action in (
        lambda k: room.advance(k),
        lambda k: room.draw_event(k),
        lambda k: room.schedule_event(k, "worm"),
        lambda k: room.set_timer(k, 5),
    ):
        for wrong in (pypi, npm, "", None, key + "x"):
            with pytest.raises(AuthorizationError):
                action(wrong)
    assert room.current_round == 0 and room.events(include_upcoming=True) == []
    assert room.decisions_for(1) == {}


def test_timer_refuses_late_submissions(manager):
    """After the round's deadline a team cannot submit until the next round."""
    room, key = manager.create_room(seed=2, rounds_total=2)
    token = room.join("crates", "Crabs")
    room.set_timer(key, 1)
    room.submit(token, "crates", {"extra_security_fte": 1})
    room.store.set_deadline(room.code, 1.0)  # a deadline long past
    with pytest.raises(WorkshopError, match="timer has run out"):
        room.submit(token, "crates", {"extra_security_fte": 2})
    room.advance(key)
    assert room.deadline_unix is None
    room.submit(token, "crates", {"extra_security_fte": 2})


def test_advance_applies_decisions_and_scores(manager):
    """Decisions reach the model; rounds produce summaries and a scoreboard against the status quo."""
    room, key = manager.create_room(seed=4, rounds_total=3)
    pypi = room.join("pypi", "Snakes")
    funder = room.join("public", "State")
    room.submit(pypi, "pypi", {"extra_security_fte": 4, "publisher_subscription_usd_per_year": 60})
    room.submit(funder, "public", {"projects_share": 0.75})
    summary = room.advance(key)
    model = room.teams_run.model
    assert model.p.extra_security_fte_by_registry["pypi"] == 4
    assert model.public_funder.budget_usd_per_year == 0.75 * FUNDER_BUDGET_USD["public"]
    assert summary["registries"]["pypi"]["revenue_usd"]["fees"] > 0
    assert room.status_quo.summaries[1]["registries"]["pypi"]["revenue_usd"]["fees"] == 0
    assert summary["public_paid_usd"] > 0
    board = room.scoreboard()
    assert board["rounds"] == 1 and set(board["rows"]) == set(room.roles.roles)  # the developers have a row too
    assert all(0 <= row["score"] <= 100 and row["met"] == (row["score"] >= 51) for row in board["rows"].values())
    assert room.snapshot()["current_round"] == 1
    room.advance(key)  # pypi's policy stays in force without a new submission
    assert room.teams_run.model.p.extra_security_fte_by_registry["pypi"] == 4


def test_event_cards_act_on_the_model(manager):
    """Each card sets its model mechanism; scheduled cards are hidden from teams until played."""
    room, key = manager.create_room(seed=5, rounds_total=2)
    room.schedule_event(key, "worm", {"registry": "crates", "week_of_year": 10})
    room.schedule_event(key, "regulation")
    with pytest.raises(WorkshopError, match="week_of_year"):
        room.schedule_event(key, "worm", {"week_of_year": 60})
    with pytest.raises(WorkshopError, match="one worm card a year"):
        room.schedule_event(key, "worm", {"registry": "npm", "week_of_year": 30})
    for _ in range(6):  # draws never add a second worm
        room.draw_event(key)
    assert sum(e["card"] == "worm" for e in room.events(include_upcoming=True)) == 1
    with pytest.raises(WorkshopError, match="unknown event card 'meteor'"):
        room.schedule_event(key, "meteor")
    assert room.events(include_upcoming=False) == []
    summary = room.advance(key)
    assert any("crates.io" in line or "on crates" in line for line in summary["events"]), summary["events"]
    assert room.teams_run.model.p.regulation_mandates_support
    assert [e["card"] for e in room.events(include_upcoming=False)][:2] == ["worm", "regulation"]
    model = RegistryModel(rng=0)
    apply_card(model, 1, "cdn_leaves", {})
    assert not any(r.cdn_active for r in model.registry_list)
    apply_card(model, 1, "spam_flood", {"bursts": 2})
    assert len(model.spam_burst_ends) == 2
    assert draw_card(9, 1, 0) == draw_card(9, 1, 0)


def test_restart_rebuilds_identical_state(tmp_path):
    """Closing and reopening the store and replaying the history gives the same state."""
    path = tmp_path / "rooms.sqlite3"
    first = RoomManager.open(path)
    room, key = first.create_room(seed=11, rounds_total=4)
    corp = room.join("corporations", "Big Co")
    npm = room.join("npm", "Nodes")
    room.submit(corp, "corporations", {"opex_budget_share": 0.8})
    room.submit(npm, "npm", {"token_hygiene_programme_fte": 2, "paid_tier": True})
    room.draw_event(key)
    room.advance(key)
    room.submit(npm, "npm", {"per_package_fee_usd": 5})
    room.schedule_event(key, "missed_round")
    room.advance(key)
    room.submit(corp, "corporations", {"pledge_usd_per_developer": 3000})  # pending for round 3
    before = (
        room.results(),
        room.scoreboard(),
        room.teams_run.model.developers.token_hygiene.copy(),
        room.snapshot()["submitted"],
    )
    first.close()

    second = RoomManager.open(path)
    again = second.get(room.code)
    assert again is not room and again.replay_matches_stored
    assert again.results() == before[0] and again.scoreboard() == before[1]
    assert (again.teams_run.model.developers.token_hygiene == before[2]).all()
    assert again.snapshot()["submitted"] == before[3] == ["corporations"]
    assert again.is_facilitator(key) and again.team_for(npm)["role"] == "npm"
    again.advance(key)  # and the game goes on
    assert again.current_round == 3
    second.close()


def test_role_cards_match_the_game():
    """The printable role cards are generated from the decision forms and are current."""
    from pathlib import Path

    from viz.workshop.cards import role_cards_markdown

    cards = Path(__file__).resolve().parents[2] / "docs" / "role-cards.md"
    assert cards.read_text() == role_cards_markdown(), "run: python -m viz.workshop.cards > docs/role-cards.md"


def test_workshop_command_bad_input(capsys, tmp_path):
    """Bad --port or --db: one line naming the option, exit code 2, nothing started."""
    from model.cli import main

    assert main(["workshop", "--port", "70000"]) == 2
    assert main(["workshop", "--db", str(tmp_path / "missing" / "rooms.sqlite3")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "--port" in lines[0] and "--db" in lines[1]
    assert "Traceback" not in "".join(lines)


def test_join_codes_have_no_look_alikes_and_old_codes_still_open(manager):
    """New codes avoid 0/O, 1/I/L, 8/B, 5/S and 2/Z; a room made with the earlier alphabet opens as before."""
    from viz.workshop.room import new_join_code

    codes = "".join(new_join_code() for _ in range(400))
    assert not set(codes) & set("0O1IL8B5S2Z")
    manager.store.create_room("B8S5Z2QR7X", "old-key-1234567890", "Last year's class", 3, 4)
    old = manager.get("b8s5-z2qr7x")
    assert old.code == "B8S5Z2QR7X" and old.is_facilitator("old-key-1234567890")


def _stored_rows(room) -> dict:
    """Everything the database holds about a room's game (not its teams): round, timer, results, decisions, cards."""
    db = room.store._db
    code = room.code
    return {
        "room": tuple(
            db.execute("SELECT current_round, round_deadline_unix FROM rooms WHERE code = ?", (code,)).fetchone()
        ),
        "results": [tuple(r) for r in db.execute("SELECT * FROM results WHERE room_code = ? ORDER BY round", (code,))],
        "decisions": [
            tuple(r)
            for r in db.execute(
                "SELECT round, role, payload FROM decisions WHERE room_code = ? ORDER BY round, role", (code,)
            )
        ],
        "events": [
            tuple(r)
            for r in db.execute("SELECT id, round, card, payload, drawn FROM events WHERE room_code = ?", (code,))
        ],
    }


def _memory(room) -> tuple:
    """The live runs' state: summaries, model clocks, random generators, developer arrays and registry cash."""
    state = [room.results(), room.status_quo_results(), room.snapshot()["submitted"]]
    for run in (room.teams_run, room.status_quo):
        model = run.model
        state += [
            run.rounds_played,
            model.time,
            model.rng.bit_generator.state,
            model.developers.home.tobytes(),
            model.developers.token_hygiene.tobytes(),
            [registry.cash for registry in model.registry_list],
        ]
    return tuple(state)


def test_undo_restores_the_room_before_its_last_advance(manager):
    """Undo: database and memory equal what they were before that Advance; playing it again gives the same year."""
    room, key = manager.create_room(seed=21, rounds_total=4)
    npm = room.join("npm", "Nodes")
    firms = room.join("corporations", "Big Co")
    room.submit(npm, "npm", {"extra_security_fte": 2.0})
    room.draw_event(key)
    room.advance(key)
    room.submit(firms, "corporations", {"opex_budget_share": 0.6})
    room.schedule_event(key, "missed_round")
    room.set_timer(key, 10)
    stored_before, memory_before = _stored_rows(room), _memory(room)

    played = room.advance(key)
    room.submit(npm, "npm", {"per_package_fee_usd": 4.0})  # for round 3, made after the Advance
    room.schedule_event(key, "regulation")
    with pytest.raises(AuthorizationError):
        room.undo(npm)
    assert room.undo(key) == 1
    assert _stored_rows(room) == stored_before
    assert _memory(room) == memory_before
    assert room.teams() == {"npm": "Nodes", "corporations": "Big Co"}  # teams are people, not game state
    room.store.set_deadline(room.code, None)
    assert room.advance(key) == played  # the same decisions and cards play the same year again

    room.undo(key)
    room.undo(key)
    assert room.current_round == 0 and room.results() == {} and room.decisions_for(1)["npm"]["extra_security_fte"] == 2
    with pytest.raises(WorkshopError, match="nothing to undo"):
        room.undo(key)
    reopened = RoomManager.open(room.store.path)  # a restart after an undo rebuilds the same room
    assert reopened.get(room.code).results() == {} and reopened.get(room.code).current_round == 0
    reopened.close()


def test_facilitator_replaces_a_lost_team_link_reassigns_and_frees_roles(manager):
    """A new link stops the old one (its page is told why); reassigning renames the team; freeing reopens the role."""
    from viz.workshop.room import RevokedLink

    room, key = manager.create_room(seed=22, rounds_total=3)
    lost = room.join("pypi", "Snakes")
    room.submit(lost, "pypi", {"extra_security_fte": 1.0})
    with pytest.raises(AuthorizationError):
        room.new_team_link(lost, "pypi")
    fresh = room.new_team_link(key, "pypi")
    with pytest.raises(RevokedLink, match="replaced this team link"):
        room.team_for(lost)
    with pytest.raises(AuthorizationError):
        room.submit(lost, "pypi", {})
    assert room.team_for(fresh)["team_name"] == "Snakes"
    room.submit(fresh, "pypi", {"extra_security_fte": 2.0})

    room.advance(key)
    newcomers = room.reassign_role(key, "pypi", "Pythonistas")
    assert room.teams() == {"pypi": "Pythonistas"} and room.joined_rounds() == {"pypi": 1}
    with pytest.raises(RevokedLink):
        room.team_for(fresh)
    room.free_role(key, "pypi")
    with pytest.raises(RevokedLink):
        room.team_for(newcomers)
    assert room.teams() == {} and room.decisions_in_force(2)["pypi"]["extra_security_fte"] == 2.0
    late = room.join("pypi", "Late Snakes")
    assert room.joined_rounds() == {"pypi": 1} and room.team_for(late)["role"] == "pypi"
    with pytest.raises(WorkshopError, match="no team holds 'npm'"):
        room.free_role(key, "npm")


def test_a_room_file_from_the_earlier_schema_opens_and_plays(tmp_path):
    """Columns added since (a team's joining round, the timer an Advance ended) are added to an older file."""
    import sqlite3

    from viz.workshop.store import token_hash

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE rooms (code TEXT PRIMARY KEY, facilitator_key_sha256 TEXT NOT NULL, name TEXT NOT NULL,
                seed INTEGER NOT NULL, rounds_total INTEGER NOT NULL, current_round INTEGER NOT NULL DEFAULT 0,
                round_deadline_unix REAL, created_unix REAL NOT NULL);
            CREATE TABLE teams (token_sha256 TEXT PRIMARY KEY, room_code TEXT NOT NULL, role TEXT NOT NULL,
                team_name TEXT NOT NULL, joined_unix REAL NOT NULL, UNIQUE (room_code, role));
            CREATE TABLE results (room_code TEXT NOT NULL, round INTEGER NOT NULL, summary TEXT NOT NULL,
                PRIMARY KEY (room_code, round));
            """
        )
        db.execute("INSERT INTO rooms VALUES ('B8R5Z2NW3K', ?, 'Old', 4, 3, 0, NULL, 0)", (token_hash("k" * 24),))
        db.execute("INSERT INTO teams VALUES (?, 'B8R5Z2NW3K', 'npm', 'Nodes', 0)", (token_hash("t" * 22),))
    rooms = RoomManager.open(path)
    room = rooms.get("B8R5Z2NW3K")
    assert room.team_for("t" * 22)["joined_round"] == 0
    room.advance("k" * 24)
    assert room.undo("k" * 24) == 0
    rooms.close()


def test_the_status_quo_meets_the_same_exogenous_events_as_the_teams(manager):
    """Teams' fees and pledges leave the status quo's downturns, spam bursts, missed rounds and worm starts as the teams'."""
    room, key = manager.create_room(seed=5, rounds_total=3)
    room.submit(room.join("corporations", "Firms"), "corporations", {"pledge_usd_per_developer": 500.0})
    room.submit(room.join("npm", "Nodes"), "npm", {"per_package_fee_usd": 20.0})
    for _ in range(3):
        room.advance(key)
    teams, status_quo = room.teams_run.model, room.status_quo.model
    assert teams.registries_by_name["npm"].cash != status_quo.registries_by_name["npm"].cash  # the decisions acted

    def exogenous(model):
        """Times of the events no fee or pledge acts on."""
        kinds = ("downturn", "spam_burst", "missed_round")
        return sorted((e["time"], e["kind"]) for e in model.events if e["kind"] in kinds), sorted(
            row["start_time"] for row in model.worm_rows
        )

    events, worms = exogenous(status_quo)
    assert events and worms  # these happened in three years with this seed, so the comparison can fail
    assert exogenous(teams) == (events, worms)


def test_pages_share_one_reading_of_the_room_per_change(manager, monkeypatch):
    """Reads between two changes hit the database once; every change is seen by the next read."""
    room, key = manager.create_room(seed=12, rounds_total=2)
    npm = room.join("npm", "Nodes")
    reads = []
    stored = room.store.decisions
    monkeypatch.setattr(room.store, "decisions", lambda code: reads.append(code) or stored(code))
    for _page in range(40):
        room.snapshot()
        room.decisions_in_force(1)
    assert len(reads) == 1
    room.submit(npm, "npm", {"extra_security_fte": 2})
    assert room.snapshot()["submitted"] == ["npm"]
    assert room.decisions_in_force(1)["npm"]["extra_security_fte"] == 2
    assert len(reads) == 2
    room.advance(key)
    assert room.snapshot()["current_round"] == 1 and room.snapshot()["submitted"] == []
    assert room.scoreboard()["rounds"] == 1

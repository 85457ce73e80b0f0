"""End to end in Debian chromium: a facilitator and two teams play two rounds across a server restart."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from viz.workshop.room import RoomManager

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 30_000
SECRETS_STORAGE = "borrowed-time-workshop-secrets"


def _params(page) -> dict[str, str]:
    """The page URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _secret(page, code: str) -> dict[str, str]:
    """The key or token this browser tab keeps for a room (in session storage, never in the address)."""
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{SECRETS_STORAGE}'))['{code}']")


def _join(browser, url: str, code: str, team: str, role: str):
    """Open a new browser context, join the room with a role, return the page on its dashboard."""
    page = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
    page.goto(url)
    page.get_by_label("Join code").fill(code, timeout=TIMEOUT_MS)
    page.get_by_label("Team name").fill(team)
    page.locator(".v-select").click()
    page.locator(".menuable__content__active .v-list-item").get_by_text(role, exact=True).click()
    page.get_by_role("button", name="Join").click()
    page.get_by_text(f"team {team}").wait_for(timeout=TIMEOUT_MS)
    return page


def _field(page, name: str):
    """The decision form's input for a field (labels end with '[name]')."""
    return page.get_by_label(f"[{name}]", exact=False)


def test_two_rounds_across_a_restart(browser, workshop_server, output_dir):
    """Decisions survive a restart; teams cannot act as the facilitator or as another role."""
    url = workshop_server.url
    facilitator = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
    facilitator.goto(url)
    facilitator.get_by_role("button", name="Create room").click(timeout=TIMEOUT_MS)
    facilitator.get_by_text("Facilitator — room").wait_for(timeout=TIMEOUT_MS)
    code = _params(facilitator)["room"]
    key = _secret(facilitator, code)["key"]
    assert set(_params(facilitator)) == {"room"}  # the key never reaches the address bar

    pypi = _join(browser, url, code, "Snakes", "pypi")
    firms = _join(browser, url, code, "Big Co", "corporations")
    pypi_token, firms_token = _secret(pypi, code)["team"], _secret(firms, code)["team"]
    assert set(_params(pypi)) == {"room"}

    # round 1: both teams decide; the facilitator schedules a worm and advances
    _field(pypi, "extra_security_fte").fill("3")
    pypi.get_by_role("button", name="Submit decisions").click()
    pypi.get_by_text("Submitted for round 1.").wait_for(timeout=TIMEOUT_MS)
    _field(firms, "opex_budget_share").fill("0.7")
    firms.get_by_role("button", name="Submit decisions").click()
    firms.get_by_text("Submitted for round 1.").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_text("submitted").first.wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Schedule card").click()
    facilitator.get_by_text("Scheduled: worm").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Advance one year").click()
    facilitator.get_by_text("Played 2026").wait_for(timeout=TIMEOUT_MS)
    pypi.get_by_text("Round 2 of 8").wait_for(timeout=TIMEOUT_MS)  # pushed to the team without a reload

    # authorization: a team's token is no facilitator key; a held role cannot be taken; forged tokens fail
    pypi.goto(f"{url}?room={code}&key={pypi_token}")
    pypi.get_by_text("this facilitator key does not open this room").wait_for(timeout=TIMEOUT_MS)
    assert pypi.get_by_role("button", name="Advance one year").count() == 0
    intruder = browser.new_context().new_page()
    intruder.goto(f"{url}?room={code}&team=forged-token")
    intruder.get_by_text("unknown team token for this room").wait_for(timeout=TIMEOUT_MS)
    intruder.get_by_label("Team name").fill("Impostors")
    intruder.locator(".v-select").click()
    intruder.locator(".menuable__content__active .v-list-item").get_by_text("corporations", exact=True).click()
    intruder.get_by_role("button", name="Join").click()
    intruder.get_by_text("role 'corporations' is already held").wait_for(timeout=TIMEOUT_MS)

    # the server restarts mid-workshop; everyone reloads their own URL
    workshop_server.restart()
    pypi.goto(f"{url}?room={code}&team={pypi_token}")
    firms.reload()
    facilitator.reload()
    facilitator.get_by_text("Round 2 of 8").wait_for(timeout=TIMEOUT_MS)
    assert _field(pypi, "extra_security_fte").input_value(timeout=TIMEOUT_MS) == "3.0"
    assert _field(firms, "opex_budget_share").input_value(timeout=TIMEOUT_MS) == "0.7"

    # round 2
    _field(pypi, "per_package_fee_usd").fill("5")
    pypi.get_by_role("button", name="Submit decisions").click()
    pypi.get_by_text("Submitted for round 2.").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Advance one year").click()
    facilitator.get_by_text("Played 2027").wait_for(timeout=TIMEOUT_MS)
    firms.get_by_text("Round 3 of 8").wait_for(timeout=TIMEOUT_MS)
    pypi.get_by_text("Round 3 of 8").wait_for(timeout=TIMEOUT_MS)

    out = output_dir
    shots = {"team": out / "team-dashboard.png", "facilitator": out / "facilitator.png", "debrief": out / "debrief.png"}
    pypi.wait_for_timeout(1_000)
    pypi.screenshot(path=str(shots["team"]), full_page=True)
    facilitator.screenshot(path=str(shots["facilitator"]), full_page=True)
    facilitator.get_by_role("button", name="Debrief").click()
    facilitator.get_by_text("Debrief — room").wait_for(timeout=TIMEOUT_MS)
    facilitator.locator("img").nth(5).wait_for(timeout=TIMEOUT_MS)
    facilitator.wait_for_timeout(2_000)  # let the last render settle before the picture
    facilitator.screenshot(path=str(shots["debrief"]), full_page=True)
    for name, path in shots.items():
        print(f"screenshot {name}: {path}")

    workshop_server.stop()  # read the room straight from the database
    rooms = RoomManager.open(workshop_server.db)
    room = rooms.get(code)
    decisions = room.store.decisions(code)
    assert decisions[1]["pypi"]["extra_security_fte"] == 3.0
    assert decisions[1]["corporations"]["opex_budget_share"] == 0.7
    assert decisions[2]["pypi"]["per_package_fee_usd"] == 5.0
    assert room.current_round == 2 and room.replay_matches_stored
    assert room.is_facilitator(key) and room.team_for(firms_token)["role"] == "corporations"
    rooms.close()
    assert "Could not load URL" not in workshop_server.log()

"""Safety of the workshop server, end to end in Debian chromium and over HTTP (one server for the module).

User text is shown as text in every view; secrets leave the address bar; security headers; one
server per room database; wrong guesses are limited; a deleted database stops every action. The
last test deletes the server's database, so it stays last.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest
from browser_support import REPOSITORY, free_port

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 30_000
SECRETS_STORAGE = "borrowed-time-workshop-secrets"
TITLE = "Borrowed Time workshop"

# Each payload would set window.__pwned if the page ran it: as HTML (an event handler) or as a Vue
# template expression (the classic escape from Vue 2's expression sandbox). `{{ 7*191 }}` shows
# "1337" wherever text is compiled as a template.
HTML_PAYLOAD = "<svg onload=__pwned=1>"
VUE_PAYLOAD = "{{_c.constructor('__pwned=2')()}}"
SUM_PAYLOAD = "{{ 7*191 }}"
ROOM_NAME = f"{HTML_PAYLOAD} {VUE_PAYLOAD}"  # 56 of 60 characters
TEAM_HTML = f"{HTML_PAYLOAD} {SUM_PAYLOAD}"  # team names have 40 characters at most: one kind per team
TEAM_VUE = VUE_PAYLOAD
TEAM_SUM = f"Devs {SUM_PAYLOAD} <b>loud</b>"
STATEMENT = f"{HTML_PAYLOAD} <img src=x onerror=__pwned=3> {VUE_PAYLOAD} {SUM_PAYLOAD}"


def _params(page) -> dict[str, str]:
    """The page URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _secret(page, code: str) -> dict[str, str]:
    """The key or token this browser tab keeps for a room."""
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{SECRETS_STORAGE}'))['{code}']")


def _new_page(browser):
    """A page in a fresh browser context (its own session storage and cookies)."""
    return browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()


def _create_room(browser, url: str, name: str = "Workshop"):
    """Create a room from the landing page; return the facilitator's page and the room code."""
    page = _new_page(browser)
    page.goto(url)
    page.get_by_label("Room name").fill(name, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Create room").click()
    page.get_by_text("Facilitator — room").wait_for(timeout=TIMEOUT_MS)
    return page, _params(page)["room"]


def _join(browser, url: str, code: str, team: str, role: str):
    """Join the room with a role in a new browser context; return the page on its dashboard."""
    page = _new_page(browser)
    page.goto(url)
    page.get_by_label("Join code").fill(code, timeout=TIMEOUT_MS)
    page.get_by_label("Team name").fill(team)
    page.locator(".v-select").click()
    page.locator(".menuable__content__active .v-list-item").get_by_text(role, exact=True).click()
    page.get_by_role("button", name="Join").click()
    page.get_by_text("Your goal:").wait_for(timeout=TIMEOUT_MS)
    return page


def _assert_text_only(page, expected: list[str], where: str) -> None:
    """Every expected string is on the page literally, no payload ran, and no template was evaluated."""
    for text in expected:
        page.get_by_text(text, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)  # an onload / onerror handler would have fired by now
    assert page.evaluate("window.__pwned") is None, f"{where}: a payload ran"
    assert page.title() == TITLE, f"{where}: the title changed to {page.title()!r}"
    body = page.inner_text("body")
    assert "1337" not in body, f"{where}: {SUM_PAYLOAD} was evaluated"
    assert page.locator("svg[onload], img[onerror]").count() == 0, f"{where}: a payload became an element"


def test_user_text_is_shown_as_text_in_every_view(browser, workshop_server, output_dir):
    """Room name, team names and the statement, with HTML and Vue payloads, appear literally in every view."""
    url = workshop_server.url
    facilitator, code = _create_room(browser, url, ROOM_NAME)
    developers = _join(browser, url, code, TEAM_SUM, "developers")  # the developers have no score: a third team
    pypi = _join(browser, url, code, TEAM_VUE, "pypi")
    firms = _join(browser, url, code, TEAM_HTML, "corporations")
    statement = developers.get_by_label("[statement]", exact=False)
    statement.fill(STATEMENT)
    developers.get_by_role("button", name="Submit decisions").click()
    developers.get_by_text("Submitted for round 1.").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_text(f"Developer community: {STATEMENT}").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Advance one year").click()
    facilitator.get_by_text("Played 2026").wait_for(timeout=TIMEOUT_MS)

    _assert_text_only(facilitator, [ROOM_NAME, TEAM_SUM, TEAM_HTML, TEAM_VUE, STATEMENT], "facilitator view")
    _assert_text_only(developers, [TEAM_SUM, TEAM_HTML, TEAM_VUE], "developers' dashboard")
    _assert_text_only(pypi, [TEAM_VUE, TEAM_HTML, STATEMENT], "PyPI board's dashboard")
    _assert_text_only(firms, [TEAM_HTML, TEAM_VUE, STATEMENT], "corporations' dashboard")
    projector = _new_page(browser)
    projector.goto(f"{url}?room={code}&view=screen")
    _assert_text_only(projector, [ROOM_NAME, TEAM_HTML, TEAM_VUE], "projector view")
    facilitator.get_by_role("button", name="Debrief").click()
    facilitator.get_by_text("Debrief — room").wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("tab", name="Decisions").click()
    _assert_text_only(facilitator, [STATEMENT], "debrief: decisions")
    facilitator.get_by_role("tab", name="Scores").click()
    _assert_text_only(facilitator, [TEAM_HTML, TEAM_VUE], "debrief: scores")
    facilitator.screenshot(path=str(output_dir / "payloads-as-text-debrief.png"), full_page=True)
    pypi.screenshot(path=str(output_dir / "payloads-as-text-team.png"), full_page=True)


def test_secrets_leave_the_address_bar_and_a_reload_keeps_them(browser, workshop_server):
    """A handed-out link with a key or token opens the page, then the address shows only the room; reloads work."""
    url = workshop_server.url
    creator, code = _create_room(browser, url)
    key = _secret(creator, code)["key"]
    assert set(_params(creator)) == {"room"} and key not in creator.url

    facilitator = _new_page(browser)  # a co-facilitator opens the link they were handed
    facilitator.goto(f"{url}?room={code}&key={key}")
    facilitator.get_by_text("Facilitator — room").wait_for(timeout=TIMEOUT_MS)
    facilitator.wait_for_function("!location.search.includes('key=')", timeout=TIMEOUT_MS)
    assert _params(facilitator) == {"room": code}
    assert key not in facilitator.inner_text("body")  # not on screen either, until asked for
    facilitator.get_by_role("button", name="Show facilitator link").click()
    facilitator.get_by_text(f"key={key}", exact=False).wait_for(timeout=TIMEOUT_MS)
    facilitator.reload()
    facilitator.get_by_text("Facilitator — room").wait_for(timeout=TIMEOUT_MS)
    assert key not in facilitator.url

    team = _join(browser, url, code, "Crabs", "crates")
    token = _secret(team, code)["team"]
    assert set(_params(team)) == {"room"} and token not in team.url
    team.reload()
    team.get_by_text("team Crabs").wait_for(timeout=TIMEOUT_MS)
    laptop = _new_page(browser)  # the team's link opened on another laptop
    laptop.goto(f"{url}?room={code}&team={token}")
    laptop.get_by_text("team Crabs").wait_for(timeout=TIMEOUT_MS)
    laptop.wait_for_function("!location.search.includes('team=')", timeout=TIMEOUT_MS)
    assert token not in laptop.url
    laptop.go_back()  # the address with the token is not in the tab's history either
    assert token not in laptop.url


def _headers(url: str) -> dict[str, str]:
    """The response headers of a GET, lower-cased names."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return {name.lower(): value for name, value in response.headers.items()}


def test_security_headers_on_the_workshop_server(workshop_server):
    """Pages and static files come with no-referrer, no framing and nosniff."""
    for path in ("", "?room=ANY&view=screen", "static/main.js"):
        headers = _headers(workshop_server.url + path)
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["content-security-policy"] == "frame-ancestors 'none'", path
        assert headers["x-content-type-options"] == "nosniff", path


def _borrowed_time(*args: str, timeout_s: float = 60) -> tuple[int, str]:
    """Run `borrowed-time ARGS`: exit code and stderr; a server that starts instead of refusing is stopped."""
    process = subprocess.Popen(
        [sys.executable, "-m", "model.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPOSITORY,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the command and any server it started
        process.communicate()
        pytest.fail(f"`borrowed-time {' '.join(args)}` started serving instead of refusing")
    return process.returncode, stderr


def test_a_second_server_on_the_same_db_refuses_to_start(workshop_server):
    """`workshop` and `app` on a database another server holds: one line naming the holder, exit 2."""
    pid = workshop_server.process.pid  # the workshop command replaces itself with the server: same pid
    for command in ("workshop", "app"):
        code, stderr = _borrowed_time(
            command, "--db", str(workshop_server.db), "--port", str(free_port()), timeout_s=30
        )
        assert code == 2, stderr
        error = stderr.strip()
        assert error.count("\n") == 0 and "is in use by another workshop server" in error
        assert f"pid {pid} on " in error and "since " in error


def test_wrong_join_codes_are_limited_per_client_and_refusals_logged(browser, workshop_server):
    """Wrong join codes tried in a quick burst are refused after a few, with a message; the server logs it."""
    page = _new_page(browser)
    page.goto(workshop_server.url)
    page.get_by_label("Team name").fill("Guessers", timeout=TIMEOUT_MS)
    refusal = page.get_by_text("too many wrong codes or keys from this address")
    for attempt in range(12):  # 12 wrong codes in about a second: more than the burst allows
        page.get_by_label("Join code").fill(f"WRONG{attempt}")
        page.get_by_role("button", name="Join").click()
    refusal.wait_for(timeout=TIMEOUT_MS)
    logged = "refused a join code try from 127.0.0.1"
    deadline = time.monotonic() + 10
    while logged not in workshop_server.log() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert logged in workshop_server.log()
    time.sleep(3)  # let this client's guesses refill for the next test


def test_a_deleted_database_stops_every_action_with_one_line_on_every_page(browser, workshop_server):
    """The database removed while serving: every page says so in one line; advancing saves nothing."""
    facilitator, code = _create_room(browser, workshop_server.url)
    projector = _new_page(browser)
    projector.goto(f"{workshop_server.url}?room={code}&view=screen")
    projector.get_by_text("join with this code").wait_for(timeout=TIMEOUT_MS)
    for suffix in ("", "-wal", "-shm"):
        path = f"{workshop_server.db}{suffix}"
        if os.path.exists(path):
            os.remove(path)
    message = "was deleted or replaced while the server ran"
    projector.get_by_text(message).wait_for(timeout=TIMEOUT_MS)  # told without any action of its own
    facilitator.get_by_text(message).wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Advance one year").click()
    facilitator.get_by_text(message).nth(1).wait_for(timeout=TIMEOUT_MS)  # the action's own one-line error
    assert facilitator.get_by_text("Played 2026").count() == 0
    assert facilitator.get_by_text("Round 1 of 8").count() == 1
    assert "Traceback" not in facilitator.inner_text("body")

"""End to end in Debian chromium: a facilitator, a projector and four teams (two on phones) play three rounds.

Teams start from a briefing (their numbers and the status quo's projection). A card that would
bankrupt PyPI is flagged on the console before the year is played; PyPI then enters receivership
instead of being eliminated, its board gets the rescue choices and the umbrella funder bails it
out from its fixed budget. Along the way a team's lost link is replaced by the facilitator, a year
is undone and played again, and the server restarts with every page left open: the pages come
back by themselves. No team is ever eliminated.
Screenshots of every view go to tests/output/workshop/. One server for the module; the
handouts are printed to PDF by the same chromium.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qs, urlparse

import pytest
from browser_support import full_screenshot, overflowing

from viz.workshop.roles import ROLE_BOOK
from viz.workshop.room import CODE_ALPHABET

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000
SECRETS_STORAGE = "borrowed-time-workshop-secrets"
RESTART_TIMEOUT_MS = 150_000
#: A page is back after the restart once Solara re-ran it on the new server or it reloaded itself.
RECOVERED = "!window.__beforeRestart || (window.solara && solara.debug && solara.debug.remountCount > 0)"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


def _params(page) -> dict[str, str]:
    """The page URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _secret(page, code: str) -> dict[str, str]:
    """The key or token this browser tab keeps for a room (in session storage, never in the address)."""
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{SECRETS_STORAGE}'))['{code}']")


def _page(browser, size: dict[str, int]):
    """A page in a fresh browser context (a separate device) of the given size."""
    return browser.new_context(viewport=size).new_page()


def _role_menu(page):
    """Open the join form's role menu; return its items."""
    page.locator(".v-select", has=page.get_by_text("Role", exact=True)).click()
    return page.locator(".menuable__content__active .v-list-item")


def _join(browser, join_link: str, team: str, role_label: str, size: dict[str, int]):
    """Open the join link (as from the projector's QR code) on a new device and join with a role."""
    page = _page(browser, size)
    page.goto(join_link)
    page.get_by_label("Team name").fill(team, timeout=TIMEOUT_MS)
    _role_menu(page).get_by_text(role_label, exact=True).click()
    page.get_by_role("button", name="Join", exact=True).click()
    page.get_by_text(f"team {team}").wait_for(timeout=TIMEOUT_MS)
    return page


def _submit(page, label: str, value: str, round_number: int) -> None:
    """Fill one decision field (found by its label in words) and submit."""
    page.get_by_label(label, exact=False).fill(value)
    page.get_by_role("button", name="Submit decisions").click()
    page.get_by_text(f"Submitted for round {round_number}").wait_for(timeout=TIMEOUT_MS)


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a decision form's menu (found by its label in words)."""
    page.locator(".bt-field", has_text=label).locator(".v-select").click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def _schedule(facilitator, card_title: str, scheduled: str) -> None:
    """Schedule an event card for the coming year by its title and wait for the console to confirm it."""
    facilitator.locator(".v-select", has=facilitator.get_by_text("Event card", exact=True)).click()
    facilitator.locator(".menuable__content__active .v-list-item", has_text=card_title).first.click()
    facilitator.get_by_role("button", name="Schedule card").click()
    facilitator.get_by_text(f"Scheduled: {scheduled}").wait_for(timeout=TIMEOUT_MS)


def _advance(facilitator, year: int) -> None:
    """Advance one year, confirming, and wait for the console to say it was played."""
    facilitator.get_by_role("button", name="Advance one year").click()
    facilitator.get_by_role("button", name="Yes, play the year").click()
    facilitator.get_by_text(f"Played {year}").wait_for(timeout=TIMEOUT_MS)


def _stored_game(db, code: str) -> dict:
    """The game state the database holds for a room (read-only, while the server runs)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            "round": conn.execute("SELECT current_round FROM rooms WHERE code = ?", (code,)).fetchone()[0],
            "results": conn.execute(
                "SELECT round, summary FROM results WHERE room_code = ? ORDER BY round", (code,)
            ).fetchall(),
            "decisions": conn.execute(
                "SELECT round, role, payload FROM decisions WHERE room_code = ? ORDER BY round, role", (code,)
            ).fetchall(),
            "events": conn.execute(
                "SELECT id, round, card, payload FROM events WHERE room_code = ?", (code,)
            ).fetchall(),
        }


def _check_fits(page, where: str) -> None:
    """Nothing on the page reaches past the right edge of its viewport."""
    assert overflowing(page) == [], f"{where}: {overflowing(page)}"


def _pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF chromium printed."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_a_room_plays_three_rounds_on_phones_and_laptops(browser, workshop_server, output_dir):
    """Projector, console and four teams; a new team link; an undo; a restart with no reloads; debrief; handouts."""
    url, out = workshop_server.url, output_dir
    facilitator = _page(browser, LAPTOP)
    facilitator.goto(url)
    facilitator.get_by_label("Rounds (years)").fill("3", timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Create room").click()
    facilitator.get_by_text("Facilitator console").wait_for(timeout=TIMEOUT_MS)
    code = _params(facilitator)["room"]
    key = _secret(facilitator, code)["key"]
    assert set(_params(facilitator)) == {"room"} and set(code) <= set(CODE_ALPHABET)

    projector = _page(browser, {"width": 1920, "height": 1080})
    projector.goto(f"{url}?room={code}&view=screen")
    spaced = f"{code[:5]} {code[5:]}"
    projector.get_by_text(spaced).wait_for(timeout=TIMEOUT_MS)
    join_link = projector.locator(".bt-screen-url").inner_text()
    assert join_link.endswith(f"?room={code}") and key not in projector.content()
    assert projector.locator("img.bt-screen-qr").count() == 1
    full_screenshot(projector, out / "projector-1920x1080-before-round-1.png")

    pypi = _join(browser, join_link, "Snakes", "PyPI board", PHONE)
    npm = _join(browser, join_link, "Nodes", "npm board", LAPTOP)
    firms = _join(browser, join_link, "Big Co", "Corporations consortium", PHONE)
    late = _page(browser, PHONE)  # the fourth team is still at the join form: taken roles are greyed out
    late.goto(join_link)
    late.get_by_label("Team name").fill("Umbrella", timeout=TIMEOUT_MS)
    items = _role_menu(late)
    items.first.wait_for(timeout=TIMEOUT_MS)
    assert items.get_by_text("PyPI board (taken)").count() == 1
    assert "v-list-item--disabled" in items.filter(has_text="PyPI board (taken)").get_attribute("class")
    assert items.get_by_text("pypi", exact=True).count() == 0  # human names only
    full_screenshot(late, out / "join-form-phone-390.png")
    _check_fits(late, "join form on a phone")
    items.get_by_text("Umbrella security funder", exact=True).click()
    late.get_by_role("button", name="Join", exact=True).click()
    late.get_by_text("team Umbrella").wait_for(timeout=TIMEOUT_MS)
    umbrella = late
    projector.get_by_text("… still deciding").first.wait_for(timeout=TIMEOUT_MS)

    # round 0: a briefing, not a blind first round: starting numbers at once, the status quo's projection soon after
    pypi.get_by_text("Briefing: where you start").wait_for(timeout=TIMEOUT_MS)
    pypi.get_by_text("PyPI now: cash USD").wait_for(timeout=TIMEOUT_MS)
    pypi.locator(".bt-projection").get_by_text("If nothing changes (2026–2028").wait_for(timeout=RESTART_TIMEOUT_MS)
    assert pypi.get_by_text("The first year has not been played yet").count() == 0
    _check_fits(pypi, "briefing on a phone")
    full_screenshot(pypi, out / "team-pypi-briefing-phone-390.png")
    firms.get_by_text("Malware harm to firms a year").wait_for(timeout=TIMEOUT_MS)

    # round 1: teams decide on phones and laptops; funders split a fixed budget (no budget to type); Advance asks first
    _submit(pypi, "Security staff paid from own budget", "3", 1)
    _submit(firms, "Share of supporting firms budgeting support as opex contracts", "0.6", 1)
    assert umbrella.get_by_label("Yearly budget", exact=False).count() == 0
    umbrella.get_by_text("Your budget: USD 5.00M a year.").wait_for(timeout=TIMEOUT_MS)
    umbrella.get_by_label("Share of the budget granted to registries", exact=False).fill("0.3")
    umbrella.get_by_label("Share of the budget paying token-hygiene programme", exact=False).fill("0.8")
    umbrella.get_by_role("button", name="Submit decisions").click()
    umbrella.get_by_text("the shares of the budget add up to 110%").wait_for(timeout=TIMEOUT_MS)  # a real trade-off
    _submit(umbrella, "Share of the budget paying token-hygiene programme", "0.1", 1)
    umbrella.get_by_text("30% registry grants, 10% token-hygiene programmes, 60% other work").wait_for(
        timeout=TIMEOUT_MS
    )
    full_screenshot(umbrella, out / "team-umbrella-budget-phone-390.png")
    _schedule(facilitator, "A worm", "A worm on npm in week 20")
    _schedule(facilitator, "The CDN donors leave", "The CDN donors leave")
    warning = facilitator.locator(".bt-card-warning")  # a projection of the year with these cards
    warning.get_by_text("would likely push PyPI").wait_for(timeout=TIMEOUT_MS)
    assert "into receivership" in warning.inner_text()
    full_screenshot(facilitator, out / "console-round-1.png")
    _advance(facilitator, 2026)

    # the card bankrupted PyPI: it is in receivership, not eliminated; its board and the funders get the rescue choices
    rescue = pypi.locator(".bt-rescue")
    rescue.get_by_text("PyPI is in receivership").wait_for(timeout=TIMEOUT_MS)
    for choice in ("an emergency appeal", "cost cuts now", "the paid tier", "ask a funder for a bail-out"):
        assert rescue.get_by_text(choice, exact=False).count() == 1, choice
    assert pypi.get_by_role("button", name="Submit decisions").is_enabled()  # the team keeps playing
    full_screenshot(pypi, out / "team-pypi-receivership-phone-390.png")
    umbrella.locator(".bt-rescue").get_by_text("Bail-out price").wait_for(timeout=TIMEOUT_MS)
    umbrella.locator("img.bt-picture").nth(1).wait_for(timeout=TIMEOUT_MS)  # the page has settled in round 2
    _choose(umbrella, "Bail-out this year", "PyPI")
    umbrella.get_by_label("Share of the budget granted to registries", exact=False).fill("0.5")
    chosen = umbrella.locator(".bt-field", has_text="Bail-out this year").locator(".v-select__selection")
    assert chosen.inner_text().strip() == "PyPI"
    umbrella.get_by_role("button", name="Submit decisions").click()
    umbrella.get_by_text("Submitted for round 2").wait_for(timeout=TIMEOUT_MS)
    umbrella.get_by_text("a bail-out of PyPI first").wait_for(timeout=TIMEOUT_MS)
    full_screenshot(umbrella, out / "team-umbrella-bail-out-phone-390.png")
    pypi.get_by_text("Rescue: call an emergency appeal").click()
    pypi.get_by_role("button", name="Submit decisions").click()
    pypi.get_by_text("Submitted for round 2").wait_for(timeout=TIMEOUT_MS)
    for page in (pypi, npm, firms, umbrella, projector):
        page.get_by_text("Round 2 of 3").first.wait_for(timeout=TIMEOUT_MS)  # pushed, no reload
    pypi.get_by_text("Your decision for round 2 is in").wait_for(timeout=TIMEOUT_MS)
    assert pypi.get_by_text("Submitted for round 1").count() == 0  # no stale banner
    assert pypi.get_by_text("[extra_security_fte]").count() == 0 and pypi.get_by_text("extra_security_fte").count() == 0
    projector.locator(".bt-screen-charts img.bt-picture").nth(2).wait_for(timeout=TIMEOUT_MS)
    pypi.locator("img.bt-picture").nth(1).wait_for(timeout=TIMEOUT_MS)
    full_screenshot(projector, out / "projector-1920x1080.png")
    projector.set_viewport_size({"width": 1024, "height": 768})
    projector.wait_for_timeout(500)
    full_screenshot(projector, out / "projector-1024x768.png")
    for size in ((1024, 768), (1920, 1080)):
        projector.set_viewport_size({"width": size[0], "height": size[1]})
        projector.wait_for_timeout(300)
        _check_fits(projector, f"projector at {size}")
        for part in (".bt-screen-code", ".bt-screen-qr", ".bt-countdown", ".bt-screen-charts"):
            box = projector.locator(part).first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= size[1] + 1, (size, part, box)
    for page, name in ((pypi, "team-pypi-phone-390.png"), (firms, "team-corporations-phone-390.png")):
        _check_fits(page, name)
        full_screenshot(page, out / name)
    full_screenshot(npm, out / "team-npm-laptop.png")

    # the npm team lost its page: the facilitator makes a new link; the old one stops working
    facilitator.locator(".bt-role-row", has_text="npm board").get_by_role("button", name="New link").click()
    facilitator.get_by_role("button", name="Make the new link").click()
    new_link = facilitator.get_by_text("team=", exact=False).first.inner_text().split(": ", 1)[1]
    assert facilitator.locator(".bt-link-card img.bt-qr").count() == 1
    full_screenshot(facilitator, out / "console-new-team-link.png")
    npm.get_by_text("the facilitator replaced this team link").wait_for(timeout=TIMEOUT_MS)
    npm_again = _page(browser, LAPTOP)
    npm_again.goto(new_link)
    npm_again.get_by_text("npm board — team Nodes").wait_for(timeout=TIMEOUT_MS)
    assert "team=" not in npm_again.url
    npm = npm_again

    # round 2, then undo it: the room returns to the state before that Advance
    _submit(npm, "Fee per new package published", "5", 2)
    facilitator.get_by_text("Cards for 2027: none").wait_for(timeout=TIMEOUT_MS)
    before = _stored_game(workshop_server.db, code)
    _advance(facilitator, 2027)
    pypi.get_by_text("Round 3 of 3").first.wait_for(timeout=TIMEOUT_MS)
    facilitator.get_by_role("button", name="Undo 2027").click()
    facilitator.get_by_role("button", name="Yes, undo 2027").click()
    facilitator.get_by_text("Undone: 2027 is to play again").wait_for(timeout=TIMEOUT_MS)
    for page in (pypi, npm, firms, umbrella, projector):
        page.get_by_text("Round 2 of 3").first.wait_for(timeout=TIMEOUT_MS)
    assert _stored_game(workshop_server.db, code) == before
    assert npm.get_by_label("Fee per new package published").input_value() == "5"
    _advance(facilitator, 2027)
    facilitator.get_by_text("Umbrella security funder bailed out PyPI").first.wait_for(timeout=TIMEOUT_MS)

    # the server restarts; nobody reloads: every page comes back by itself where it was
    pages = (pypi, npm, firms, umbrella, projector, facilitator)
    for page in pages:
        page.evaluate("window.__beforeRestart = true")
    workshop_server.restart()
    for page in pages:  # re-run on the new server (Solara's remount), or reloaded by the page's own watch
        page.wait_for_function(RECOVERED, timeout=RESTART_TIMEOUT_MS)
        page.get_by_text("Round 3 of 3").first.wait_for(timeout=TIMEOUT_MS)
    assert facilitator.get_by_text("Could not restore session").count() == 0
    facilitator.get_by_role("button", name="Start timer").click()
    for page in (pypi, npm, firms, umbrella, projector):  # live on the new server: the timer reaches them
        page.locator(".bt-countdown:not(.bt-countdown-idle)").first.wait_for(timeout=TIMEOUT_MS)
    pypi.get_by_label("Staff running trusted-publishing", exact=False).fill("2")
    pypi.get_by_role("button", name="Submit decisions").click()
    pypi.get_by_text("Submitted for round 3").wait_for(timeout=TIMEOUT_MS)  # the page talks to the new server
    projector.get_by_text("✓ decision in").first.wait_for(timeout=TIMEOUT_MS)
    _advance(facilitator, 2028)
    for page in (pypi, npm, firms, umbrella, projector):
        page.get_by_text("Game over: 3 years played").first.wait_for(timeout=TIMEOUT_MS)
    stored = _stored_game(workshop_server.db, code)["results"]
    assert len(stored) == 3 and all('"shut_down"' not in summary for _, summary in stored)  # no team eliminated
    assert facilitator.get_by_text("shut down", exact=True).count() == 0
    board = facilitator.locator("table", has_text="Score (0–100)")
    assert board.get_by_text("Developer community").count() == 1  # every role has a row, the community too
    assert board.locator("text=/✓ met|✗ missed/").count() == len(ROLE_BOOK.roles)
    facilitator.get_by_text("no team was eliminated").wait_for(timeout=TIMEOUT_MS)

    # debrief: one annotated chart, decisions in words, the loop diagram; on a laptop and a phone
    debrief = _page(browser, LAPTOP)
    debrief.goto(f"{url}?room={code}&view=debrief&key={key}")
    debrief.get_by_text("Debrief — room").wait_for(timeout=TIMEOUT_MS)
    debrief.locator("img.bt-picture").first.wait_for(timeout=TIMEOUT_MS)
    debrief.get_by_text("Fee per new package published: USD 0 → USD 5").wait_for(timeout=TIMEOUT_MS)
    full_screenshot(debrief, out / "debrief-replay-annotated-chart.png")
    debrief.get_by_role("button", name="Removal delay").click()
    debrief.wait_for_timeout(1_500)
    full_screenshot(debrief, out / "debrief-replay-removal-delay.png")
    debrief.get_by_role("tab", name="Decisions").click()
    debrief.get_by_text("A worm on npm in week 20").first.wait_for(timeout=TIMEOUT_MS)
    debrief.get_by_text("Umbrella security funder bailed out PyPI").first.wait_for(timeout=TIMEOUT_MS)
    assert "extra_security_fte" not in debrief.inner_text("body") and "{'" not in debrief.inner_text("body")
    debrief.wait_for_timeout(800)  # the tab's slide has ended
    full_screenshot(debrief, out / "debrief-decisions.png")
    debrief.get_by_role("tab", name="Causal loops").click()
    diagram = debrief.locator("img[alt^='Causal-loop diagram']")
    diagram.wait_for(timeout=TIMEOUT_MS)
    assert "R2" in diagram.get_attribute("alt")  # the worm card set the worm loop going in this room
    full_screenshot(debrief, out / "debrief-causal-loops.png")
    firms.get_by_role("button", name="Open the debrief").click()
    firms.get_by_text("Debrief — room").wait_for(timeout=TIMEOUT_MS)
    firms.locator("img.bt-picture").first.wait_for(timeout=TIMEOUT_MS)
    _check_fits(firms, "debrief on a phone")
    full_screenshot(firms, out / "debrief-phone-390.png")
    _check_fits(facilitator, "console")
    full_screenshot(facilitator, out / "console-game-over.png")

    # handouts print cleanly: one page per role card
    cards = _page(browser, LAPTOP)
    cards.goto(f"{url}?view=print&doc=cards")
    cards.get_by_text("Borrowed Time workshop: role cards").wait_for(timeout=TIMEOUT_MS)
    pdf = cards.pdf(path=str(out / "role-cards.pdf"), format="A4")
    assert _pdf_pages(pdf) == len(ROLE_BOOK.roles)
    assert cards.get_by_role("button", name="Print the role cards").count() == 1
    guide = _page(browser, LAPTOP)
    guide.goto(f"{url}?view=print&doc=guide")
    guide.get_by_text("Facilitator guide").first.wait_for(timeout=TIMEOUT_MS)
    assert _pdf_pages(guide.pdf(path=str(out / "facilitator-guide.pdf"), format="A4")) >= 3
    assert "Could not load URL" not in workshop_server.log()

"""The page Valinnanvapaus / Freedom of choice in headless Chromium (Debian's), via Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="no Debian chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def server(live_server):
    from soteplan.api import create_app

    with live_server(create_app("keski-suomi")) as url:
        yield url


@pytest.fixture(scope="module")
def page(launch_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        pg = b.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        yield pg
        b.close()


def _ready(pg, entries: int = 0) -> None:
    pg.wait_for_function(
        "() => (document.body.dataset.ready === '1' && "
        f"document.body.dataset.entries === '{entries}')"
        " || document.getElementById('status').classList.contains('error')",
        timeout=90_000,
    )


def test_choice_page_map_bars_and_a_private_entrant(server, page) -> None:
    page.goto(f"{server}/choice")
    _ready(page)
    assert not page.errors, page.errors
    assert "error" not in (page.get_attribute("#status", "class") or "")
    assert page.locator("h1").inner_text() == "Valinnanvapaus"
    rows = page.locator("#choice-table tbody tr")
    assert rows.count() == 9
    assert page.locator("#bars svg").count() == 1
    assert page.locator("#choice-table thead th").count() == 4
    assert "Valitsijoita" in page.locator("#summary").inner_text()
    # click an empty spot of the map: a private station enters, the table gains after-columns
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.08, box["y"] + box["height"] * 0.92)
    _ready(page, 1)
    assert not page.errors, page.errors
    assert page.locator("#choice-table tbody tr").count() == 10
    assert page.locator("#choice-table thead th").count() == 6
    assert "Uusi asema" in page.locator("#whatif").inner_text()
    text = page.locator("main").inner_text()
    for english in ("Freedom of choice", "Station", "Today's areas", "switch"):
        assert english not in text
    page.goto(f"{server}/choice?lang=en")
    _ready(page)
    assert page.locator("h1").inner_text() == "Freedom of choice"
    main = page.locator("main").inner_text()
    for finnish in ("Valinnanvapaus", "Nykyiset alueet", "asukasta"):
        assert finnish not in main

"""The pathway page in headless Chromium: Sankey, stage table, levers, both languages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(live_server):  # type: ignore[no-untyped-def]
    from soteplan.api import create_app

    with live_server(create_app("keski-suomi")) as url:
        yield url


@pytest.fixture(scope="module")
def page(server, launch_chromium):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        pg = b.new_context(viewport={"width": 1366, "height": 1000}).new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        yield pg
        b.close()


def _ready(pg) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_function(
        "() => document.body.dataset.ready === '1' || "
        "document.getElementById('status').classList.contains('error')",
        timeout=90_000,
    )
    assert "error" not in (pg.locator("#status").get_attribute("class") or "")


def _shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("SOTEPLAN_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_memory_pathway_page_finnish_then_levers(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/pathways?lang=fi")
    _ready(page)
    assert page.locator("#pw-pathway").input_value() == "memory-disorders"
    assert int(page.locator("#pw-sankey").get_attribute("data-links")) >= 8
    assert page.locator("#pw-sankey svg").count() == 1
    assert page.locator("#pw-stages tbody tr").count() >= 5  # stages × provider kinds
    body = page.locator("main").inner_text()
    assert "Kotihoito" in body or "kotihoito" in body
    for english in ("Persons", "Provider", "Cost", "Home care", "In person", "Public"):
        assert english not in body, english
    page.check("#pw-peer")
    page.check("#pw-shift")
    page.select_option("#pw-shift-stage", "diagnosis")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#pw-run")
    _ready(page)
    assert page.locator("#pw-change tbody tr").count() == 16
    table = page.locator("#pw-stages").inner_text()
    assert "Muistiyhdistyksen vertaistuki" in table and "Kolmas sektori" in table
    _shot(page, "pathways-fi")
    assert page.errors == []


def test_pathway_page_english(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/pathways?lang=en&pathway=older-people")
    _ready(page)
    assert page.locator("#pw-pathway").input_value() == "older-people"
    body = page.locator("main").inner_text()
    assert "Regular home care" in body
    for finnish in ("Henkilöt", "Kustannus", "Kotihoito", "Julkinen"):
        assert finnish not in body, finnish
    assert page.locator("#pw-sources li").count() >= 3
    _shot(page, "pathways-en")
    assert page.errors == []

"""End-to-end: the web app in a real headless Chromium (Debian's), driven by Playwright.

Set SOTEPLAN_SCREENSHOTS=1 to save screenshots under docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
]

PAGES = ["/", "/demography", "/network", "/optimise", "/organisation", "/scenarios"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from soteplan.api import create_app

    port = _free_port()
    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    app = create_app("keski-suomi", store_url=f"sqlite:///{store}")
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--enable-unsafe-swiftshader",
                "--use-angle=swiftshader",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    # the pages run under the app's Content-Security-Policy: record every violation
    ctx.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    assert pg.evaluate("() => window.__csp || []") == [], "CSP violations"
    ctx.close()


def _shot(pg, name: str) -> None:
    if os.environ.get("SOTEPLAN_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _unlabelled_controls(pg) -> list[str]:
    """Form controls and buttons without an accessible name (label, aria-label or text)."""
    return pg.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                        && !el.closest('label') && !(el.textContent || '').trim()
                        && !el.getAttribute('title'))
        .map((el) => el.outerHTML.slice(0, 80))""")


def _ready(pg, timeout=60_000):
    pg.wait_for_function(
        "() => document.body.dataset.ready === '1' || "
        "document.getElementById('status').classList.contains('error')",
        timeout=timeout,
    )


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_every_page_renders_in_both_languages(server, page, lang):
    for path in PAGES:
        resp = page.goto(f"{server}{path}?lang={lang}")
        assert resp.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text().strip()
        if path != "/scenarios":
            page.wait_for_selector("#map canvas.maplibregl-canvas", timeout=60_000)
        if path == "/":
            page.wait_for_function(
                "() => document.getElementById('map').dataset.features > 0", timeout=60_000
            )
        else:
            _ready(page)
        name = path.strip("/") or "overview"
        _shot(page, f"{name}-{lang}")
        assert _unlabelled_controls(page) == [], path
    assert page.errors == []


def test_overview_figures_come_from_the_api(server, page, ks):
    page.goto(f"{server}/?lang=en")
    page.wait_for_function(
        "() => document.getElementById('map').dataset.features > 0", timeout=60_000
    )
    n_points = int(page.locator("#map").get_attribute("data-features"))
    assert n_points == len(ks.service_points_in(None))
    year = ks.total_years[-1]
    shown = int(re.sub(r"\D", "", page.locator("#fig-population").inner_text()))
    assert shown == int(ks.population_total(year).sum())
    assert page.locator("#muni-table tbody tr").count() == len(ks.municipality_codes())
    # the map canvas was drawn (WebGL) and has a real size
    box = page.locator("#map canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 300


def test_demography_charts_have_numbers(server, page, ks):
    page.goto(f"{server}/demography?lang=fi")
    _ready(page)
    total = int(page.locator("#pyramid").get_attribute("data-total"))
    year = ks.age_sex_years[-1]
    assert total == int(ks.population_by_age(year)["population"].sum())
    assert page.locator("#pyramid svg").count() == 1
    assert int(page.locator("#wai").get_attribute("data-points")) > 10
    assert page.locator("#dr-table tbody tr").count() == len(ks.municipality_codes())


def _coverage_cells(page):
    return page.locator("#coverage-table tbody tr").first.inner_text()


def test_close_a_station_changes_coverage_then_english_and_pdf(server, page, tmp_path):
    page.goto(f"{server}/network")
    _ready(page)
    before = _coverage_cells(page)
    assert "%" in before
    btn = page.get_by_role("button", name=re.compile("Hankasalmen terveysasema"))
    btn.focus()
    page.keyboard.press("Enter")  # keyboard works, not only the mouse
    page.wait_for_function("() => document.body.dataset.closed === '1'", timeout=60_000)
    after = _coverage_cells(page)
    assert after != before
    assert page.locator("#coverage-table td.down").count() > 0  # some shares fell
    assert page.locator("#losers-table tbody tr").count() > 0
    assert "Hankasalmi" in page.locator("#losers-table").inner_text()
    _shot(page, "network-closed-fi")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    _ready(page)
    assert "Service network" in page.locator("h1").inner_text()
    with page.expect_download(timeout=120_000) as dl:
        page.click("#report-pdf")
    path = tmp_path / "report.pdf"
    dl.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size > 50_000
    assert page.errors == []


def test_scenario_run_with_progress_in_the_browser(server, page, monkeypatch):
    monkeypatch.setenv("SOTEPLAN_API_TOKEN", "e2e-token")
    page.goto(f"{server}/scenarios?lang=en")
    _ready(page)
    page.fill("#sc-token", "e2e-token")
    page.dispatch_event("#sc-token", "change")
    page.fill("#sc-doc", '{"name": "e2e-baseline", "base_year": 2020, "target_year": 2030}')
    page.click("#sc-validate")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('valid')")
    page.click("#sc-save")
    page.wait_for_function(
        "() => document.getElementById('sc-output').textContent.includes('summary')",
        timeout=120_000,
    )
    assert page.locator("#sc-progress").evaluate("p => p.value === p.max && p.max > 0")
    page.wait_for_function(
        "() => document.getElementById('sc-list').textContent.includes('e2e-baseline')"
    )
    _shot(page, "scenarios-run-en")
    assert page.errors == []

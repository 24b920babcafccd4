"""Browser fixtures of the planner-page tests: one live app per module, Chromium, a checked page."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def local_token() -> str:
    """The write token a loopback `soteplan serve` generates at start (one per test module)."""
    return "e2e-" + os.urandom(12).hex()


@pytest.fixture(scope="module")
def server(tmp_path_factory, live_server, local_token):
    from soteplan.api import create_app

    store = tmp_path_factory.mktemp("store") / "runs.sqlite"
    app = create_app("keski-suomi", store_url=f"sqlite:///{store}")
    app.state.rate_limiters = {"compute": None}  # one browser walks every page, many times
    app.state.local_token = local_token
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(launch_chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
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

"""The resident pages in Debian's headless Chromium: axe-core, languages, keyboard, print, offline.

axe-core is vendored under ``soteplan/web/static/vendor/axe-core`` (npm, MPL-2.0) and loaded
from the app's own origin, so the Content-Security-Policy of the pages stays as it is.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from soteplan.i18n import RESIDENT_LANGS, catalogue

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def server(ks_guide, live_server):
    from soteplan.api import create_app

    app = create_app("keski-suomi")
    app.state.guidance_guide = ks_guide
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
def phone(browser):
    """A phone-sized context (390 × 844 CSS px, touch)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


def _axe(page) -> list[dict]:
    """Serious and critical axe-core violations of the current page."""
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document);
            return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id,
                impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))};
        }"""
    )
    assert result["passes"] > 10  # axe really ran its rules on this page
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _ask(page, server, lang, need="home-help", postcode="43100"):
    page.goto(f"{server}/palveluohjaus?lang={lang}")
    page.check(f"#need-{need}")
    page.fill("#postcode", postcode)
    page.click("button[type=submit]")
    page.wait_for_selector("#answer-h, #err-h")


def _foreign_strings(lang: str) -> list[str]:
    """Resident UI strings of the other languages that differ from this language's."""
    out = []
    for key, entry in catalogue().items():
        if not key.startswith("resident.") or key.startswith("resident.lang_self."):
            continue
        mine = entry[lang]
        for other in RESIDENT_LANGS:
            if other != lang and entry[other] != mine and len(entry[other]) >= 8:
                out.append(entry[other].split("{")[0].strip())
    return [s for s in out if len(s) >= 8]


def _text_in_page_language(page) -> str:
    """Visible text, leaving out elements marked with another language (the language links)."""
    return page.evaluate(
        """() => {
            const lang = document.documentElement.lang;
            const clone = document.body.cloneNode(true);
            clone.querySelectorAll('[lang]').forEach(el => {
                if (el.getAttribute('lang') !== lang) el.remove();
            });
            clone.querySelectorAll('script').forEach(el => el.remove());
            return clone.innerText;
        }"""
    )


@pytest.mark.parametrize("lang", RESIDENT_LANGS)
def test_phone_form_and_answer_in_each_language_pass_axe(server, phone, lang, ks_guide):
    resp = phone.goto(f"{server}/palveluohjaus?lang={lang}")
    assert resp.status == 200
    assert phone.locator("html").get_attribute("lang") == lang
    assert _axe(phone) == []
    _ask(phone, server, lang)
    assert phone.locator("html").get_attribute("lang") == lang
    items = phone.locator("ol.services > li")
    assert items.count() == 5
    assert "Saarijärven terveysasema" in items.first.inner_text()
    minutes = ks_guide.answer("home-help", postcode="43100").services[0].travel_minutes
    assert f" {minutes:.0f} min" in items.first.locator(".time").inner_text()
    assert _axe(phone) == []
    # nothing wider than the phone: no horizontal scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    text = _text_in_page_language(phone)
    leaked = [s for s in _foreign_strings(lang) if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]
    assert leaked == [], leaked
    assert phone.errors == []


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_use_my_location_by_keyboard_fills_the_point_and_answers(server, browser, lang):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        geolocation={"latitude": 62.6201, "longitude": 25.1804},
        permissions=["geolocation"],
    )
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{server}/palveluohjaus?lang={lang}")
    pg.wait_for_function("() => document.body.dataset.ready === '1'")
    assert pg.locator("#locate").is_visible()
    assert _axe(pg) == []
    pg.focus("#postcode")
    pg.keyboard.type("43100")  # the button clears the other places, so only one is sent
    pg.focus("#locate")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.getElementById('point').value !== ''")
    assert pg.input_value("#point") == "62.620, 25.180"  # rounded to about 100 m
    assert pg.input_value("#postcode") == ""
    status = pg.locator("#locate-status")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == catalogue()["resident.located"][lang]
    assert pg.evaluate("document.activeElement.id") == "point"
    pg.check("#need-home-help")
    pg.click("button[type=submit]")
    pg.wait_for_selector("#answer-h")
    assert pg.locator("ol.services > li").count() == 5
    assert "62.620, 25.180" in pg.locator(".answer .meta").inner_text()
    assert _axe(pg) == []
    assert errors == []
    ctx.close()


def test_location_refused_is_said_in_words(server, browser):
    ctx = browser.new_context(geolocation={"latitude": 62.62, "longitude": 25.18})
    pg = ctx.new_page()  # no geolocation permission: the browser refuses
    pg.goto(f"{server}/palveluohjaus?lang=en")
    pg.wait_for_function("() => document.body.dataset.ready === '1'")
    pg.click("#locate")
    want = catalogue()["resident.locate_denied"]["en"]
    pg.wait_for_function(
        f"() => document.getElementById('locate-status').textContent === {json.dumps(want)}"
    )
    assert pg.input_value("#point") == ""
    ctx.close()


def test_errors_are_announced_and_linked_to_the_field(server, phone):
    _ask(phone, server, "fi", postcode="123")
    assert phone.locator("#err-h").count() == 1
    assert phone.locator("#postcode").get_attribute("aria-invalid") == "true"
    assert phone.locator(".errors a[href='#postcode']").count() == 1
    assert _axe(phone) == []


def test_keyboard_only(server, browser):
    ctx = browser.new_context(viewport={"width": 1024, "height": 800})
    pg = ctx.new_page()
    pg.goto(f"{server}/palveluohjaus?lang=sv")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.className") == "skip"
    pg.keyboard.press("Enter")
    assert pg.evaluate("document.activeElement.id") == "main"
    # tab to the first need, choose the second with the arrow key, then the postcode
    for _ in range(20):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.name") == "need":
            break
    pg.keyboard.press("ArrowDown")
    assert pg.evaluate("document.activeElement.value") == "home-help"
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "postcode"
    pg.keyboard.type("43100")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#answer-h")
    assert pg.evaluate("document.activeElement.id") == "answer-h"  # focus moved to the answer
    ctx.close()


def test_printable_sheet_and_no_cookies(server, browser, tmp_path):
    ctx = browser.new_context()
    pg = ctx.new_page()
    _ask(pg, server, "fi", need="emergency", postcode="40100")
    assert pg.locator("#print").is_visible()
    assert "112" in pg.locator(".call112").inner_text()
    pg.emulate_media(media="print")
    assert not pg.locator("form.ask").is_visible()
    assert pg.locator("ol.services").is_visible()
    pdf = pg.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert ctx.cookies() == []
    ctx.close()


def test_works_offline_after_a_visit(server, browser):
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(f"{server}/palveluohjaus?lang=en")
    pg.wait_for_function("() => document.body.dataset.ready === '1'")
    pg.evaluate("navigator.serviceWorker.ready.then(() => true)")
    url = f"{server}/palveluohjaus?lang=en&need=doctor&postcode=43100"
    pg.goto(url)  # now controlled by the service worker, which keeps a copy
    pg.wait_for_selector("#answer-h")
    for _ in range(50):
        if pg.evaluate(
            f"caches.open('palveluohjaus-v1').then(c => c.match({json.dumps(url)})).then(r => !!r)"
        ):
            break
        time.sleep(0.1)
    ctx.set_offline(True)
    pg.goto(url)
    assert "Saarijärven terveysasema" in pg.locator("ol.services").inner_text()
    assert pg.locator("#point").count() == 1  # the point option is in the offline copy too
    ctx.set_offline(False)
    ctx.close()


DATA = Path(__file__).resolve().parents[1] / "data" / "guidance"


@pytest.fixture(scope="module")
def planner_server(ks_guide, live_server):
    """An app with an imported HSDS datapackage and a resident survey (example files)."""
    from soteplan.api import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOTEPLAN_GUIDANCE_HSDS", str(DATA / "hsds_example"))
        mp.setenv("SOTEPLAN_GUIDANCE_SURVEY", str(DATA / "survey_example.csv"))
        app = create_app("keski-suomi")
        from soteplan.api._guidance import guide_of, survey_of

        guide_of(app)  # built with the import while the variables are set
        survey_of(app)
    with live_server(app) as url:
        yield url


def test_planner_sees_imports_survey_and_unmet_needs_on_the_map(planner_server, browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{planner_server}/guidance?lang=fi")
    pg.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    assert int(pg.locator("#map").get_attribute("data-features")) > 150
    pg.wait_for_selector("#map canvas.maplibregl-canvas")
    assert pg.locator("#gp-summary tbody tr").count() == 1
    voice = pg.locator("#gp-voice").inner_text()
    assert "43100" in voice and "saavutettavuus" in voice
    directory = pg.locator("#gp-directory").inner_text()
    assert "ESIMERKKI Kotiapu (example)" in directory and "esimerkkiaineisto" in directory
    # another need and a tighter limit: more areas outside
    before = pg.locator("#gp-outside tbody tr").count()
    pg.select_option("#gp-need", "emergency")
    pg.fill("#gp-threshold", "20")
    pg.evaluate("document.body.dataset.ready = '0'")
    pg.click("#gp-form button[type=submit]")
    pg.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    assert pg.locator("#gp-outside tbody tr").count() > before
    # and in the report beside the access figures
    html = pg.request.get(f"{planner_server}/report.html?lang=fi").text()
    assert 'id="voice"' in html and "43100 Saarijärvi Keskus" in html
    assert "ESIMERKKI Kotiapu (example) (esimerkkiaineisto)" in html
    assert errors == []
    ctx.close()


UPLOAD_TOKEN = "browser-test-upload-token"


@pytest.fixture(scope="module")
def upload_server(ks_guide, live_server):
    """An app without a survey whose loopback token the browser gets as a cookie."""
    from soteplan.api import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOTEPLAN_GUIDANCE_SURVEY", raising=False)
        mp.delenv("SOTEPLAN_API_TOKEN", raising=False)
        app = create_app("keski-suomi")
    app.state.guidance_guide = ks_guide
    app.state.local_token = UPLOAD_TOKEN
    with live_server(app) as url:
        yield url


def _planner(browser, url, token=True):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    if token:  # the address `soteplan serve` prints: the token goes into a cookie
        pg.goto(f"{url}/?token={UPLOAD_TOKEN}&lang=fi")
    pg.goto(f"{url}/guidance?lang=fi")
    pg.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    return ctx, pg


def _upload(pg, path):
    pg.evaluate("document.body.dataset.upload = ''")
    pg.set_input_files("#gp-survey-file", str(path))
    pg.click("#gp-survey-send")
    pg.wait_for_function("() => !!document.body.dataset.upload", timeout=60_000)
    return pg.evaluate("document.body.dataset.upload")


def test_planner_uploads_a_survey_and_sees_it_beside_the_access_figures(upload_server, browser):
    ctx, pg = _planner(browser, upload_server)
    assert pg.locator("#gp-voice-none").is_visible()
    assert pg.locator("#map").get_attribute("data-voice-features") == "0"
    # a bad file: every problem said in Finnish next to the control, by row and column
    assert _upload(pg, DATA / "broken_survey.csv") == "error"
    msg = pg.locator("#gp-survey-msg")
    text = msg.inner_text()
    fi = catalogue()
    assert "broken_survey.csv" in text
    assert "rivi 1, sarake score" in text and "rivi 4, sarake score" in text
    assert fi["gplan.svp.theme"]["fi"] in text
    assert "is not" not in text and "outside the scale" not in text  # no English
    assert pg.locator("#gp-survey-file").get_attribute("aria-invalid") == "true"
    assert msg.get_attribute("role") == "alert"
    assert pg.locator("#gp-voice-none").is_visible()  # nothing was taken
    # the survey tool's own export: shown in the table and on the map with the car times
    assert _upload(pg, DATA / "survey_google_forms_example.csv") == "ok"
    assert "Tuotu survey_google_forms_example.csv" in msg.inner_text()
    assert pg.locator("#gp-survey-file").get_attribute("aria-invalid") is None
    assert not pg.locator("#gp-voice-none").is_visible()
    rows = pg.locator("#gp-voice tbody tr")
    assert rows.count() >= 1 and "43100" in pg.locator("#gp-voice").inner_text()
    assert int(pg.locator("#map").get_attribute("data-voice-features")) >= 1
    # and in the report
    html = pg.request.get(f"{upload_server}/report.html?lang=fi").text()
    assert 'id="voice"' in html and "43100 Saarijärvi Keskus" in html
    # removed again
    pg.evaluate("document.body.dataset.ready = '0'")
    pg.click("#gp-survey-remove")
    pg.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    assert pg.locator("#gp-voice-none").is_visible()
    assert pg.errors == []
    ctx.close()


def test_without_the_token_the_upload_is_off_and_refused(upload_server, browser):
    ctx, pg = _planner(browser, upload_server, token=False)
    assert pg.locator("#gp-survey-file").is_disabled()
    assert (
        catalogue()["gplan.upload_needs_token"]["fi"] in pg.locator("#gp-survey-hint").inner_text()
    )
    r = pg.request.put(
        f"{upload_server}/api/v1/guidance/survey?name=s.csv",
        data=(DATA / "survey_example.csv").read_bytes(),
    )
    assert r.status == 401
    ctx.close()

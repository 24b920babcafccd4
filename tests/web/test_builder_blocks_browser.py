"""The scenario builder's network openings, projection, choice and pathways blocks in Chromium.

Each control is built in the form, run, and its effect read back from the result the page
shows (and from the stored run); the YAML the page downloads loads back into the same form.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_e2e_browser import _TEXT_JS, _other_language_words  # the language walk's word lists

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium",
    ),
]


def _open(page, server, lang, token):
    page.goto(f"{server}/scenarios?lang={lang}&token={token}")
    page.wait_for_function(
        "() => document.body.dataset.ready === '1' || "
        "document.getElementById('status').classList.contains('error')",
        timeout=60_000,
    )
    assert page.locator("#sc-auth").get_attribute("data-write") == "1"


def _run(page, name, timeout=240_000):
    page.fill("#f-name", name)
    # a run starts from a clean slate: no result yet, no error left from an earlier check
    page.evaluate(
        "() => { delete document.body.dataset.result; "
        "document.getElementById('status').classList.remove('error'); }"
    )
    page.click("#sc-save")
    page.wait_for_function(
        "() => document.body.dataset.result || "
        "document.getElementById('status').classList.contains('error')",
        timeout=timeout,
    )
    status = page.locator("#status")
    assert not status.evaluate("s => s.classList.contains('error')"), status.inner_text()
    run_id = page.evaluate("() => document.body.dataset.result")
    assert run_id
    return run_id


def _stored(page, server, run_id, lang="fi"):
    return page.request.get(f"{server}/scenarios/builder/result/{run_id}?lang={lang}").json()


def _axe(page, server):
    """Serious or critical axe-core violations of the page as it is now (results shown)."""
    page.add_script_tag(url=f"{server}/static/vendor/axe-core/axe.min.js")
    return page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
            .map((v) => v.id + ': ' +
              v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
        }"""
    )


def _mean(result):
    row = next(a for a in result["access"] if a["key"] == "nearest_min.mean (all)")
    return row["before"], row["after"]


def _remote_candidate(page, server):
    """The candidate site farthest from today's health stations (a real gain in access)."""
    cands = page.request.get(
        f"{server}/scenarios/builder/candidates?service=health_station&lang=fi"
    ).json()["features"]
    pts = page.request.get(f"{server}/api/v1/regions/keski-suomi/service-points").json()
    stations = [
        f["geometry"]["coordinates"]
        for f in pts["features"]
        if f["properties"]["type"] == "health_station"
    ]

    def gap(f):
        lon, lat = f["geometry"]["coordinates"]
        return min((lon - a) ** 2 * 0.22 + (lat - b) ** 2 for a, b in stations)

    return max(cands, key=gap)["properties"]


def test_open_a_candidate_and_a_clicked_point_changes_access_and_round_trips(
    server, page, tmp_path, local_token
):
    _open(page, server, "fi", local_token)
    page.check("#on-network")
    # candidate sites are drawn on the map and offered in the list, labelled in Finnish
    n_cands = page.locator("#f-network-open-cand option").count()
    assert n_cands > 10
    assert "kuntakeskus" in page.locator("#f-network-open-cand").inner_text()
    assert "ehdokaspaikka" in page.locator("#sc-map-legend").inner_text()
    assert "Lähde" in page.locator("#sc-map-legend").inner_text()
    far = _remote_candidate(page, server)
    page.select_option("#f-network-open-cand", far["id"])
    page.click("#f-network-open-add")
    assert page.locator("#sc-map").get_attribute("data-opened") == "1"
    assert page.locator("#f-network-open-cand option").count() == n_cands - 1
    # a point placed by clicking the middle of the map gets the municipality it lies in
    page.click("#f-network-open-place")
    assert page.locator("#f-network-open-place").get_attribute("aria-pressed") == "true"
    page.locator("#sc-map canvas").click()
    page.wait_for_function("() => document.getElementById('sc-map').dataset.opened === '2'")
    assert "Uusi piste" in page.locator("#f-network-open").inner_text()
    page.click("#f-network-open-place")  # placing off again
    # the downloaded YAML has both openings in network.open (EPSG:3067 metres)
    page.fill("#f-name", "e2e-avaa")
    with page.expect_download() as dl:
        page.click("#sc-download")
    saved = tmp_path / "open.yaml"
    dl.value.save_as(saved)
    doc = yaml.safe_load(saved.read_text(encoding="utf-8"))
    opened = doc["network"]["open"]
    assert opened[0]["id"] == far["id"] and len(opened) == 2
    assert opened[0]["x"] == far["x"] and opened[1]["y"] > 6_800_000
    run_id = _run(page, "e2e-avaa")
    assert "avattu 2 uutta" in page.locator("#sc-demo-note").inner_text()
    assert _other_language_words(page.evaluate(_TEXT_JS), "fi") == []  # results in Finnish only
    assert _axe(page, server) == []
    stored = _stored(page, server, run_id)
    before, after = _mean(stored)
    assert after < before - 0.01  # the new points shorten the mean car time
    assert stored["opened"][0]["name"] == far["name"]
    # the same scenario without the openings: access unchanged, so the effect is the openings'
    page.click("#f-network-open li:nth-child(2) button")
    page.click("#f-network-open li:first-child button")
    assert page.locator("#sc-map").get_attribute("data-opened") == "0"
    base = _stored(page, server, _run(page, "e2e-ei-avauksia"))
    assert _mean(base)[1] == pytest.approx(_mean(base)[0])
    # the saved YAML loads back: both openings listed and on the map
    page.set_input_files("#sc-upload", str(saved))
    page.wait_for_function(f"() => document.body.dataset.loaded === {doc['name']!r}")
    assert page.locator("#sc-map").get_attribute("data-opened") == "2"
    assert far["name"] in page.locator("#f-network-open").inner_text()
    # a point outside the region is refused next to the field, in Finnish
    doc["network"]["open"][1]["x"] = 100_000.0
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    page.set_input_files("#sc-upload", str(bad))
    page.wait_for_function(
        "() => document.getElementById('f-network-open-err').textContent.length > 0"
    )
    assert "alueen ulkopuolella" in page.locator("#f-network-open-err").inner_text()
    assert page.errors == []


def test_projection_choice_and_pathways_build_run_compare_and_round_trip(
    server, page, tmp_path, local_token
):
    _open(page, server, "en", local_token)
    page.uncheck("#on-access")
    page.uncheck("#on-organisation")
    # the calibration switch is live only for the cohort model
    assert page.locator("#f-demography-calibrate-to-official").is_disabled()
    page.select_option("#f-demography-source", "cohort")
    assert page.locator("#f-demography-calibrate-to-official").is_enabled()
    page.uncheck("#f-demography-calibrate-to-official")
    # choice: the Jyväskylä pilot (municipalities are not read with a pilot)
    page.check("#on-choice")
    assert page.locator("#f-choice-municipalities").is_disabled()
    # a power decay needs a coefficient: said next to the field
    page.select_option("#f-choice-decay", "power")
    page.click("#sc-validate")
    page.wait_for_function(
        "() => document.getElementById('f-choice-beta-err').textContent.length > 0"
    )
    assert "distance coefficient" in page.locator("#f-choice-beta-err").inner_text()
    page.select_option("#f-choice-decay", "exponential")
    # pathways: older people's, with no levers first
    page.check("#on-pathways")
    page.check("#pwb-on-older-people")
    assert page.locator("#pwb-peer-cov-older-people").is_disabled()
    a = _stored(page, server, _run(page, "e2e-a"), "en")
    assert page.locator("#sc-choice-table tbody tr").count() >= 3
    assert "persons" in page.locator("#sc-choice-table thead").inner_text()
    assert "Older people" in page.locator("#sc-pw-table").inner_text()
    assert "contacts/yr" in page.locator("#sc-pw-table thead").inner_text()
    assert "not calibrated" in page.locator("#sc-demo-note").inner_text()
    assert "cohort-component" in page.locator("#sc-cost-src").inner_text()
    # run B: official projection, a stronger distance decay, NGO peer support at 60 %
    page.select_option("#f-demography-source", "official")
    page.fill("#f-choice-beta", "1.2")
    page.check("#pwb-peer-older-people")
    page.locator("#pwb-peer-cov-older-people").fill("60")
    page.fill("#f-name", "e2e-b")
    assert "60 % of the stage" in page.locator("#pwb-peer-cov-older-people-out").inner_text()
    with page.expect_download() as dl:
        page.click("#sc-download")
    saved = tmp_path / "b.yaml"
    dl.value.save_as(saved)
    b = _stored(page, server, _run(page, "e2e-b"), "en")
    # every control changed its engine's result
    y1 = str(a["years"][-1])
    assert a["totals"][y1]["population"] != pytest.approx(b["totals"][y1]["population"])
    assert a["choice"]["switchers"] != pytest.approx(b["choice"]["switchers"])
    pa, pb = a["pathways"][0], b["pathways"][0]
    assert pa["levers"] == 0 and pb["levers"] == 1
    assert pb["third_sector_share"] > pa["third_sector_share"]
    # the comparison shows choice and pathway figures of both runs, with units
    page.wait_for_function("() => document.querySelectorAll('input[name=cmp]').length >= 2")
    page.click("#sc-compare")
    page.wait_for_function("() => document.body.dataset.compared === '2'", timeout=60_000)
    choice = page.locator("#sc-cmp-choice").inner_text()
    assert "Change station" in choice and "min" in choice and "e2e-a" in choice
    assert "Contacts" in page.locator("#sc-cmp-pw").inner_text()
    assert "M€" in page.locator("#sc-cmp-pw").inner_text()
    # the run view and the comparison with choice and pathways: no Finnish on the English page
    assert _other_language_words(page.evaluate(_TEXT_JS), "en") == []
    assert _axe(page, server) == []
    # the YAML round-trip: the levers come back into the same controls
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    page.set_input_files("#sc-upload", str(saved))
    page.wait_for_function("() => document.body.dataset.loaded === 'e2e-b'")
    assert page.locator("#pwb-peer-older-people").is_checked()
    assert page.locator("#pwb-peer-cov-older-people").input_value() == "60"
    assert page.locator("#f-choice-beta").input_value() == "1.2"
    assert page.locator("#f-demography-source").input_value() == "official"
    text = saved.read_text(encoding="utf-8")
    assert "kind: peer_support" in text and "coverage: 0.6" in text and "beta: 1.2" in text
    assert page.errors == []

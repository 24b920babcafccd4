"""The resident pages without a browser: status, headers, languages, no cookies."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from soteplan.i18n import RESIDENT_LANGS, catalogue


@pytest.fixture(scope="module")
def client(ks_guide):
    from soteplan.api import create_app

    app = create_app("keski-suomi")
    app.state.guidance_guide = ks_guide
    return TestClient(app)


def test_every_resident_key_has_finnish_swedish_and_english():
    keys = [k for k in catalogue() if k.startswith("resident.")]
    assert len(keys) > 60
    missing = [(k, lang) for k in keys for lang in RESIDENT_LANGS if not catalogue()[k].get(lang)]
    assert missing == []


def test_every_need_type_and_region_channel_has_a_resident_label():
    from soteplan.guidance import load_needs

    n = load_needs()
    cat = catalogue()
    for need in n.needs:
        assert "resident.need." + need.replace("-", "_") in cat
        for c in n.region_channels(need):
            assert f"resident.rc.{c.key}" in cat, c
    for r in n.rules:
        assert f"resident.type.{r.service_type}" in cat, r
    from soteplan.guidance import CHANNEL_KINDS, DAYS

    for kind in CHANNEL_KINDS:
        assert f"resident.channel.{kind}" in cat
    for d in DAYS:
        assert f"resident.day.{d.lower()}" in cat
    for lang in RESIDENT_LANGS:
        assert f"resident.lang_self.{lang}" in cat


@pytest.mark.parametrize("lang", RESIDENT_LANGS)
def test_page_in_each_language_without_cookies(client, lang):
    r = client.get("/palveluohjaus", params={"lang": lang, "need": "doctor", "postcode": "43100"})
    assert r.status_code == 200
    assert f'<html lang="{lang}">' in r.text
    assert "set-cookie" not in r.headers
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert catalogue()["resident.results_heading"][lang] in r.text


def test_bad_input_is_explained_not_crashing(client):
    r = client.get("/palveluohjaus", params={"need": "doctor", "postcode": "00100"})
    assert r.status_code == 422
    assert "00100" in r.text and 'aria-invalid="true"' in r.text
    r = client.get("/palveluohjaus", params={"need": "nope", "municipality": "729"})
    assert r.status_code == 422
    r = client.get("/palveluohjaus", params={"need": "doctor", "postcode": "43100", "lang": "de"})
    assert r.status_code == 200 and '<html lang="fi">' in r.text  # unknown language → Finnish


def test_emergency_page_puts_112_first(client):
    r = client.get("/palveluohjaus", params={"need": "emergency", "municipality": "729"})
    text = r.text
    assert text.index('class="call112"') < text.index('class="services"')
    assert 'href="tel:112"' in text


def test_a_point_answers_like_the_engine(client, ks_guide):
    from soteplan.guidance import wgs84_to_3067

    r = client.get(
        "/palveluohjaus", params={"lang": "sv", "need": "home-help", "point": "62.62, 25.18"}
    )
    assert r.status_code == 200, r.text
    expect = ks_guide.answer("home-help", point=wgs84_to_3067(62.62, 25.18)).services
    pos = [r.text.index(f"<h3>{s.name}</h3>") for s in expect]
    assert pos == sorted(pos)  # the engine's ranking, nearest first
    assert "62.620, 25.180" in r.text and 'value="62.62, 25.18"' in r.text
    # the same point written with a space only
    r2 = client.get("/palveluohjaus", params={"need": "home-help", "point": "62.62 25.18"})
    assert r2.status_code == 200 and f"<h3>{expect[0].name}</h3>" in r2.text


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"point": "north"}, "resident.error_point"),
        ({"point": "62.6"}, "resident.error_point"),
        ({"point": "60.17, 24.94"}, "resident.error_point_outside"),  # Helsinki
        ({"point": "10, 10"}, "resident.error_point_outside"),
        ({"point": "62.6, 25.1", "postcode": "43100"}, "resident.error_place"),
    ],
)
def test_bad_points_are_explained_at_the_field(client, params, key):
    r = client.get("/palveluohjaus", params={"lang": "en", "need": "doctor", **params})
    assert r.status_code == 422
    assert catalogue()[key]["en"] in r.text
    if key != "resident.error_place":
        assert 'href="#point"' in r.text
        assert 'id="point" name="point"' in r.text and 'aria-invalid="true"' in r.text

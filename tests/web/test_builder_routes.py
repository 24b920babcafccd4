"""The scenario builder's page routes: YAML in and out, problems by field in the page language."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from soteplan.api import create_app

    store = tmp_path_factory.mktemp("store") / "b.sqlite"
    return TestClient(create_app("keski-suomi", store_url=f"sqlite:///{store}"))


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_loads_and_round_trips(client, path):
    text = path.read_text(encoding="utf-8")
    r = client.post("/scenarios/builder/check?lang=fi", json={"yaml": text}).json()
    assert r["ok"], r["errors"]
    original = yaml.safe_load(text)
    assert r["scenario"]["name"] == original["name"]
    # the YAML the page downloads reads back to the same scenario
    again = client.post("/scenarios/builder/check", json={"yaml": r["yaml"]}).json()
    assert again["ok"] and again["scenario"] == r["scenario"]


def test_problems_are_by_field_and_in_the_page_language(client):
    doc = {
        "name": "",
        "target_year": 2040,
        "demand": {
            "levers": {"remote": {"target_share": 2, "start_year": 2021, "target_year": 2030}}
        },
    }
    fi = client.post("/scenarios/builder/check?lang=fi", json={"scenario": doc}).json()
    en = client.post("/scenarios/builder/check?lang=en", json={"scenario": doc}).json()
    assert not fi["ok"]
    by_field = {e["field"]: e["message"] for e in fi["errors"]}
    assert by_field["name"] == "Kirjoita vähintään 1 merkki."
    assert by_field["demand.levers.remote.target_share"] == "Arvon pitää olla enintään 1."
    assert {e["field"]: e["message"] for e in en["errors"]}["name"].startswith("Write at least")


def test_closed_points_are_checked_against_the_region(client, ks):
    hospital = next(i for i, r in ks.service_points_in(None).iterrows() if r["type"] == "hospital")
    doc = {"name": "x", "network": {"service_type": "health_station", "close": ["nope", hospital]}}
    r = client.post("/scenarios/builder/check?lang=en", json={"scenario": doc}).json()
    msgs = [e["message"] for e in r["errors"] if e["field"] == "network.close"]
    assert not r["ok"] and len(msgs) == 2
    assert "no service point nope" in msgs[0] and hospital in msgs[1]


def test_broken_yaml_says_the_line(client):
    broken = "name: a\n  bad: [1,\n"
    r = client.post("/scenarios/builder/check?lang=fi", json={"yaml": broken}).json()
    assert not r["ok"] and "rivi" in r["errors"][0]["message"]
    r = client.post("/scenarios/builder/check?lang=en", json={"yaml": "- a\n- list\n"}).json()
    assert not r["ok"] and "not a scenario" in r["errors"][0]["message"]

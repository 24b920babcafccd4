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


def test_candidate_sites_are_the_ones_locate_adds(client, ks):
    from soteplan.locate import region_location_input

    got = client.get("/scenarios/builder/candidates?service=hospital&lang=fi").json()["features"]
    inp = region_location_input(ks, "hospital", extended=True)
    added = inp.candidates[inp.candidates["kind"] != "existing"]
    assert sorted(f["properties"]["id"] for f in got) == sorted(f"new-{i}" for i in added.index)
    one = next(f["properties"] for f in got if f["properties"]["kind"] == "municipal_centre")
    assert one["name"].endswith(", kuntakeskus") and one["kind_label"] == "kuntakeskus"
    assert client.get("/scenarios/builder/candidates?service=nope").status_code == 404


def test_a_clicked_point_is_placed_in_its_municipality_or_refused(client, ks):
    r = client.post("/scenarios/builder/place?lang=en", json={"lon": 25.7473, "lat": 62.2426})
    body = r.json()
    assert body["ok"] and body["municipality"] == "179" and body["name"] == "New point, Jyväskylä"
    from shapely.geometry import Point

    assert ks.municipalities.geometry["179"].contains(Point(body["x"], body["y"]))
    out = client.post("/scenarios/builder/place?lang=fi", json={"lon": 21.0, "lat": 60.2}).json()
    assert not out["ok"] and "alueen" in out["message"]


def test_new_points_choice_and_pathway_problems_are_translated_by_field(client):
    doc = {
        "name": "x",
        "network": {
            "service_type": "health_station",
            "open": [
                {"id": "hs-179-keskusta", "name": "A", "x": 435000.0, "y": 6901500.0},
                {"id": "new-far", "name": "B", "x": 100000.0, "y": 6600000.0},
            ],
        },
        "choice": {"decay": "power"},
        "pathways": {
            "run": [{"id": "older-people", "levers": [{"kind": "peer_support", "coverage": 1.5}]}]
        },
    }
    fi = client.post("/scenarios/builder/check?lang=fi", json={"scenario": doc}).json()
    by = {}
    for e in fi["errors"]:
        by.setdefault(e["field"], []).append(e["message"])
    assert by["choice.beta"] == [
        "Potenssimalli tarvitsee etäisyyskertoimen: kirjallisuudesta ei ole oletusta."
    ]
    assert "Ikääntyneiden palveluketju" in by["pathways.run"][0] and "1,5" in by["pathways.run"][0]
    doc.pop("choice"), doc.pop("pathways")
    en = client.post("/scenarios/builder/check?lang=en", json={"scenario": doc}).json()
    msgs = {e["field"]: e["message"] for e in en["errors"]}
    assert "already in use" in msgs["network.open.0"]
    assert msgs["network.open.1"] == "The point B is outside the region."
    # the page draws the new points from the longitude and latitude the check returns
    lon, lat = en["open_lonlat"][0]
    assert 25.5 < lon < 26.0 and 62.1 < lat < 62.4
    none = client.post(
        "/scenarios/builder/check?lang=fi",
        json={"scenario": {"name": "x", "pathways": {"run": []}}},
    ).json()
    assert none["errors"] == [{"field": "pathways.run", "message": "Valitse vähintään 1."}]


def test_a_candidate_site_from_the_builder_changes_the_run_access(client, ks):
    from soteplan.scenario import Scenario, run

    feats = client.get("/scenarios/builder/candidates?service=health_station").json()["features"]
    p = next(f["properties"] for f in feats if f["properties"]["kind"] == "urban_settlement")
    net = {"service_type": "health_station"}
    base = run(Scenario.model_validate({"name": "a", "network": net}), region=ks)
    opened = {**net, "open": [{k: p[k] for k in ("id", "name", "x", "y", "municipality")}]}
    new = run(Scenario.model_validate({"name": "b", "network": opened}), region=ks)
    key = "nearest_min.mean (all)"
    assert base.summary["access"][key]["after"] == base.summary["access"][key]["before"]
    assert new.summary["access"][key]["after"] < new.summary["access"][key]["before"]
    assert (
        new.summary["access"]["facilities_after"] == base.summary["access"]["facilities_after"] + 1
    )

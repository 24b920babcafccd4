"""HSDS datapackage and PTV JSON importers on the example fixtures and on broken files."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from soteplan.errors import DataError
from soteplan.guidance import (
    Channel,
    Directory,
    Organization,
    Service,
    read_hsds_datapackage,
    read_ptv_json,
    region_guide,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "guidance"


def _ptv_types() -> dict[str, str]:
    with (DATA / "ptv_classes_example.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r["service_type"] for r in csv.DictReader(fh)}


def test_hsds_example_reads_services_channels_types_and_days():
    d = read_hsds_datapackage(DATA / "hsds_example")
    assert d.meta["example"] is True
    assert all(s.example for s in d.services)
    types = {s.id: s.service_type for s in d.services}
    assert types == {
        "svc-kotiapu": "home_care",
        "svc-perhe": "family_services",
        "svc-vertais": "mental_health",
    }
    kotiapu = d.channels_of("svc-kotiapu", "loc-saarijarvi")
    assert [c.kind for c in kotiapu] == ["in_person", "phone", "e_service"]
    assert kotiapu[2].value == "https://example.org/kotiapu"
    assert [c.kind for c in d.channels_of("svc-vertais", "loc-jyvaskyla")] == [
        "in_person",
        "remote",
    ]
    loc = d.location("loc-saarijarvi")
    assert loc.open_days() == ["MO", "TU", "WE", "TH"] and loc.days_known()
    assert loc.postcode == "43100"
    # WGS84 → EPSG:3067: Saarijärvi is about 411 km E, 6954 km N
    assert 405_000 < loc.x < 416_000 and 6_948_000 < loc.y < 6_960_000


def test_hsds_accepts_the_datapackage_file_and_the_hsds2_plural_names(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(DATA / "hsds_example", pkg)
    meta = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for res in meta["resources"]:
        if res["name"] == "organization":
            res["name"] = "organizations"
    (pkg / "datapackage.json").write_text(json.dumps(meta), encoding="utf-8")
    d = read_hsds_datapackage(pkg / "datapackage.json", example=False)
    assert len(d.organizations) == 1 and not any(s.example for s in d.services)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken_hsds_missing_table", [("datapackage.json", None, "resources[3].path")]),
        ("broken_hsds_bad_json", [("datapackage.json", None, None)]),
        (
            "broken_hsds_bad_rows",
            [
                ("location.csv", 3, "id"),
                ("location.csv", 2, "latitude"),
                ("location.csv", 3, "latitude"),
                ("phone.csv", 1, "number"),
                ("phone.csv", 2, "service_id"),
                ("schedule.csv", 1, "byday"),
            ],
        ),
    ],
)
def test_hsds_broken_files_name_file_row_and_field(name, expected):
    with pytest.raises(DataError) as exc:
        read_hsds_datapackage(DATA / name)
    got = {(p.source, p.row, p.field) for p in exc.value.problems}
    for e in expected:
        assert e in got, (e, got)


def test_hsds_missing_column_and_missing_package(tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(DATA / "hsds_example", pkg)
    (pkg / "service.csv").write_text("id,name\nsvc-1,x\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_hsds_datapackage(pkg)
    fields = {(p.source, p.field) for p in exc.value.problems}
    assert ("service.csv", "organization_id") in fields
    with pytest.raises(DataError, match=r"no datapackage\.json"):
        read_hsds_datapackage(tmp_path / "nothing")


def test_ptv_example_reads_locations_phones_eservices_and_hours():
    d = read_ptv_json(DATA / "ptv_example.json", service_types=_ptv_types())
    assert d.meta["example"] is True
    by_name = {s.name: s for s in d.services}
    home = by_name["ESIMERKKI Kotihoidon neuvonta (example)"]
    assert home.service_type == "home_care"
    loc_id = "00000000-0000-4000-8000-000000000101"
    kinds = [c.kind for c in d.channels_of(home.id, loc_id)]
    assert kinds == ["in_person", "phone", "phone", "e_service"]
    loc = d.location(loc_id)
    assert (loc.x, loc.y) == (410987.3, 6954034.5)  # ETRS-TM35FIN kept as given
    assert loc.municipality == "729"
    assert loc.open_days() == ["MO", "TU", "WE", "TH", "FR"]
    other = d.location("00000000-0000-4000-8000-000000000104")
    assert other.open_days() == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    assert 430_000 < other.x < 438_000  # WGS84 degrees were converted
    # unmapped classes get the default type
    d2 = read_ptv_json(DATA / "ptv_example.json", default_type="other")
    assert {s.service_type for s in d2.services} == {"other"}


def test_ptv_broken_files():
    with pytest.raises(DataError) as exc:
        read_ptv_json(DATA / "broken_ptv_rows.json")
    got = {(p.row, p.field) for p in exc.value.problems}
    assert (1, "serviceChannels.addresses.streetAddress.latitude") in got
    assert (2, "serviceChannels.serviceChannelType") in got
    assert (2, "services.organizations") in got
    assert all(p.source == "broken_ptv_rows.json" for p in exc.value.problems)
    with pytest.raises(DataError, match="not valid JSON"):
        read_ptv_json(DATA / "broken_ptv_notjson.json")


def test_directory_refuses_duplicate_and_dangling_ids():
    org = Organization("o", "O")
    with pytest.raises(DataError, match="duplicate id"):
        Directory((org, org))
    with pytest.raises(DataError, match="unknown organisation"):
        Directory((org,), (Service("s", "nope", "S", "home_care"),))
    with pytest.raises(DataError, match="unknown service"):
        Directory((org,), channels=(Channel("phone", "112", service_id="x"),))


def test_imported_services_join_the_region_and_answer_needs(ks, ks_guide):
    extra = read_hsds_datapackage(DATA / "hsds_example").merge(
        read_ptv_json(DATA / "ptv_example.json", service_types=_ptv_types())
    )
    guide = region_guide(ks, extra, graph=ks_guide.graph)
    res = guide.answer("home-help", postcode="43100", limit=10)
    names = [s.name for s in res.services]
    assert "ESIMERKKI Kotiapu (example)" in names
    ex = next(s for s in res.services if s.name == "ESIMERKKI Kotiapu (example)")
    assert ex.example and ex.municipality == "729"  # filled from the municipality polygons
    assert {c.kind for c in ex.channels} >= {"phone", "e_service"}
    assert res.services[0].travel_minutes <= ex.travel_minutes
    hsds = guide.directory.to_hsds()
    assert {"organizations", "services", "locations", "service_at_locations"} <= set(hsds)
    loc = next(x for x in hsds["locations"] if x["id"] == "loc-saarijarvi")
    assert loc["latitude"] == pytest.approx(62.7052, abs=1e-4)
    assert loc["schedules"][0]["byday"] == "MO,TU,WE,TH"
    mh = guide.answer("substance-mental", postcode="40100", limit=3)
    assert any(c.kind == "remote" for s in mh.services for c in s.channels)

"""The scenario ``pathways:`` block: run, store and compare carry the pathway results."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteplan.errors import DataError
from soteplan.scenario import compare, load_scenario, parse_scenario, run
from soteplan.store import Store

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "memory-pathway-2040.yaml"


def test_scenario_with_pathways_runs_stores_and_compares(ks, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sc, text = load_scenario(SCENARIO)
    assert "pathways" in sc.engines()
    with_levers = run(sc, spec_yaml=text, region=ks)
    plain_spec = sc.model_dump(mode="json")
    plain_spec["name"] = "memory-pathway-plain"
    plain_spec["pathways"]["run"][0]["levers"] = []
    plain = run(parse_scenario(plain_spec), region=ks)
    t = with_levers.tables["pathways"]
    assert set(t["pathway"]) == {"memory-disorders", "older-people"}
    assert {int(y) for y in t["year"]} == set(range(2025, 2041))
    assert "peer_support_home_care" in set(t["stage"])
    assert with_levers.summary["pathways"]["memory-disorders"]["levers"] == 2
    assert with_levers.meta["engines"]["pathways"]["memory-disorders"]["assumptions"]
    with Store(tmp_path / "s.sqlite") as st:
        st.save(with_levers.to_record())
        st.save(plain.to_record())
        a, b = st.load("memory-pathway-plain"), st.load("memory-pathway-2040")
    cmp = compare(a, b)
    p = cmp.pathways.set_index(["pathway", "year"])
    assert p.loc[("older-people", 2040), "cost_eur_diff"] == pytest.approx(0.0, abs=1e-3)
    md = p.loc[("memory-disorders", 2030)]
    assert md["third_sector_share_diff"] > 0
    assert md["cost_eur_diff"] < 0


def test_bad_pathways_block_is_a_data_error() -> None:
    with pytest.raises(DataError):
        parse_scenario({"name": "x", "pathways": {"run": [{"id": "a", "file": "b.yaml"}]}})


def test_unknown_pathway_and_bad_lever_fail_when_the_scenario_is_read() -> None:
    with pytest.raises(DataError) as info:
        parse_scenario(
            {
                "name": "x",
                "pathways": {
                    "run": [
                        {"id": "no-such"},
                        {
                            "id": "memory-disorders",
                            "levers": [{"kind": "channel_shift", "stage": "zz", "share": 2}],
                        },
                    ]
                },
            }
        )
    text = str(info.value)
    assert "no-such" in text and "unknown stage 'zz'" in text and "share = 2" in text

"""The scenario specification: validation and lever mapping."""

from __future__ import annotations

import pytest

from soteplan.errors import DataError, NotFoundError
from soteplan.scenario import Scenario, load_scenario, parse_scenario


def test_unknown_fields_are_rejected_with_their_path(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "name: x\nbase_year: 2020\ntarget_yaer: 2040\n"
        "demand:\n  levers:\n    remote:\n      target_share: 1.5\n      start_year: 2020\n"
        "      target_year: 2030\n      colour: red\n"
    )
    with pytest.raises(DataError) as ei:
        load_scenario(p)
    msg = str(ei.value)
    assert "target_yaer" in msg
    assert "demand.levers.remote.colour" in msg
    assert "demand.levers.remote.target_share" in msg
    assert "3 data problems" in msg


def test_years_and_files():
    with pytest.raises(DataError, match="before base_year"):
        parse_scenario({"name": "x", "base_year": 2030, "target_year": 2020})
    with pytest.raises(NotFoundError):
        load_scenario("/nonexistent/scenario.yaml")


def test_levers_map_to_engine_objects():
    sc = parse_scenario(
        {
            "name": "x",
            "demand": {
                "levers": {
                    "home_care_shift": {
                        "start_year": 2022,
                        "target_year": 2030,
                        "institutional_share": 0.002,
                        "housing_share": 0.05,
                    },
                    "prevention": [
                        {
                            "services": ["primary_care"],
                            "age_from": 65,
                            "age_to": 74,
                            "change": -0.1,
                            "start_year": 2025,
                            "full_effect_year": 2030,
                        }
                    ],
                    "heavy_users": {
                        "services": ["specialised_care"],
                        "reduction": 0.2,
                        "start_year": 2024,
                        "full_effect_year": 2026,
                    },
                    "freedom_of_choice": True,
                }
            },
        }
    )
    lev = sc.demand.levers.to_levers()
    assert lev.home_care_shift is not None and lev.home_care_shift.housing_share == 0.05
    assert lev.prevention[0].services == ("primary_care",)
    assert lev.heavy_users is not None and lev.heavy_users.cost_share == 0.81  # [S49] default
    assert lev.freedom_of_choice is True
    # the flag is shorthand for an empty choice: block (soteplan.choice, issue #10)
    assert sc.engines() == ["demography", "demand", "choice"]


def test_yaml_roundtrip():
    sc = Scenario(name="a", network={"close": ["hs-1"]})
    again = parse_scenario(__import__("yaml").safe_load(sc.to_yaml()))
    assert again == sc
    assert again.engines() == ["demography", "demand", "access"]

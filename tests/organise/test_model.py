"""OrganisationModel: YAML, groupings, validation errors."""

from __future__ import annotations

import pytest

from soteplan.errors import DataError
from soteplan.organise import (
    OrganisationModel,
    ServiceArea,
    model_from_grouping,
    models_from_yaml,
    validate_model,
)

CODES = ["101", "102", "103", "104"]

GOOD = """
models:
  two:
    name: Two areas
    year: 2026
    central_site: "101"
    areas:
      - {id: west, members: ["101", 102], hub: "101", levels: [local, area, central]}
      - {id: east, members: ["103", "104"]}
"""


def test_yaml_round_trip_and_default_hub() -> None:
    models = models_from_yaml(GOOD, codes=CODES, population={"103": 5, "104": 50})
    m = models["two"]
    assert m.name == "Two areas" and m.year == 2026
    assert m.mapping() == {"101": "west", "102": "west", "103": "east", "104": "east"}
    assert m.area("west").levels == ("local", "area", "central")
    assert m.area("east").hub == "104"  # most populous member
    assert m.area("east").levels == ("local", "area")
    assert m.members == tuple(CODES)


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        (
            '[{id: a, members: ["101", "102", "103"], hub: "101"}, '
            '{id: b, members: ["103", "104"], '
            'hub: "104"}]',
            "in both 'a' and 'b'",
        ),
        (
            '[{id: a, members: ["101", "102"], hub: "101"}, {id: b, members: ["103"], hub: "103"}]',
            "in no area: 104",
        ),
        (
            '[{id: a, members: ["101", "102", "999"], hub: "101"}, '
            '{id: b, members: ["103", "104"], '
            'hub: "103"}]',
            "unknown municipality code '999'",
        ),
        (
            '[{id: a, members: ["101", "102"], hub: "103"}, {id: b, members: ["103", "104"], '
            'hub: "103"}]',
            "hub '103' is not a member of area 'a'",
        ),
        (
            '[{id: a, members: ["101", "102"], hub: "101", levels: [tertiary]}, '
            '{id: b, members: ["103", "104"], hub: "103"}]',
            "unknown service level",
        ),
    ],
)
def test_invalid_yaml_names_the_problem(areas: str, message: str) -> None:
    text = f"models:\n  bad:\n    areas: {areas}\n"
    with pytest.raises(DataError, match=message):
        models_from_yaml(text, codes=CODES)


def test_every_problem_reported_at_once() -> None:
    text = (
        'models:\n  bad:\n    areas: [{id: a, members: ["101", "999"], hub: "102"}, '
        '{id: b, members: ["101"], hub: "101"}]\n'
    )
    with pytest.raises(DataError) as info:
        models_from_yaml(text, codes=CODES)
    msgs = " | ".join(p.message for p in info.value.problems)
    assert "999" in msgs and "hub '102'" in msgs and "in both" in msgs and "in no area" in msgs


def test_invalid_yaml_syntax() -> None:
    with pytest.raises(DataError, match="invalid YAML"):
        models_from_yaml("models: [unclosed", codes=CODES)


def test_model_in_code_and_allowed_codes() -> None:
    m = OrganisationModel(
        "x",
        "X",
        (ServiceArea("a", "A", ("101", "102", "103", "104", "291"), "101"),),
        central_site="101",
    )
    with pytest.raises(DataError, match="unknown municipality code '291'"):
        validate_model(m, CODES)
    assert validate_model(m, CODES, allowed=["291"]) is m


def test_from_grouping(grid) -> None:
    g = grid.grouping("halves")
    pop = grid.population_total(2020).to_dict()
    m = model_from_grouping(g, codes=grid.municipality_codes(), population=pop, central_site="101")
    a = m.area("a")
    assert a.hub == max(a.members, key=lambda c: pop[c])  # no hub in the grouping
    assert m.area("b").hub == g.areas[1].hub
    one = model_from_grouping(
        grid.grouping("one"), codes=grid.municipality_codes(), population=pop, central_site="101"
    )
    assert one.areas[0].levels == ("local", "area", "central")
    prod = one.with_levels(("local", "area"), id="prod", name="Production")
    assert prod.mapping() == one.mapping() and prod.areas[0].levels == ("local", "area")

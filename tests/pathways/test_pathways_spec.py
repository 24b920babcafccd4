"""Pathway specification: parsing and validation that lists every problem."""

from __future__ import annotations

import copy

import pytest
from pathways_synthetic import chain_spec

from soteplan.errors import DataError, NotFoundError
from soteplan.pathways import builtin_ids, load_builtin, parse_pathway


def test_chain_parses() -> None:
    p = parse_pathway(chain_spec(), service_types=["health_station"])
    assert p.stage_ids == ["a", "b"]
    assert p.transitions[0].annual_probability == pytest.approx(0.2)
    assert p.assumptions() == []


def test_rate_becomes_probability() -> None:
    spec = chain_spec()
    spec["transitions"][0] = {"from": "a", "to": "b", "rate": 0.5, "source": "t"}
    p = parse_pathway(spec)
    assert p.transitions[0].annual_probability == pytest.approx(0.393469, abs=1e-6)


def test_every_problem_at_once() -> None:
    spec = copy.deepcopy(chain_spec())
    spec["transitions"] = [
        {"from": "a", "to": "b", "probability": 0.9, "source": "t"},
        {"from": "a", "to": "recovery", "probability": 0.3, "source": "t"},  # 1.2 > 1
        {"from": "a", "to": "nowhere", "probability": 0.1, "source": "t"},
        {"from": "b", "to": "a", "probability": 1.5, "source": "t"},  # out of range
    ]
    spec["stages"][0]["service_type"] = "spaceport"
    spec["stages"][1]["source"] = None  # neither sourced nor assumed
    spec["entry"]["stage"] = "c"
    with pytest.raises(DataError) as info:
        parse_pathway(spec, service_types=["health_station"], source="bad.yaml")
    text = str(info.value)
    for fragment in (
        "unknown stage 'nowhere'",
        "probability 1.5 is outside [0, 1]",
        "outgoing probabilities sum to",
        "unknown service type 'spaceport'",
        "give a source or mark the numbers assumed",
        "entry.stage: unknown stage 'c'",
    ):
        assert fragment in text, fragment
    assert len(info.value.problems) >= 6


def test_cycle_without_exit() -> None:
    spec = chain_spec()
    spec["transitions"] = [
        {"from": "a", "to": "b", "probability": 0.2, "source": "t"},
        {"from": "b", "to": "a", "probability": 0.2, "source": "t"},
    ]
    with pytest.raises(DataError, match="cycle without exit"):
        parse_pathway(spec)
    # death gives the cycle an exit
    spec["death"] = [{"band": "all", "probability": 0.01, "source": "t"}]
    assert parse_pathway(spec).stage_ids == ["a", "b"]


def test_schema_errors_are_data_errors() -> None:
    spec = chain_spec()
    spec["stages"][0]["unit_cost_eur"] = -1
    spec["bogus"] = 1
    with pytest.raises(DataError) as info:
        parse_pathway(spec)
    assert len(info.value.problems) == 2


def test_builtins_valid_and_sourced() -> None:
    ids = builtin_ids()
    assert "memory-disorders" in ids
    for pid in ids:
        p = load_builtin(pid)
        assert p.sources, pid
        assert p.assumptions(), pid  # every built-in names its assumptions
        assert {s.price_year for s in p.stages} == {2024}
    with pytest.raises(NotFoundError):
        load_builtin("no-such-pathway")

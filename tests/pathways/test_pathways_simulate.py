"""Discrete-event simulation: agreement with the cohort model, capacities and waiting."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pathways_synthetic import chain_spec, flat_population
from scipy import stats

from soteplan.errors import ParameterError
from soteplan.pathways import (
    ChannelShift,
    PeerSupport,
    compare_results,
    parse_pathway,
    run_cohort,
    simulate,
)


def _spec(**over: object) -> dict:  # type: ignore[type-arg]
    spec = chain_spec(**over)
    spec["entry"]["initial"] = [{"band": "all", "value": 0.05, "source": "t"}]
    spec["entry"]["initial_shares"] = {"a": 0.5, "b": 0.5}
    return spec


def test_simulation_agrees_with_cohort_within_ci() -> None:
    p = parse_pathway(_spec())
    pop = flat_population(range(2024, 2037), per_age=40)
    sim = simulate(p, pop, start_year=2025, end_year=2036, replications=8, seed=11)
    coh = run_cohort(p, pop, start_year=2025, end_year=2036)
    c = coh.stocks.groupby(["year", "stage"])["persons"].sum()
    ci = sim.ci.set_index(["year", "stage"]).join(c.rename("cohort"))
    inside = (ci["cohort"] >= ci["lo"]) & (ci["cohort"] <= ci["hi"])
    assert inside.mean() >= 0.8  # 95 % intervals: most cells cover the cohort value
    # the time-averaged stock of each stage: the cohort value lies in the 95 % interval
    per_rep = sim.meta["per_replication_mean_stock"]
    n = len(next(iter(per_rep.values())))
    tq = stats.t.ppf(0.975, n - 1)
    for stage, vals in per_rep.items():
        v = np.asarray(vals)
        half = tq * v.std(ddof=1) / math.sqrt(n)
        target = float(c.xs(stage, level="stage").mean())
        assert abs(v.mean() - target) <= half, stage
    # flows agree too: entries per year on average
    fe = sim.flows[sim.flows["source"] == "entry"].groupby("year")["persons"].sum().mean()
    assert fe == pytest.approx(0.01 * 2 * 101 * 40, rel=0.1)


def test_capacity_makes_queues_and_waits() -> None:
    spec = _spec()
    spec["entry"]["initial_shares"] = {"a": 1.0}
    p = parse_pathway(spec)
    pop = flat_population(range(2024, 2031), per_age=40)
    free = simulate(p, pop, start_year=2025, end_year=2030, replications=3, seed=5)
    tight = simulate(
        p, pop, start_year=2025, end_year=2030, replications=3, seed=5, capacity={"b": 60}
    )
    b_free = free.ci[free.ci.stage == "b"]["mean"].to_numpy()
    b_tight = tight.ci[tight.ci.stage == "b"]["mean"].to_numpy()
    assert (b_tight <= 60 + 1e-9).all()  # never more people than places
    assert b_free.max() > 60  # so the capacity binds
    w = tight.waiting
    assert set(w.stage) == {"b"} and (w.mean_wait_days >= 0).all()
    assert w.mean_wait_days.iloc[-1] > 30  # a queue builds up: waits of months
    assert tight.summary()["mean_wait_days"].iloc[-1] > 0
    assert tight.meta["capacity"] == {"b": 60.0}


def test_seeded_and_reproducible() -> None:
    p = parse_pathway(_spec())
    pop = flat_population(range(2024, 2028), per_age=20)
    a = simulate(p, pop, start_year=2025, end_year=2027, replications=2, seed=7)
    b = simulate(p, pop, start_year=2025, end_year=2027, replications=2, seed=7)
    c = simulate(p, pop, start_year=2025, end_year=2027, replications=2, seed=8)
    assert a.ci.equals(b.ci)
    assert not a.ci.equals(c.ci)


def test_lever_in_simulation() -> None:
    p = parse_pathway(_spec())
    pop = flat_population(range(2024, 2028), per_age=20)
    sim = simulate(
        p, pop, start_year=2025, end_year=2027, replications=2, seed=7,
        levers=[ChannelShift("a", 1.0, "digital", 2026)],
    )  # fmt: skip
    r = sim.to_frame()
    a = r[r.stage == "a"]
    assert a[(a.year == 2027) & (a.channel == "in_person")].contacts.sum() == 0
    assert a[(a.year == 2025) & (a.channel == "digital")].contacts.sum() == 0


def test_bad_simulation_input_listed_at_once() -> None:
    p = parse_pathway(_spec())
    pop = flat_population(range(2024, 2027))
    with pytest.raises(ParameterError) as info:
        simulate(p, pop, end_year=2026, scale=2, replications=1, capacity={"zz": 1, "a": 0})
    text = str(info.value)
    for frag in ("scale 2", "replications 1", "unknown stages zz", "capacity of a"):
        assert frag in text


def test_peer_support_shortens_the_queue() -> None:
    spec = _spec()
    spec["entry"]["initial_shares"] = {"a": 1.0}
    p = parse_pathway(spec)
    pop = flat_population(range(2024, 2031), per_age=40)
    kw = {"start_year": 2025, "end_year": 2030, "replications": 3, "seed": 5, "capacity": {"b": 60}}
    base = simulate(p, pop, **kw)  # type: ignore[arg-type]
    lever = PeerSupport("a", "b", coverage=1.0, effect=0.8, start_year=2025)
    alt = simulate(p, pop, levers=[lever], **kw)  # type: ignore[arg-type]
    wb = base.waiting.set_index("year")["waited"].sum()
    wa = alt.waiting.set_index("year")["waited"].sum()
    assert wa < 0.5 * wb  # 80 % fewer moves to the full stage: far fewer have to wait
    cmp = compare_results(base, alt)
    assert cmp["mean_wait_days_change"].iloc[-1] < 0

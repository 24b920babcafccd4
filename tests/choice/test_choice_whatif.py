"""What-if: entry, closure, opening days; switch flows."""

from __future__ import annotations

import numpy as np
import pytest

from soteplan.choice import Entrant, switch_flows, what_if
from soteplan.errors import NotFoundError, ParameterError


def test_entrant_takes_share_from_everyone(model) -> None:
    t = np.full(len(model.origin_ids), 2.0, dtype=np.float32)
    w = what_if(model, enter=[Entrant("new", t, name="New", attributes={"private": True})])
    st = w.stations.set_index("id")
    assert st.loc["new", "status"] == "entered"
    assert st.loc["new", "list_after"] > 0
    kept = st[st["status"] == "kept"]
    assert (kept["change"] <= 1e-9).all()
    assert w.flows["to_station"].eq("new").all()
    assert w.flows["persons"].sum() == pytest.approx(st.loc["new", "list_after"])
    assert w.meta["switchers"] == pytest.approx(st.loc["new", "list_after"])
    assert w.meta["mean_minutes_after"] < w.meta["mean_minutes_before"]


def test_closing_moves_its_residents_to_others(model) -> None:
    w = what_if(model, close=["s0"])
    st = w.stations.set_index("id")
    assert st.loc["s0", "status"] == "closed"
    assert st.loc["s0", "list_after"] == 0
    assert st.loc["s0", "list_before"] == pytest.approx(st["change"].drop("s0").sum())
    assert (st["change"].drop("s0") >= -1e-9).all()
    assert (w.flows["from_station"] == "s0").all()
    assert w.meta["closed"] == ["s0"]


def test_more_opening_days_gain_list(model) -> None:
    d0 = float(model.attributes.loc["s2", "opening_days"])
    w = what_if(model, change={"s2": {"opening_days": d0 + 2}})
    st = w.stations.set_index("id")
    assert st.loc["s2", "change"] > 0
    assert (st.drop("s2")["change"] <= 1e-9).all()


def test_what_if_errors(model) -> None:
    with pytest.raises(NotFoundError):
        what_if(model, close=["s99"])
    with pytest.raises(NotFoundError):
        what_if(model, change={"s99": {"opening_days": 5}})
    with pytest.raises(NotFoundError):
        what_if(model, change={"s1": {"colour": 5}})
    with pytest.raises(ParameterError, match="already exists"):
        what_if(model, enter=[Entrant("s1", np.ones(len(model.origin_ids), np.float32))])
    with pytest.raises(ParameterError, match="every station"):
        what_if(model, close=list(model.station_ids))


def test_switch_flows_conserve_persons() -> None:
    rng = np.random.default_rng(5)
    a = rng.dirichlet(np.ones(4), 20)
    b = rng.dirichlet(np.ones(4), 20)
    pop = rng.uniform(1, 10, 20)
    flows, sw = switch_flows(a, b, pop)
    np.testing.assert_allclose(flows.sum(axis=1), (np.maximum(a - b, 0) * pop[:, None]).sum(0))
    np.testing.assert_allclose(flows.sum(axis=0), (np.maximum(b - a, 0) * pop[:, None]).sum(0))
    np.testing.assert_allclose(sw, 0.5 * np.abs(a - b).sum(axis=1) * pop)

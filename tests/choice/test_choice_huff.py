"""Huff / logit shares: properties that hold for any parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from soteplan.choice import ChoiceParams, list_sizes, shares
from soteplan.errors import ParameterError

minutes_st = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.integers(1, 8)),
    elements=st.floats(0.0, 180.0, allow_nan=False),
)
params_st = st.builds(
    ChoiceParams,
    decay=st.sampled_from(["power", "exponential"]),
    beta=st.floats(0.0, 3.0),
)


@settings(max_examples=60, deadline=None)
@given(minutes_st, params_st, st.integers(0, 2**32 - 1))
def test_shares_sum_to_one_per_origin(t, params, seed) -> None:
    la = np.random.default_rng(seed).normal(0, 1, t.shape[1])
    p = shares(t, la, params)
    assert p.shape == t.shape
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


def test_unreachable_gets_nothing_and_isolated_origin_is_zero() -> None:
    t = np.array([[5.0, np.inf], [np.inf, np.inf]])
    p = shares(t, np.zeros(2), ChoiceParams(beta=0.2))
    np.testing.assert_allclose(p, [[1.0, 0.0], [0.0, 0.0]])


@settings(max_examples=60, deadline=None)
@given(minutes_st, params_st, st.integers(0, 2**32 - 1), st.floats(0.1, 30.0))
def test_closer_station_never_loses_share(t, params, seed, cut) -> None:
    rng = np.random.default_rng(seed)
    la = rng.normal(0, 1, t.shape[1])
    j = int(rng.integers(t.shape[1]))
    before = shares(t, la, params)[:, j]
    t2 = t.copy()
    t2[:, j] = np.maximum(t2[:, j] - cut, 0.0)
    after = shares(t2, la, params)[:, j]
    assert (after >= before - 1e-6).all()


@settings(max_examples=60, deadline=None)
@given(minutes_st, params_st, st.integers(0, 2**32 - 1), st.floats(0.01, 3.0))
def test_more_attractive_station_never_loses_share(t, params, seed, gain) -> None:
    rng = np.random.default_rng(seed)
    la = rng.normal(0, 1, t.shape[1])
    j = int(rng.integers(t.shape[1]))
    before = shares(t, la, params)[:, j]
    la2 = la.copy()
    la2[j] += gain
    after = shares(t, la2, params)[:, j]
    assert (after >= before - 1e-6).all()
    if t.shape[1] > 1 and params.beta < 1.0:
        assert (after > before).any() or np.allclose(before, 1.0)


def test_decay_forms_match_closed_form() -> None:
    t = np.array([[2.0, 4.0]])
    pw = shares(t, np.zeros(2), ChoiceParams(decay="power", beta=2.0))
    np.testing.assert_allclose(pw[0], np.array([1 / 4, 1 / 16]) / (1 / 4 + 1 / 16), rtol=1e-6)
    ex = shares(t, np.log([1.0, 3.0]), ChoiceParams(decay="exponential", beta=0.5))
    w = np.array([np.exp(-1.0), 3 * np.exp(-2.0)])
    np.testing.assert_allclose(ex[0], w / w.sum(), rtol=1e-6)


def test_streamed_list_sizes_match_shares() -> None:
    rng = np.random.default_rng(3)
    t = rng.uniform(1, 60, (9000, 30))  # more than one block
    t[rng.random(t.shape) < 0.05] = np.inf
    la = rng.normal(0, 1, 30)
    pop = rng.uniform(0, 100, (2, 9000))
    p = ChoiceParams(beta=0.1)
    full = pop @ shares(t, la, p)
    streamed = list_sizes(t, la, p, pop)
    np.testing.assert_allclose(streamed, full, rtol=1e-4)


@pytest.mark.parametrize(
    "kw",
    [{"decay": "gaussian"}, {"beta": -1.0}, {"beta": float("nan")}, {"min_minutes": 0.0}],
)
def test_bad_params_raise(kw) -> None:
    with pytest.raises(ParameterError):
        ChoiceParams(**kw)

"""Calibration recovers known parameters from data generated with them."""

from __future__ import annotations

import numpy as np
import pytest
from choice_synthetic import synthetic

from soteplan.choice import ChoiceParams, calibrate_mci, calibrate_ml, fit_attractiveness
from soteplan.errors import NotFoundError, ParameterError

TRUE = ChoiceParams(
    decay="exponential", beta=0.35, attraction={"opening_days": 1.5, "private": -0.4}
)


def _draw(model, seed: int, n: int = 2000) -> np.ndarray:
    """Multinomial draws of n persons per origin from the true shares."""
    rng = np.random.default_rng(seed)
    p = model.solve().shares
    return np.vstack([rng.multinomial(n, row / row.sum()) for row in p]).astype(float)


@pytest.mark.parametrize("seed", [0, 1])
def test_ml_recovers_parameters_within_three_standard_errors(seed) -> None:
    m = synthetic(n_o=120, n_s=8, seed=seed, params=TRUE)
    obs = _draw(m, seed)
    start = m.with_params(
        ChoiceParams(
            decay="exponential", beta=0.1, attraction={"opening_days": 0.0, "private": 0.0}
        )
    )
    cal = calibrate_ml(start, obs)
    est = cal.estimates.set_index("parameter")
    truth = {"beta": 0.35, "opening_days": 1.5, "private": -0.4}
    for k, v in truth.items():
        assert abs(est.loc[k, "estimate"] - v) < 3.5 * est.loc[k, "std_error"], (k, est)
        assert est.loc[k, "std_error"] > 0
    assert 0 < cal.fit["mcfadden_r2"] < 1
    assert cal.params.beta == pytest.approx(est.loc["beta", "estimate"])
    assert cal.model.params is cal.params
    assert cal.to_frame().shape == (3, 4)


def test_mci_recovers_parameters_from_exact_shares() -> None:
    m = synthetic(n_o=60, n_s=6, seed=4, params=TRUE)
    p = m.solve().shares
    cal = calibrate_mci(
        m.with_params(ChoiceParams(attraction={"opening_days": 0, "private": 0})), p
    )
    est = cal.estimates.set_index("parameter")["estimate"]
    assert est["beta"] == pytest.approx(0.35, rel=1e-6)
    assert est["opening_days"] == pytest.approx(1.5, rel=1e-6)
    assert est["private"] == pytest.approx(-0.4, rel=1e-6)
    assert cal.fit["r2"] == pytest.approx(1.0)


def test_mci_with_noise_is_close_and_reports_errors() -> None:
    m = synthetic(n_o=150, n_s=6, seed=2, params=TRUE)
    obs = _draw(m, 2, n=5000)
    cal = calibrate_mci(m, obs / obs.sum(axis=1, keepdims=True))
    est = cal.estimates.set_index("parameter")
    assert abs(est.loc["beta", "estimate"] - 0.35) < 0.05
    assert (est["std_error"] > 0).all()
    assert 0.5 < cal.fit["r2"] <= 1


def test_fit_attractiveness_reproduces_totals() -> None:
    m = synthetic(n_o=80, n_s=6, seed=7, params=TRUE)
    target = m.solve().stations.set_index("id")["list_choice"] * 1.0
    rng = np.random.default_rng(0)
    target = target * rng.uniform(0.7, 1.3, len(target))
    cal = fit_attractiveness(m, target.to_dict())
    pred = cal.model.solve().stations.set_index("id")["list_choice"]
    scaled = target * m.total_population.sum() / target.sum()
    np.testing.assert_allclose(pred, scaled, rtol=1e-4)
    assert cal.fit["r2_totals"] == pytest.approx(1.0, abs=1e-6)


def test_constant_attribute_is_left_out_or_refused() -> None:
    m = synthetic(n_o=60, n_s=5, seed=3, params=TRUE)
    attrs = m.attributes.assign(opening_days=5.0)
    m = m.__class__.build(
        origin_ids=m.origin_ids,
        station_ids=m.station_ids,
        minutes=m.minutes,
        population=m.population,
        attributes=attrs,
        params=TRUE,
    )
    obs = _draw(m, 3)
    cal = calibrate_ml(m, obs)
    assert cal.meta["not_identifiable"] == ["opening_days"]
    assert list(cal.estimates["parameter"]) == ["beta", "private"]
    assert cal.params.attraction["opening_days"] == 1.5  # kept as given
    with pytest.raises(ParameterError, match="not identifiable"):
        calibrate_ml(m, obs, attributes=["opening_days"])


def test_calibration_errors() -> None:
    m = synthetic()
    with pytest.raises(ParameterError, match="observed"):
        calibrate_ml(m, np.zeros((2, 2)))
    with pytest.raises(ParameterError, match="all zero"):
        calibrate_ml(m, np.zeros(m.minutes.shape))
    with pytest.raises(NotFoundError):
        fit_attractiveness(m, {"nope": 1.0})
    with pytest.raises(ParameterError, match="missing"):
        fit_attractiveness(m, {"s0": 1.0})

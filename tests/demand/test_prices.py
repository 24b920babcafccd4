"""Unit costs carried to a stated price year with a user-supplied price index."""

from __future__ import annotations

import pandas as pd
import pytest

from soteplan.demand import PriceIndex, ServiceRates, forecast_demand, to_price_year
from soteplan.errors import DataError, NotFoundError

#: A test series (not real figures): only ratios matter.
SERIES = pd.DataFrame(
    {"year": [2016, 2020, 2022], "index": [100.0, 106.0, 112.0], "source": "test series"}
)


def test_index_factor_and_unit_costs_carried():
    idx = PriceIndex.from_frame(SERIES, name="test.csv")
    assert idx.factor(2016, 2022) == pytest.approx(1.12)
    rates = ServiceRates.default()
    moved = to_price_year(rates, idx, 2022)
    assert moved.price_year == 2022
    assert moved.unit_cost("primary_care") == pytest.approx(1.12 * rates.unit_cost("primary_care"))
    assert moved.calibration["price_index"]["source"] == "test series"
    with pytest.raises(NotFoundError, match="no value for 2030"):
        to_price_year(rates, idx, 2030)


def test_forecast_states_the_price_year(ks):
    idx = PriceIndex.from_frame(SERIES, name="test.csv")
    base = forecast_demand(ks, years=[2030])
    moved = forecast_demand(
        ks, None, to_price_year(ServiceRates.default(), idx, 2022), years=[2030]
    )
    assert base.meta["price_year"] == 2016 and moved.meta["price_year"] == 2022
    assert "2022 prices" in moved.meta["units"]["cost_eur"]
    assert "from 2016 to 2022 prices" in moved.meta["approximation"]
    assert moved.frame["cost_eur"].sum() == pytest.approx(1.12 * base.frame["cost_eur"].sum())


def test_broken_index_rows_are_named(tmp_path):
    bad = pd.DataFrame({"year": [2016, "20x1", 2016, 2022], "index": [100, 101, 99, -4]})
    with pytest.raises(DataError) as exc:
        PriceIndex.from_frame(bad, name="idx.csv")
    msg = str(exc.value)
    assert "row 3" in msg and "row 4" in msg and "given twice" in msg and "row 5" in msg
    with pytest.raises(DataError, match="missing columns"):
        PriceIndex.from_frame(pd.DataFrame({"year": [2016]}), name="idx.csv")
    (tmp_path / "x.csv").write_bytes(b"\xff\xfeyear")
    with pytest.raises(DataError, match=r"x\.csv"):
        PriceIndex.from_csv(tmp_path / "x.csv")


def test_scenario_price_year(tmp_path):
    from soteplan.scenario import parse_scenario, run

    SERIES.to_csv(tmp_path / "idx.csv", index=False)
    spec = {
        "name": "p",
        "base_year": 2020,
        "target_year": 2025,
        "demand": {"price_year": 2022, "price_index_csv": "idx.csv", "morbidity": False},
    }
    sc = parse_scenario(spec, base_dir=tmp_path)
    res = run(sc)
    assert res.meta["price_year"] == 2022
    assert res.meta["engines"]["demand"]["price_index"]["factor"] == pytest.approx(1.12)
    with pytest.raises(DataError, match="give both price_year and price_index_csv"):
        parse_scenario({**spec, "demand": {"price_year": 2022}}, base_dir=tmp_path)

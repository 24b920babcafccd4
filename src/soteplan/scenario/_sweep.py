"""Lever sweeps: the demand model for many values of one scenario parameter.

Each variant is a picklable task (region name, scenario dict, cost scale), so a sweep
runs unchanged on every :mod:`soteplan.parallel` executor, including Dask clusters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.demand import ServiceRates, forecast_demand
from soteplan.errors import ParameterError
from soteplan.parallel import Executor
from soteplan.region import load_region
from soteplan.scenario._run import _rates
from soteplan.scenario._spec import Scenario

__all__ = ["sweep"]

Progress = Callable[[int, int], None]


def _set_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = dict(data)
    head, _, rest = path.partition(".")
    if not rest:
        out[head] = value
        return out
    sub = out.get(head)
    if not isinstance(sub, dict):
        raise ParameterError(f"cannot set {path!r}: {head!r} is not set in the scenario")
    out[head] = _set_path(sub, rest, value)
    return out


def _sweep_task(args: tuple[str, dict[str, Any], float, str | None]) -> pd.DataFrame:
    """One sweep variant: region totals by year × service (picklable, module level)."""
    region_name, spec, cost_scale, region_path = args
    sc = Scenario.model_validate(spec)
    region = load_region(region_path or region_name)
    rates = ServiceRates.default()
    if sc.demand.rates_csv and sc.demand.services_csv:
        rates = ServiceRates.from_files(sc.demand.rates_csv, sc.demand.services_csv)
    rates = replace(rates, cost_scale=cost_scale)
    projection = region.projection(sc.demography.projection) if region.projections else None
    fc = forecast_demand(
        region,
        projection,
        rates,
        years=list(range(sc.base_year, sc.target_year + 1)),
        levers=sc.demand.levers.to_levers(),
        morbidity=sc.demand.morbidity,
    )
    t = fc.frame.groupby(["year", "service"], as_index=False)[
        ["volume", "in_person", "remote", "cost_eur"]
    ].sum()
    return t


def sweep(
    scenario: Scenario,
    parameter: str,
    values: Sequence[Any],
    *,
    executor: Executor,
    region: str | Path | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Run the demand model for every value of one scenario parameter.

    Parameters
    ----------
    scenario
        The base scenario.
    parameter
        Dotted path in the scenario, e.g. ``"demand.levers.remote.target_share"``.
    values
        The values to try.
    executor
        Where the variants run (local processes, Dask …); results are
        identical on every executor.
    region
        Region id or directory (default ``scenario.region``); workers load it.

    Returns
    -------
    pandas.DataFrame
        ``value, year, service, volume, in_person, remote, cost_eur`` (region
        totals; euros at the rates' price year).
    """
    base = scenario.model_dump(mode="json")
    specs = []
    for v in values:
        spec = _set_path(base, parameter, v)
        try:
            Scenario.model_validate(spec)
        except Exception as exc:
            raise ParameterError(f"{parameter}={v!r} is not valid: {exc}") from exc
        specs.append(spec)
    reg = load_region(str(region) if region is not None else scenario.region)
    rates, _, _ = _rates(scenario, reg)
    path = str(region) if region is not None else None
    parts = executor.map(
        _sweep_task,
        [(scenario.region, s, rates.cost_scale, path) for s in specs],
        progress=progress,
    )
    out = pd.concat(
        [p.assign(value=v) for p, v in zip(parts, values, strict=True)], ignore_index=True
    )
    return out[["value", *[c for c in out.columns if c != "value"]]]

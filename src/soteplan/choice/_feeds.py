"""Choice results as inputs of other engines: station workloads from the demand forecast.

A scenario's demand forecast gives primary-care contacts per municipality and
year; the choice model says which station each resident lists at.  Each
municipality's contacts are split over stations in proportion to the
visit-weighted lists of its residents (today's areas and free choice), so the
demand results gain a per-station workload and the access results an
expected travel time to the station actually chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.choice._model import ChoiceResult
from soteplan.choice._whatif import ChoiceWhatIf
from soteplan.errors import ParameterError

__all__ = ["station_workload", "summary_of"]


def station_workload(
    result: ChoiceResult,
    municipality: npt.ArrayLike,
    demand: pd.DataFrame,
    *,
    service: str = "primary_care",
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Contacts per station and year under today's areas and free choice.

    Parameters
    ----------
    result
        A solved choice model.
    municipality
        Municipality code of every origin of the model.
    demand
        Demand forecast frame (``municipality, year, service, trips`` …, as
        :attr:`soteplan.demand.DemandForecast.frame`).
    service
        Service line whose in-person contacts (``trips``) are split.
    years
        Years to report (default: every year of the frame).

    Returns
    -------
    pandas.DataFrame
        ``station, name, year, contacts_today, contacts_choice, change``
        (contacts per year).
    """
    m = result.model
    muni = np.asarray(municipality).astype(str)
    if muni.shape != (len(m.origin_ids),):
        raise ParameterError(f"municipality must have one code per origin ({len(m.origin_ids)})")
    d = demand[demand["service"].astype(str) == service]
    if d.empty:
        raise ParameterError(f"the demand forecast has no service {service!r}")
    ys = sorted(int(y) for y in d["year"].unique()) if years is None else list(years)
    w = np.zeros(len(m.origin_ids))
    for band, v in m.population.items():
        w += v * m.visit_rates.get(band, 1.0)
    fixed = m.fixed_matrix()
    rows = []
    for code in sorted(set(muni)):
        sel = muni == code
        tot = float(w[sel].sum())
        if tot <= 0:
            continue
        share_today = (w[sel] @ fixed[sel]) / tot
        share_choice = (w[sel] @ result.shares[sel]) / tot
        dm = d[d["municipality"].astype(str) == code].set_index("year")["trips"]
        for y in ys:
            if y not in dm.index:
                continue
            c = float(dm.loc[y])
            for j, sid in enumerate(m.station_ids):
                rows.append((str(sid), int(y), c * share_today[j], c * share_choice[j]))
    if not rows:
        raise ParameterError("no municipality of the choice model is in the demand forecast")
    out = pd.DataFrame(rows, columns=["station", "year", "contacts_today", "contacts_choice"])
    out = out.groupby(["station", "year"], as_index=False).sum()
    names = dict(zip(map(str, m.station_ids), map(str, m.station_names), strict=True))
    out.insert(1, "name", out["station"].map(names))
    out["change"] = out["contacts_choice"] - out["contacts_today"]
    return out


def summary_of(result: ChoiceResult, whatif: ChoiceWhatIf | None = None) -> dict[str, Any]:
    """Headline figures (JSON-compatible) of a choice run."""
    mt = result.meta
    out: dict[str, Any] = {
        "choosers": float(mt["choosers"]),
        "switchers": float(mt["switchers"]),
        "mean_minutes_today": float(mt["mean_minutes_today"]),
        "mean_minutes_choice": float(mt["mean_minutes_choice"]),
        "pushed_to_next_choice": float(mt["pushed_to_next_choice"]),
        "extra_minutes_per_pushed": float(mt["extra_minutes_per_pushed"]),
        "largest_gain": _extreme(result, True),
        "largest_loss": _extreme(result, False),
    }
    if whatif is not None:
        wm: Mapping[str, Any] = whatif.meta
        out["whatif"] = {
            "closed": list(wm.get("closed", [])),
            "entered": list(wm.get("entered", [])),
            "switchers": float(wm["switchers"]),
            "mean_minutes_before": float(wm["mean_minutes_before"]),
            "mean_minutes_after": float(wm["mean_minutes_after"]),
        }
    return out


def _extreme(result: ChoiceResult, gain: bool) -> dict[str, Any]:
    st = result.stations
    k = int(st["change"].idxmax() if gain else st["change"].idxmin())
    return {"id": str(st.loc[k, "id"]), "change": float(st.loc[k, "change"])}


def scenario_step(
    region: Any,
    *,
    demand: pd.DataFrame,
    years: Sequence[int],
    pilot: str | None = None,
    municipalities: Sequence[str] | None = None,
    year: int | None = None,
    params: Any = None,
    sizes: Mapping[str, float] | None = None,
    capacity: Mapping[str, float] | None = None,
    close: Sequence[str] = (),
    open_points: Sequence[tuple[str, str, float, float]] = (),
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]:
    """The ``choice:`` step of a scenario: tables, summary and meta.

    Residents (of a pilot, some municipalities or the whole region) choose
    among the health stations; the scenario's network change (``close``,
    ``open_points`` as ``(id, name, x, y)`` public stations) is applied as a
    what-if, and the station lists after it split the demand forecast's
    primary-care contacts (:func:`station_workload`).
    """
    from soteplan.choice._region import entrant_at, pilot_setup, region_setup
    from soteplan.choice._whatif import what_if

    kw: dict[str, Any] = {"params": params, "sizes": sizes or None, "capacity": capacity or None}
    if year is not None:
        kw["year"] = year
    if pilot is not None:
        setup = pilot_setup(region, pilot, **kw)
    else:
        setup = region_setup(region, municipalities=list(municipalities or []) or None, **kw)
    known = set(map(str, setup.model.station_ids))
    closing = [c for c in close if c in known]
    entrants = [entrant_at(setup, x, y, id=i, name=n, private=False) for i, n, x, y in open_points]
    wi = None
    if closing or entrants:
        wi = what_if(setup.model, close=closing, enter=entrants)
        res = wi.after
    else:
        res = setup.model.solve()
    stations = res.stations.copy()
    if wi is not None:
        before = wi.stations.set_index("id")["list_before"]
        stations["list_before_network_change"] = stations["id"].map(before).fillna(0.0)
    muni = setup.origins.municipality
    tables = {
        "choice_stations": stations,
        "choice_workload": station_workload(res, muni, demand, years=years),
    }
    if wi is not None:
        tables["choice_switches"] = wi.flows
    meta: dict[str, Any] = {
        k: res.meta[k]
        for k in ("params", "units", "approximation", "notes", "pilot", "method", "year")
        if k in res.meta
    }
    return tables, summary_of(res, wi), meta

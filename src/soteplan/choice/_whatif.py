"""What-if: a station enters, closes or changes its opening days; who switches where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.choice._edit import add_station, change_stations
from soteplan.choice._model import ChoiceModel, ChoiceResult

__all__ = ["ChoiceWhatIf", "Entrant", "switch_flows", "what_if"]

FArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Entrant:
    """A station that enters: id, travel minutes from every origin, attributes.

    Attributes
    ----------
    id, name
        Identifier and display name.
    minutes
        Car minutes from every origin of the model (one value per origin).
    attributes
        Attribute values (e.g. ``{"private": True, "opening_days": 5}``);
        missing ones take the median of the other stations.
    capacity
        Persons it can list (``NaN`` = no limit).
    """

    id: str
    minutes: npt.NDArray[np.float32]
    name: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    capacity: float = float("nan")


@dataclass(frozen=True, eq=False)
class ChoiceWhatIf:
    """A change of the station network and its effect on choice.

    Attributes
    ----------
    before, after
        Full results of the two networks.
    stations
        One row per station of either network: ``list_before``,
        ``list_after``, ``change`` (persons), ``visits_before/after`` when
        visit rates are known, ``status`` (``kept``, ``closed``, ``entered``).
    flows
        Persons switching ``from_station → to_station`` (origin totals).
    origins
        Per origin: population, switchers, expected minutes before and
        after and their change.
    meta
        The change made, totals (switchers, travel change) and the meta of
        ``after``.
    """

    before: ChoiceResult
    after: ChoiceResult
    stations: pd.DataFrame
    flows: pd.DataFrame
    origins: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The station table."""
        return self.stations.copy()


def switch_flows(p_before: FArray, p_after: FArray, population: FArray) -> tuple[FArray, FArray]:
    """Flows between stations implied by two share matrices on the same stations.

    For each origin the shares lost (``max(0, before − after)``) go to the
    stations that gain, in proportion to their gains.  Under the logit's
    independence of irrelevant alternatives this is exact when one station
    enters, closes or changes; with several changes it is the minimal-flow
    reading of the two marginals.

    Returns
    -------
    (flows, switchers)
        ``(stations, stations)`` persons from row to column, and persons
        switching per origin.
    """
    loss = np.maximum(p_before - p_after, 0.0)
    gain = np.maximum(p_after - p_before, 0.0)
    gsum = gain.sum(axis=1, keepdims=True)
    g = np.divide(gain, gsum, out=np.zeros_like(gain), where=gsum > 0)
    wl = loss * population[:, None]
    flows = wl.T @ g
    return flows, wl.sum(axis=1)


def _aligned(result: ChoiceResult, ids: list[str]) -> FArray:
    pos = {s: k for k, s in enumerate(result.model.station_ids)}
    out = np.zeros((result.shares.shape[0], len(ids)))
    for k, s in enumerate(ids):
        if s in pos:
            out[:, k] = result.shares[:, pos[s]]
    return out


def compare(before: ChoiceResult, after: ChoiceResult, **meta: Any) -> ChoiceWhatIf:
    """Compare two solved models over the same origins (the union of their stations)."""
    ids = list(
        dict.fromkeys([*map(str, before.model.station_ids), *map(str, after.model.station_ids)])
    )
    pb, pa = _aligned(before, ids), _aligned(after, ids)
    pop = before.model.total_population
    flows, switchers = switch_flows(pb, pa, pop)
    names = {
        **dict(zip(before.model.station_ids, before.model.station_names, strict=True)),
        **dict(zip(after.model.station_ids, after.model.station_names, strict=True)),
    }
    sb = before.stations.set_index("id")
    sa = after.stations.set_index("id")
    st = pd.DataFrame({"id": ids, "name": [names[i] for i in ids]})
    st["list_before"] = sb["list_choice"].reindex(ids).fillna(0.0).to_numpy()
    st["list_after"] = sa["list_choice"].reindex(ids).fillna(0.0).to_numpy()
    st["change"] = st["list_after"] - st["list_before"]
    if "visits" in sb.columns and "visits" in sa.columns:
        st["visits_before"] = sb["visits"].reindex(ids).fillna(0.0).to_numpy()
        st["visits_after"] = sa["visits"].reindex(ids).fillna(0.0).to_numpy()
    st["status"] = [
        "closed" if i not in sa.index else ("entered" if i not in sb.index else "kept") for i in ids
    ]
    fr, to = np.nonzero(flows > 1e-9)
    fl = pd.DataFrame(
        {
            "from_station": [ids[k] for k in fr],
            "to_station": [ids[k] for k in to],
            "persons": flows[fr, to],
        }
    ).sort_values("persons", ascending=False, ignore_index=True)
    mb = before.origins["minutes_choice"].to_numpy()
    ma = after.origins["minutes_choice"].to_numpy()
    og = pd.DataFrame(
        {
            "origin": before.model.origin_ids,
            "population": pop,
            "switchers": switchers,
            "minutes_before": mb,
            "minutes_after": ma,
            "change_min": ma - mb,
        }
    )
    m = dict(after.meta)
    m.update(meta)
    m.update(
        {
            "switchers": float(switchers.sum()),
            "mean_minutes_before": before.meta["mean_minutes_choice"],
            "mean_minutes_after": after.meta["mean_minutes_choice"],
            "person_minutes_change": float((pop * (ma - mb)).sum()),
        }
    )
    if before.meta.get("visit_minutes_choice") is not None:
        m["visit_minutes_change"] = (
            after.meta["visit_minutes_choice"] - before.meta["visit_minutes_choice"]
        )
    return ChoiceWhatIf(before, after, st, fl, og, m)


def what_if(
    model: ChoiceModel,
    *,
    close: Sequence[str] = (),
    enter: Sequence[Entrant] = (),
    change: Mapping[str, Mapping[str, Any]] | None = None,
) -> ChoiceWhatIf:
    """Close stations, add entrants and change attributes; compare list sizes and travel.

    Parameters
    ----------
    model
        The model as it is.
    close
        Station ids to close.
    enter
        New stations (public or private) with their travel minutes.
    change
        ``station id → {attribute: value}``, e.g. ``{"hs-179-kyllo":
        {"opening_days": 6}}``.

    Raises
    ------
    NotFoundError
        On an unknown station or attribute.
    ParameterError
        When an entrant's id exists or every station would close.
    soteplan.errors.InfeasibleError
        When capacities cannot hold the residents after the change.
    """
    before = model.solve()
    m = change_stations(model, close=list(close), attributes=change)
    for e in enter:
        m = add_station(
            m, e.id, e.minutes, name=e.name, attributes=e.attributes, capacity=e.capacity
        )
    after = m.solve()
    return compare(
        before,
        after,
        closed=[str(c) for c in close],
        entered=[e.id for e in enter],
        changed={k: dict(v) for k, v in (change or {}).items()},
    )

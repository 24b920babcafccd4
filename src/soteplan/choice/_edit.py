"""Edited copies of a model: stations closed, attributes changed, an entrant added."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.choice._model import ChoiceModel
from soteplan.errors import NotFoundError, ParameterError

__all__ = ["add_station", "change_stations"]


def change_stations(
    model: ChoiceModel,
    *,
    close: list[str] | tuple[str, ...] = (),
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> ChoiceModel:
    """A model with stations closed and/or attributes changed (``id → {attr: value}``).

    Residents whose today's station closes are re-assigned to their nearest
    open station.

    Raises
    ------
    NotFoundError
        On an unknown station or attribute.
    ParameterError
        When every station would close.
    """
    keep = np.ones(len(model.station_ids), bool)
    for c in close:
        keep[model.index_of(c)] = False
    if not keep.any():
        raise ParameterError("closing every station leaves nothing to choose")
    attrs = model.attributes.copy()
    for sid, changes in (attributes or {}).items():
        model.index_of(sid)
        for k, v in changes.items():
            if k not in attrs.columns:
                raise NotFoundError(
                    f"no station attribute {k!r}; attributes: {list(attrs.columns)}"
                )
            attrs.loc[str(sid), k] = v
    assert model.assigned is not None
    t = model.minutes[:, keep]
    old_to_new = np.cumsum(keep) - 1
    asg = model.assigned
    moved = (asg >= 0) & ~keep[np.maximum(asg, 0)]
    finite = np.isfinite(t)
    nearest = np.where(finite.any(axis=1), np.argmin(np.where(finite, t, np.inf), axis=1), -1)
    new_asg = np.where(asg >= 0, old_to_new[np.maximum(asg, 0)], -1)
    new_asg = np.where(moved, nearest, new_asg)
    return ChoiceModel.build(
        origin_ids=model.origin_ids,
        station_ids=model.station_ids[keep],
        station_names=model.station_names[keep],
        minutes=t,
        population=model.population,
        attributes=attrs.loc[list(model.station_ids[keep])],
        params=model.params,
        capacity=None if model.capacity is None else model.capacity[keep],
        visit_rates=model.visit_rates,
        choosers=model.choosers,
        assigned=new_asg,
        meta=model.meta,
    )


def add_station(
    model: ChoiceModel,
    station_id: str,
    minutes: npt.ArrayLike,
    *,
    name: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    capacity: float = float("nan"),
) -> ChoiceModel:
    """A model with one more station (an entrant), reachable in ``minutes`` from every origin.

    Today's areas are unchanged (an entrant has no area); attributes not
    given take the median of the other stations (booleans: ``False``).

    Raises
    ------
    ParameterError
        When the id exists or ``minutes`` has the wrong length.
    """
    if str(station_id) in set(model.station_ids):
        raise ParameterError(f"station id {station_id!r} already exists")
    m = np.asarray(minutes, dtype=np.float32)
    if m.shape != (len(model.origin_ids),):
        raise ParameterError(f"minutes of the entrant must have {len(model.origin_ids)} values")
    row: dict[str, Any] = {}
    for col in model.attributes.columns:
        s = model.attributes[col]
        if attributes and col in attributes:
            row[col] = attributes[col]
        elif s.dtype == bool:
            row[col] = False
        else:
            row[col] = float(pd.to_numeric(s, errors="coerce").median())
    unknown = sorted(set(attributes or {}) - set(model.attributes.columns))
    if unknown:
        raise NotFoundError(
            f"no station attribute {', '.join(unknown)}; "
            f"attributes: {list(model.attributes.columns)}"
        )
    new = pd.DataFrame([row], index=pd.Index([str(station_id)]))
    attrs = pd.concat([model.attributes, new.astype(model.attributes.dtypes.to_dict())])
    cap = None
    if model.capacity is not None or np.isfinite(capacity):
        base = (
            model.capacity
            if model.capacity is not None
            else np.full(len(model.station_ids), np.nan)
        )
        cap = np.append(base, capacity)
    return ChoiceModel.build(
        origin_ids=model.origin_ids,
        station_ids=np.append(model.station_ids, str(station_id)),
        station_names=np.append(model.station_names, name or str(station_id)),
        minutes=np.column_stack([model.minutes, m]),
        population=model.population,
        attributes=attrs,
        params=model.params,
        capacity=cap,
        visit_rates=model.visit_rates,
        choosers=model.choosers,
        assigned=model.assigned,
        meta=model.meta,
    )

"""The choice model: residents, stations, travel times; list sizes, visits and capacity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.choice._huff import ChoiceParams, log_attraction, shares
from soteplan.errors import InfeasibleError, NotFoundError, ParameterError

__all__ = ["ChoiceModel", "ChoiceResult"]

FArray = npt.NDArray[np.float64]
#: Relative tolerance of the capacity balancing.
CAPACITY_TOL = 1e-7
MAX_BALANCING_ITER = 5000


def _frozen(a: npt.ArrayLike, dtype: Any = None) -> npt.NDArray[Any]:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ChoiceModel:
    """Residents choosing among stations.

    Attributes
    ----------
    origin_ids
        Identifier of every origin (postal area, grid cell …).
    station_ids, station_names
        Identifier and display name of every station.
    minutes
        ``(origins, stations)`` car travel time, minutes (``inf`` = unreachable).
    population
        Disjoint age band → persons per origin (e.g. ``"0-64"``, ``"65-74"``,
        ``"75+"``); the list size of a station is the sum over bands.
    attributes
        Station attributes indexed by station id (opening days per week,
        ``private`` as bool, a user-given size …): the columns named in
        ``params.attraction`` build the attractiveness.
    params
        Decay form and exponents.
    capacity
        Persons a station can list (``NaN`` = no limit), or ``None``.
    visit_rates
        Band → primary-care visits per resident per year (for visits per
        station and travel per year); empty = no visits reported.
    choosers
        ``True`` where residents choose freely; other origins stay with
        ``assigned`` (today's areas).
    assigned
        Station index of every origin under today's areas (fixed assignment).
    meta
        Sources, units, approximations (carried into every result).
    """

    origin_ids: npt.NDArray[Any]
    station_ids: npt.NDArray[Any]
    station_names: npt.NDArray[Any]
    minutes: npt.NDArray[np.float32]
    population: Mapping[str, FArray]
    attributes: pd.DataFrame
    params: ChoiceParams
    capacity: FArray | None = None
    visit_rates: Mapping[str, float] = field(default_factory=dict)
    choosers: npt.NDArray[np.bool_] | None = None
    assigned: npt.NDArray[np.int64] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        *,
        origin_ids: npt.ArrayLike,
        station_ids: npt.ArrayLike,
        minutes: npt.ArrayLike,
        population: Mapping[str, npt.ArrayLike],
        attributes: pd.DataFrame | None = None,
        params: ChoiceParams | None = None,
        station_names: npt.ArrayLike | None = None,
        capacity: npt.ArrayLike | None = None,
        visit_rates: Mapping[str, float] | None = None,
        choosers: npt.ArrayLike | None = None,
        assigned: npt.ArrayLike | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ChoiceModel:
        """Validate plain inputs into a model (see the class attributes).

        ``assigned`` defaults to the nearest station of every origin (the
        nearest-station approximation of today's areas); ``choosers`` to all.

        Raises
        ------
        ParameterError
            On mismatched shapes, NaN or negative minutes, negative
            population or capacity, duplicate station ids or an attribute
            table that does not cover every station.
        """
        oid = np.asarray(origin_ids)
        sid = np.asarray(station_ids).astype(str)
        t = np.asarray(minutes, dtype=np.float32)
        n_o, n_s = len(oid), len(sid)
        if n_s == 0:
            raise ParameterError("no stations to choose from")
        if len(set(sid)) != n_s:
            dup = sorted({s for s in sid if (sid == s).sum() > 1})
            raise ParameterError(f"duplicate station ids: {', '.join(dup)}")
        if t.shape != (n_o, n_s):
            raise ParameterError(
                f"minutes must be (origins, stations) = {(n_o, n_s)}, got {t.shape}"
            )
        if np.isnan(t).any() or (t < 0).any():
            raise ParameterError("minutes must be >= 0 (inf for unreachable), without NaN")
        pops: dict[str, FArray] = {}
        for band, v in population.items():
            a = np.asarray(v, dtype=np.float64)
            if a.shape != (n_o,):
                raise ParameterError(f"population band {band!r} must have {n_o} values")
            if not (a >= 0).all():
                raise ParameterError(f"population band {band!r} has negative or missing values")
            pops[str(band)] = _frozen(a)
        if not pops:
            raise ParameterError("population needs at least one age band")
        attrs = (
            pd.DataFrame(index=pd.Index(sid, name="station"))
            if attributes is None
            else attributes.copy()
        )
        attrs.index = attrs.index.astype(str)
        missing = [s for s in sid if s not in attrs.index]
        if missing:
            raise ParameterError(f"attributes missing for station(s) {', '.join(missing[:20])}")
        attrs = attrs.loc[list(sid)]
        cap = None
        if capacity is not None:
            cap = np.asarray(capacity, dtype=np.float64)
            if cap.shape != (n_s,):
                raise ParameterError(f"capacity must have one value per station ({n_s})")
            bad = [str(s) for s, c in zip(sid, cap, strict=True) if c < 0 or np.isinf(c)]
            if bad:
                raise ParameterError(
                    f"capacity must be a finite number >= 0 (NaN = no limit); bad at "
                    f"{', '.join(bad)}"
                )
            cap = _frozen(cap)
        ch = np.ones(n_o, bool) if choosers is None else np.asarray(choosers, dtype=bool)
        if ch.shape != (n_o,):
            raise ParameterError(f"choosers must have one value per origin ({n_o})")
        if assigned is None:
            finite = np.isfinite(t)
            asg = np.where(finite.any(axis=1), np.argmin(np.where(finite, t, np.inf), axis=1), -1)
        else:
            asg = np.asarray(assigned, dtype=np.int64)
            if asg.shape != (n_o,) or (asg >= n_s).any():
                raise ParameterError("assigned must hold one station index (or -1) per origin")
        rates = {str(k): float(v) for k, v in (visit_rates or {}).items()}
        unknown = sorted(set(rates) - set(pops))
        if unknown or any(not (r >= 0) for r in rates.values()):
            raise ParameterError(
                f"visit rates must be >= 0 and name population bands {sorted(pops)}; got {rates}"
            )
        names = sid if station_names is None else np.asarray(station_names).astype(str)
        if names.shape != (n_s,):
            raise ParameterError(f"station_names must have {n_s} values")
        return cls(
            origin_ids=_frozen(oid),
            station_ids=_frozen(sid),
            station_names=_frozen(names),
            minutes=_frozen(t),
            population=pops,
            attributes=attrs,
            params=params or ChoiceParams(),
            capacity=cap,
            visit_rates=rates,
            choosers=_frozen(ch),
            assigned=_frozen(asg),
            meta=dict(meta or {}),
        )

    # -------------------------------------------------------------- accessors
    @property
    def total_population(self) -> FArray:
        """Persons per origin, all bands."""
        return np.sum(np.vstack(list(self.population.values())), axis=0)

    def index_of(self, station: str) -> int:
        """Position of a station id.

        Raises
        ------
        NotFoundError
            When the id is not a station of the model.
        """
        hits = np.flatnonzero(self.station_ids == str(station))
        if len(hits) == 0:
            raise NotFoundError(
                f"no station {station!r}; stations: {', '.join(map(str, self.station_ids))}"
            )
        return int(hits[0])

    def log_attraction(self) -> FArray:
        """``log A_j`` of every station."""
        return log_attraction(self.attributes, self.params)

    def fixed_matrix(self) -> FArray:
        """One-hot ``(origins, stations)`` of today's areas (fixed assignment)."""
        assert self.assigned is not None
        out = np.zeros(self.minutes.shape)
        ok = self.assigned >= 0
        out[np.flatnonzero(ok), self.assigned[ok]] = 1.0
        return out

    def shares(self, balancing: npt.ArrayLike | None = None) -> FArray:
        """Choice probabilities: Huff shares for choosers, today's station for the rest."""
        assert self.choosers is not None
        p = self.fixed_matrix()
        ch = self.choosers
        if ch.any():
            p[ch] = shares(
                self.minutes[ch], self.log_attraction(), self.params, balancing=balancing
            )
        return p

    def with_params(self, params: ChoiceParams) -> ChoiceModel:
        """The same model with other parameters."""
        return replace(self, params=params)

    # ------------------------------------------------------------------ solve
    def solve(self, *, progress: Callable[[int, int], None] | None = None) -> ChoiceResult:
        """Shares, list sizes and visits; capacity-balanced when a capacity is given.

        With a capacity, the balancing factors ``B_j`` of the stations over
        capacity are lowered (``B_j ← min(1, B_j · cap_j / L_j)``, the
        destination constraint of a doubly-constrained spatial-interaction
        model applied as an upper bound) until no station is over capacity;
        the residents who lose their first choice move to the stations they
        like next, by the same model.

        Raises
        ------
        InfeasibleError
            When the capacity left for choosers (capacity minus the residents
            who keep today's station) is below the number of choosers, or
            today's areas alone overfill a station.
        """
        p0 = self.shares()
        if self.capacity is None or not np.isfinite(self.capacity).any():
            return _result(self, p0, p0, np.ones(len(self.station_ids)), 0, progress)
        b, p, iters = self._balance(p0, progress)
        return _result(self, p0, p, b, iters, progress)

    def _balance(
        self, p0: FArray, progress: Callable[[int, int], None] | None
    ) -> tuple[FArray, FArray, int]:
        assert self.capacity is not None and self.choosers is not None
        pop = self.total_population
        ch = self.choosers
        fixed_load = pop[~ch] @ p0[~ch]
        cap = np.where(np.isnan(self.capacity), np.inf, self.capacity)
        free = cap - fixed_load
        over = np.flatnonzero(free < -CAPACITY_TOL * np.maximum(cap, 1.0))
        if len(over):
            raise InfeasibleError(
                "today's areas alone exceed the capacity of "
                + ", ".join(
                    f"{self.station_ids[j]} ({fixed_load[j]:.0f} > {cap[j]:.0f})" for j in over
                )
            )
        reach = np.isfinite(self.minutes[ch]).any(axis=0)
        demand = float(pop[ch][np.isfinite(self.minutes[ch]).any(axis=1)].sum())
        supply = float(np.where(reach, free, 0.0).sum())
        if supply < demand * (1 - CAPACITY_TOL):
            raise InfeasibleError(
                f"total capacity left for choosers ({supply:,.0f} persons) is below their "
                f"number ({demand:,.0f}): no assignment respects every capacity"
            )
        b = np.ones(len(self.station_ids))
        la = self.log_attraction()
        t = self.minutes[ch]
        pc = p0[ch]
        w = pop[ch]
        for it in range(1, MAX_BALANCING_ITER + 1):
            load = w @ pc
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(load > 0, free / load, np.inf)
            if (load <= free * (1 + CAPACITY_TOL) + 1e-9).all():
                p = p0.copy()
                p[ch] = pc
                return b, p, it - 1
            b = np.minimum(1.0, b * ratio)
            b = np.where(free <= 0, 0.0, b)
            pc = shares(t, la, self.params, balancing=b)
            if progress is not None and it % 50 == 0:
                progress(it, MAX_BALANCING_ITER)
        raise InfeasibleError(
            f"capacity balancing did not converge in {MAX_BALANCING_ITER} iterations: some "
            "residents can reach only stations that are full"
        )


@dataclass(frozen=True, eq=False)
class ChoiceResult:
    """Shares and what they mean for each station.

    Attributes
    ----------
    model
        The model solved.
    shares
        ``(origins, stations)`` probabilities after capacity balancing.
    unconstrained
        The probabilities before balancing (same as ``shares`` without capacity).
    balancing
        Balancing factor ``B_j`` of every station (1 = not constrained).
    stations
        One row per station: ``list_today`` (persons under today's areas),
        ``list_choice`` (free choice, after capacity), ``change``,
        ``list_unconstrained``, ``pushed_out`` (first choices refused by
        capacity), ``capacity``, ``list_<band>`` and ``visits_<band>``,
        ``visits`` (per year).
    origins
        One row per origin: population, chooser, today's station, most
        likely station, share staying at today's station, switchers
        (persons), expected minutes today / with choice / unconstrained.
    meta
        Parameters, their sources, units, approximations, totals.
    """

    model: ChoiceModel
    shares: FArray
    unconstrained: FArray
    balancing: FArray
    stations: pd.DataFrame
    origins: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The station table (one row per station)."""
        return self.stations.copy()


def _expected_minutes(p: FArray, t: npt.NDArray[np.float32]) -> FArray:
    tt = np.where(np.isfinite(t), t, 0.0)
    return np.asarray((p * tt).sum(axis=1), dtype=np.float64)


def _result(
    model: ChoiceModel,
    p0: FArray,
    p: FArray,
    b: FArray,
    iters: int,
    progress: Callable[[int, int], None] | None,
) -> ChoiceResult:
    assert model.choosers is not None and model.assigned is not None
    pop = model.total_population
    fixed = model.fixed_matrix()
    st = pd.DataFrame(
        {"id": model.station_ids, "name": model.station_names}, index=range(len(model.station_ids))
    )
    st["list_today"] = pop @ fixed
    st["list_choice"] = pop @ p
    st["change"] = st["list_choice"] - st["list_today"]
    st["list_unconstrained"] = pop @ p0
    st["pushed_out"] = np.maximum(st["list_unconstrained"] - st["list_choice"], 0.0)
    st["capacity"] = model.capacity if model.capacity is not None else np.nan
    st["balancing"] = b
    visits = np.zeros(len(st))
    visits_today = np.zeros(len(st))
    for band, v in model.population.items():
        st[f"list_{band}"] = v @ p
        if band in model.visit_rates:
            st[f"visits_{band}"] = (v * model.visit_rates[band]) @ p
            visits += st[f"visits_{band}"].to_numpy()
            visits_today += (v * model.visit_rates[band]) @ fixed
    if model.visit_rates:
        st["visits_today"] = visits_today
        st["visits"] = visits
    t = model.minutes
    e_today = _expected_minutes(fixed, t)
    e_choice = _expected_minutes(p, t)
    e_unc = _expected_minutes(p0, t)
    asg = model.assigned
    stay = np.where(asg >= 0, p[np.arange(len(asg)), np.maximum(asg, 0)], 0.0)
    top = np.argmax(p, axis=1)
    og = pd.DataFrame(
        {
            "origin": model.origin_ids,
            "population": pop,
            "chooser": model.choosers,
            "today_station": np.where(asg >= 0, model.station_ids[np.maximum(asg, 0)], ""),
            "likely_station": model.station_ids[top],
            "stay_share": stay,
            "switchers": pop * (1.0 - stay),
            "minutes_today": e_today,
            "minutes_choice": e_choice,
            "minutes_unconstrained": e_unc,
        }
    )
    rate = np.zeros(len(pop))
    for band, v in model.population.items():
        rate += v * model.visit_rates.get(band, 0.0)
    pushed = float(st["pushed_out"].sum())
    extra = float((pop * (e_choice - e_unc)).sum())
    meta: dict[str, Any] = dict(model.meta)
    meta.update(
        {
            "params": model.params.as_dict(),
            "units": {
                "list": "persons",
                "visits": "primary-care visits per year",
                "minutes": "car minutes, one way",
                "travel": "person-minutes (one way per resident) / visit-minutes per year",
            },
            "n_origins": len(model.origin_ids),
            "n_stations": len(model.station_ids),
            "choosers": float(pop[model.choosers].sum()),
            "switchers": float(og["switchers"].sum()),
            "mean_minutes_today": _wmean(e_today, pop),
            "mean_minutes_choice": _wmean(e_choice, pop),
            "visit_minutes_today": float((rate * e_today).sum()) if model.visit_rates else None,
            "visit_minutes_choice": float((rate * e_choice).sum()) if model.visit_rates else None,
            "capacity_iterations": iters,
            "pushed_to_next_choice": pushed,
            "extra_person_minutes_from_capacity": extra,
            "extra_minutes_per_pushed": extra / pushed if pushed > 0 else 0.0,
            "method": "Huff (1963) / multinomial logit (McFadden 1974) shares; capacity by "
            "balancing factors (doubly-constrained spatial interaction, Wilson 1971) as upper "
            "bounds",
        }
    )
    if progress is not None:
        progress(1, 1)
    return ChoiceResult(model, p, p0, b, st, og, meta)


def _wmean(x: FArray, w: FArray) -> float:
    s = float(w.sum())
    return float((x * w).sum() / s) if s > 0 else float("nan")

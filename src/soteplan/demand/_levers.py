"""Demand levers: what-ifs applied to the volume array of a forecast.

Each lever phases in linearly from its start year to its full-effect year
(a step when both are equal).  Levers act on the volume array
``V[municipality, year, service, sex, age]`` of :func:`forecast_demand`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

from soteplan.errors import ParameterError

__all__ = [
    "DemandLevers",
    "HeavyUserTargeting",
    "HomeCareShift",
    "Prevention",
    "RemoteServices",
    "heavy_user_sigma",
    "top_share_of_cost",
]


def _ramp(years: np.ndarray, start: int, full: int) -> np.ndarray:
    """Share of the full effect in each year: 0 before ``start``, 1 from ``full``."""
    if full < start:
        raise ParameterError(f"full-effect year {full} is before start year {start}")
    if full == start:
        return (years >= start).astype(float)
    return np.clip((years - start) / (full - start), 0.0, 1.0)


def _share(x: float, name: str) -> None:
    if not 0.0 <= x <= 1.0:
        raise ParameterError(f"{name} must be a share in [0, 1], got {x}")


@dataclass(frozen=True)
class HomeCareShift:
    """Institutional → home-care shift: target shares of the 75+ population.

    Parameters
    ----------
    start_year, target_year
        The shares move linearly from their base-year level (start) to the
        targets (target year) and stay there.
    institutional_share, housing_share
        Target share of residents aged 75+ in institutional care and in
        24-hour sheltered housing (fractions, e.g. 0.003, 0.055).
    home_care_share
        Target share in regular home care; ``None`` moves every client taken
        out of institutional care and housing into home care.
    """

    start_year: int
    target_year: int
    institutional_share: float
    housing_share: float
    home_care_share: float | None = None

    def __post_init__(self) -> None:
        _share(self.institutional_share, "institutional_share")
        _share(self.housing_share, "housing_share")
        if self.home_care_share is not None:
            _share(self.home_care_share, "home_care_share")
        _ramp(np.array([self.start_year]), self.start_year, self.target_year)


@dataclass(frozen=True)
class Prevention:
    """A relative change of use rates in an age band from a start year.

    ``change`` is a fraction (``-0.10`` = 10 % fewer users/contacts), reached
    in ``full_effect_year``.
    """

    services: tuple[str, ...]
    age_from: int
    age_to: int
    change: float
    start_year: int
    full_effect_year: int

    def __post_init__(self) -> None:
        if not 0 <= self.age_from <= self.age_to <= 100:
            raise ParameterError("prevention needs 0 <= age_from <= age_to <= 100")
        if self.change < -1.0:
            raise ParameterError(f"change must be >= -1, got {self.change}")
        _ramp(np.array([self.start_year]), self.start_year, self.full_effect_year)


@dataclass(frozen=True)
class RemoteServices:
    """Remote/e-service share of contacts: fewer trips, same or less staff time.

    ``staff_time_factor`` is the cost of a remote contact relative to an
    in-person one (1.0 = same staff time).  Trips fall with the remote share.
    """

    services: tuple[str, ...]
    base_share: float
    target_share: float
    start_year: int
    target_year: int
    staff_time_factor: float = 1.0

    def __post_init__(self) -> None:
        _share(self.base_share, "base_share")
        _share(self.target_share, "target_share")
        if not 0.0 <= self.staff_time_factor <= 1.0:
            raise ParameterError("staff_time_factor must be in [0, 1] (same or less staff time)")
        _ramp(np.array([self.start_year]), self.start_year, self.target_year)


@dataclass(frozen=True)
class HeavyUserTargeting:
    """Care coordination (CCM) for heavy users.

    The top ``top_share`` of residents hold ``cost_share`` of the cost
    (default Oulu 2012–2013: 10 % → 81 % [S49]); reducing their use by
    ``reduction`` lowers the volume of the services in scope by
    ``cost_share × reduction`` (approximation: heavy users' share of volume
    equals their share of cost).
    """

    services: tuple[str, ...]
    reduction: float
    start_year: int
    full_effect_year: int
    top_share: float = 0.10
    cost_share: float = 0.81

    def __post_init__(self) -> None:
        _share(self.reduction, "reduction")
        _share(self.top_share, "top_share")
        _share(self.cost_share, "cost_share")
        if self.cost_share < self.top_share:
            raise ParameterError("cost_share must be >= top_share (the top hold at least pro rata)")
        _ramp(np.array([self.start_year]), self.start_year, self.full_effect_year)


@dataclass(frozen=True)
class DemandLevers:
    """Every lever of a scenario (all optional)."""

    home_care_shift: HomeCareShift | None = None
    prevention: tuple[Prevention, ...] = ()
    remote: RemoteServices | None = None
    heavy_users: HeavyUserTargeting | None = None
    freedom_of_choice: bool = False
    notes: dict[str, Any] = field(default_factory=dict)


def heavy_user_sigma(top_share: float = 0.10, cost_share: float = 0.81) -> float:
    """Log-normal σ of per-resident cost that puts ``cost_share`` in the top ``top_share``.

    For a log-normal cost distribution the top fraction ``p`` holds
    ``1 − Φ(Φ⁻¹(1 − p) − σ)`` of the total, so
    ``σ = Φ⁻¹(1 − p) − Φ⁻¹(1 − y)``.  Oulu 10 % → 81 % [S49] gives σ ≈ 2.16.
    """
    _share(top_share, "top_share")
    _share(cost_share, "cost_share")
    if not 0 < top_share < cost_share < 1:
        raise ParameterError("need 0 < top_share < cost_share < 1")
    return float(norm.ppf(1 - top_share) - norm.ppf(1 - cost_share))


def top_share_of_cost(p: float, sigma: float) -> float:
    """Share of total cost held by the top fraction ``p`` under a log-normal with ``sigma``."""
    return float(1 - norm.cdf(norm.ppf(1 - p) - sigma))


def apply_levers(
    vol: np.ndarray,
    pop: np.ndarray,
    years: np.ndarray,
    services: list[str],
    levers: DemandLevers,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply levers to ``vol[m, y, svc, sex, age]``; return (volume, remote share[y, svc])."""
    v = vol.copy()
    idx = {s: i for i, s in enumerate(services)}
    ages = np.arange(v.shape[-1])

    def sidx(names: tuple[str, ...]) -> list[int]:
        bad = [s for s in names if s not in idx]
        if bad:
            raise ParameterError(f"unknown services {bad}; known: {services}")
        return [idx[s] for s in names]

    for p in levers.prevention:
        f = 1.0 + p.change * _ramp(years, p.start_year, p.full_effect_year)  # [y]
        band = (ages >= p.age_from) & (ages <= p.age_to)
        for si in sidx(p.services):
            sub = v[:, :, si]  # a view [m, y, sex, age]
            sub[..., band] *= f[None, :, None, None]
    hc = levers.home_care_shift
    if hc is not None:
        for name in ("institutional", "housing_24h", "home_care"):
            if name not in idx:
                raise ParameterError(f"home-care shift needs service {name!r}")
        old = ages >= 75
        r = _ramp(years, hc.start_year, hc.target_year)
        base_y = int(np.argmin(np.abs(years - hc.start_year)))
        pop75 = pop[:, base_y, :, old].sum()
        removed = np.zeros_like(v[:, :, 0])
        for name, target in (
            ("institutional", hc.institutional_share),
            ("housing_24h", hc.housing_share),
        ):
            si = idx[name]
            base = v[:, base_y, si][..., old].sum() / pop75 if pop75 > 0 else 0.0
            if base <= 0:
                continue
            f = 1.0 + (target / base - 1.0) * r
            new = v[:, :, si].copy()
            new[..., old] *= f[None, :, None, None]
            removed += v[:, :, si] - new
            v[:, :, si] = new
        hi = idx["home_care"]
        if hc.home_care_share is None:
            v[:, :, hi] += removed
        else:
            base = v[:, base_y, hi][..., old].sum() / pop75 if pop75 > 0 else 0.0
            if base > 0:
                f = 1.0 + (hc.home_care_share / base - 1.0) * r
                hsub = v[:, :, hi]  # a view
                hsub[..., old] *= f[None, :, None, None]
    hu = levers.heavy_users
    if hu is not None:
        f = 1.0 - hu.cost_share * hu.reduction * _ramp(years, hu.start_year, hu.full_effect_year)
        for si in sidx(hu.services):
            v[:, :, si] *= f[None, :, None, None]
    remote = np.zeros((len(years), len(services)))
    rs = levers.remote
    if rs is not None:
        share = rs.base_share + (rs.target_share - rs.base_share) * _ramp(
            years, rs.start_year, rs.target_year
        )
        for si in sidx(rs.services):
            remote[:, si] = share
    return v, remote

"""Service lines, use rates by age band and sex, and unit costs.

The defaults ship as package data (``soteplan/demand/defaults/rates.csv`` and
``services.csv``) with a ``status`` column (``sourced``, ``assumption`` or
``calibrated``) and a ``source`` column citing the research notes
(``../shared/research/domain-facts.md`` §4, source keys such as ``[S44]``).
A user edits copies of these files and loads them with
:meth:`ServiceRates.from_files`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from soteplan.errors import DataError, DataProblem, NotFoundError

__all__ = ["SERVICES", "ServiceRates"]

#: The service lines of the model, in display order.
SERVICES = (
    "primary_care",
    "home_care",
    "housing_24h",
    "institutional",
    "specialised_care",
    "child_family",
    "mental_substance",
    "disability",
)
_SEXES = ("all", "male", "female")
_STATUSES = ("sourced", "assumption", "calibrated", "derived")
_RATE_COLS = ("service", "age_from", "age_to", "sex", "rate", "status", "source")
_SERVICE_COLS = (
    "service",
    "label",
    "unit",
    "unit_cost_eur",
    "price_year",
    "morbidity_elasticity",
    "cost_status",
    "cost_source",
)
N_AGES = 101  # single years 0..100 (100 = 100 and over)


@dataclass(frozen=True)
class ServiceRates:
    """Use rates and unit costs of every service line.

    Attributes
    ----------
    rates
        Long frame ``service, age_from, age_to, sex, rate, status, source``;
        ``rate`` is users (clients) or contacts per resident per year, ``sex``
        is ``all``, ``male`` or ``female`` (a sex-specific row overrides the
        ``all`` row for that sex).
    services
        Frame indexed by ``service`` with ``label``, ``unit``,
        ``unit_cost_eur`` (euros per unit per year at ``price_year``),
        ``price_year``, ``morbidity_elasticity`` (need multiplier is
        ``(index / 100) ** elasticity``), ``cost_status`` and ``cost_source``;
        optional ``remote_share`` (measured share of contacts already remote,
        0..1, default 0) with ``remote_source``.
    cost_scale
        Factor applied to every unit cost (1.0 until calibrated, see
        :func:`soteplan.demand.calibrate`).
    calibration
        Description of the calibration (empty until calibrated).
    """

    rates: pd.DataFrame
    services: pd.DataFrame
    cost_scale: float = 1.0
    calibration: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- loading
    @classmethod
    def default(cls) -> ServiceRates:
        """The shipped defaults (sources in the ``source`` columns)."""
        root = resources.files("soteplan.demand") / "defaults"
        return cls.from_files(Path(str(root / "rates.csv")), Path(str(root / "services.csv")))

    @classmethod
    def from_files(cls, rates_csv: str | Path, services_csv: str | Path) -> ServiceRates:
        """Load and validate rates and services from CSV files.

        Raises
        ------
        DataError
            Listing every invalid row and field.
        """
        rates = pd.read_csv(rates_csv, dtype={"sex": "string", "service": "string"})
        services = pd.read_csv(services_csv, dtype={"service": "string"})
        return cls.from_frames(
            rates, services, rates_name=Path(rates_csv).name, services_name=Path(services_csv).name
        )

    @classmethod
    def from_frames(
        cls,
        rates: pd.DataFrame,
        services: pd.DataFrame,
        *,
        rates_name: str = "rates",
        services_name: str = "services",
    ) -> ServiceRates:
        """Validate frames (see the class attributes for the columns)."""
        problems: list[DataProblem] = []
        for name, df, cols in (
            (rates_name, rates, _RATE_COLS),
            (services_name, services, _SERVICE_COLS),
        ):
            missing = [c for c in cols if c not in df.columns]
            if missing:
                problems.append(DataProblem(name, None, None, f"missing columns {missing}"))
        if problems:
            raise DataError(problems)
        services = services.copy()
        services["service"] = services["service"].astype(str)
        for i, row in enumerate(services.itertuples(index=False), start=1):
            for col in ("unit_cost_eur", "morbidity_elasticity"):
                v = pd.to_numeric(getattr(row, col), errors="coerce")
                if pd.isna(v) or v < 0:
                    problems.append(DataProblem(services_name, i, col, "must be a number >= 0"))
            if str(row.cost_status) not in _STATUSES:
                problems.append(
                    DataProblem(services_name, i, "cost_status", f"must be one of {_STATUSES}")
                )
            if "remote_share" in services.columns:
                rs = pd.to_numeric(row.remote_share, errors="coerce")
                if pd.isna(rs) or not 0.0 <= rs < 1.0:
                    problems.append(
                        DataProblem(services_name, i, "remote_share", "must be a share in [0, 1)")
                    )
        if services["service"].duplicated().any():
            dup = sorted(set(services.loc[services["service"].duplicated(), "service"]))
            problems.append(DataProblem(services_name, None, "service", f"duplicated: {dup}"))
        known = set(services["service"])
        rates = rates.copy()
        rates["service"] = rates["service"].astype(str)
        rates["sex"] = rates["sex"].astype(str)
        for i, row in enumerate(rates.itertuples(index=False), start=1):
            if row.service not in known:
                problems.append(
                    DataProblem(rates_name, i, "service", f"{row.service!r} not in {services_name}")
                )
            a0 = pd.to_numeric(row.age_from, errors="coerce")
            a1 = pd.to_numeric(row.age_to, errors="coerce")
            if pd.isna(a0) or pd.isna(a1) or not 0 <= a0 <= a1 <= N_AGES - 1:
                problems.append(
                    DataProblem(rates_name, i, "age_from", "need 0 <= age_from <= age_to <= 100")
                )
            r = pd.to_numeric(row.rate, errors="coerce")
            if pd.isna(r) or r < 0:
                problems.append(DataProblem(rates_name, i, "rate", "must be a number >= 0"))
            if row.sex not in _SEXES:
                problems.append(DataProblem(rates_name, i, "sex", f"must be one of {_SEXES}"))
            if str(row.status) not in _STATUSES:
                problems.append(DataProblem(rates_name, i, "status", f"must be one of {_STATUSES}"))
        if problems:
            raise DataError(problems)
        services["unit_cost_eur"] = services["unit_cost_eur"].astype(float)
        services["morbidity_elasticity"] = services["morbidity_elasticity"].astype(float)
        services["price_year"] = services["price_year"].astype(int)
        if "remote_share" not in services.columns:
            services["remote_share"] = 0.0
            services["remote_source"] = "no measured remote share (0 assumed)"
        services["remote_share"] = services["remote_share"].astype(float)
        years = sorted(set(services["price_year"]))
        if len(years) != 1:
            raise DataError(
                [DataProblem(services_name, None, "price_year", f"one price year needed: {years}")]
            )
        rates["age_from"] = rates["age_from"].astype(int)
        rates["age_to"] = rates["age_to"].astype(int)
        rates["rate"] = rates["rate"].astype(float)
        # overlapping bands of one service and sex are ambiguous
        for (svc, sex), g in rates.groupby(["service", "sex"]):
            cover = np.zeros(N_AGES, dtype=int)
            for a0, a1 in zip(g["age_from"], g["age_to"], strict=True):
                cover[a0 : a1 + 1] += 1
            if (cover > 1).any():
                problems.append(
                    DataProblem(
                        rates_name, None, "age_from", f"overlapping age bands for {svc}/{sex}"
                    )
                )
        if problems:
            raise DataError(problems)
        return cls(rates.reset_index(drop=True), services.set_index("service"))

    # -------------------------------------------------------------- accessors
    @property
    def service_names(self) -> list[str]:
        """Service lines in the order of the services table."""
        return [str(s) for s in self.services.index]

    @property
    def price_year(self) -> int:
        """Price year of every unit cost."""
        return int(self.services["price_year"].iloc[0])

    @property
    def remote_baseline(self) -> dict[str, float]:
        """Measured share of each service's contacts that are already remote (0..1)."""
        return {str(k): float(v) for k, v in self.services["remote_share"].items()}

    def unit_cost(self, service: str) -> float:
        """Calibrated unit cost of one service, euros per unit at :attr:`price_year`."""
        if service not in self.services.index:
            raise NotFoundError(f"no service {service!r}; services: {self.service_names}")
        return float(self.services.at[service, "unit_cost_eur"]) * self.cost_scale

    def rate_array(self) -> np.ndarray:
        """Rates as an array ``[service, sex(male, female), age]`` (per resident per year)."""
        out = np.zeros((len(self.services), 2, N_AGES))
        idx = {s: i for i, s in enumerate(self.service_names)}
        for sex_order in ("all", "male", "female"):  # sex-specific rows override "all"
            for row in self.rates[self.rates["sex"] == sex_order].itertuples(index=False):
                sl = slice(int(row.age_from), int(row.age_to) + 1)
                sexes = (0, 1) if sex_order == "all" else ((0,) if sex_order == "male" else (1,))
                for s in sexes:
                    out[idx[str(row.service)], s, sl] = float(row.rate)
        return out

    def with_rate(self, service: str, age_from: int, age_to: int, rate: float) -> ServiceRates:
        """A copy with the ``all``-sex rate of one band replaced (band must exist)."""
        r = self.rates.copy()
        m = (r["service"] == service) & (r["age_from"] == age_from) & (r["age_to"] == age_to)
        if not m.any():
            raise NotFoundError(f"no rate band {service} {age_from}-{age_to}")
        r.loc[m, "rate"] = float(rate)
        r.loc[m, "status"] = "assumption"
        return replace(self, rates=r)

    def sources(self) -> list[str]:
        """Distinct source notes of every rate and unit cost."""
        srcs = set(self.rates["source"].astype(str)) | set(self.services["cost_source"].astype(str))
        rs = self.services[self.services["remote_share"] > 0]
        if "remote_source" in rs.columns:
            srcs |= set(rs["remote_source"].astype(str))
        return sorted(srcs)

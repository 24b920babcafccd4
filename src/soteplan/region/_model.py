"""The data model of a planning region.

A :class:`Region` bundles everything the engines need about one area: its
municipalities (codes, names, subregions, boundaries), population by age and
sex, official projections, service points, finer population geographies,
costs, organisation models (named groupings of municipalities) and the
provenance of every table.  It is built by :func:`soteplan.region.load_region`
and validated on load; treat its frames as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from soteplan.errors import NotFoundError, ParameterError

__all__ = ["Area", "Grouping", "NetworkYear", "Provenance", "Region"]

#: Sex labels used in every population table.
SEXES = ("male", "female")
#: Oldest single-year age; the value 100 stands for "100 and over".
MAX_AGE = 100


@dataclass(frozen=True)
class Provenance:
    """Where a table comes from and under which terms.

    Attributes
    ----------
    table
        Table name in the region (``"population_age_sex"``, …).
    title
        Human-readable description of the data.
    publisher
        Original publisher (e.g. ``"Statistics Finland"``).
    licence
        Licence of the original data (e.g. ``"CC BY 4.0"``).
    source
        Original table / dataset identifier or URL.
    intermediary
        Repository through which the file came (``owner/repo@commit``), if any.
    notes
        Transformations, approximations and caveats.
    """

    table: str
    title: str
    publisher: str
    licence: str
    source: str = ""
    intermediary: str = ""
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def attribution(self) -> str:
        """One line to print under a figure that uses this table."""
        return f"{self.publisher} ({self.licence})"


@dataclass(frozen=True)
class Area:
    """One area of an organisation model: its members and hub municipality."""

    id: str
    name: str
    members: tuple[str, ...]
    hub: str | None = None


@dataclass(frozen=True)
class Grouping:
    """A named grouping of municipalities (an organisation model as data).

    The :mod:`soteplan.organise` engine builds richer
    ``OrganisationModel`` objects from these.
    """

    id: str
    name_fi: str
    name_en: str
    year: int | None
    areas: tuple[Area, ...]
    source: str = ""
    status: str = "confirmed"
    notes: str = ""

    def mapping(self) -> dict[str, str]:
        """Municipality code → area id."""
        return {code: area.id for area in self.areas for code in area.members}

    @property
    def members(self) -> tuple[str, ...]:
        """All municipality codes in the grouping, sorted."""
        return tuple(sorted(code for area in self.areas for code in area.members))


@dataclass(frozen=True)
class NetworkYear:
    """Which year's service-point list answers a request for ``requested``.

    Attributes
    ----------
    requested
        The year asked for (``None``: the end of the data).
    used
        The year whose list is returned: ``requested``, or the last year of the
        data when the request lies beyond it.
    last
        The last year the region's list describes for this service type
        (``None`` when the region does not say).
    note
        A sentence for every output; empty when the list is of the year asked.
    """

    requested: int | None
    used: int | None
    last: int | None
    note: str = ""

    @property
    def beyond_data(self) -> bool:
        """Whether the request lies past the last year of the data."""
        return self.requested is not None and self.last is not None and self.requested > self.last

    def as_meta(self) -> dict[str, Any]:
        """The fields as a plain dict for ``meta["network"]``."""
        return {
            "requested_year": self.requested,
            "network_year": self.used,
            "last_data_year": self.last,
            "beyond_data": self.beyond_data,
            "note": self.note,
        }


@dataclass(frozen=True)
class Region:
    """A planning region and its data, in EPSG:3067.

    Attributes
    ----------
    id
        Short identifier (``"keski-suomi"``).
    name_fi, name_sv, name_en
        Region name in Finnish, Swedish and English.
    municipalities
        GeoDataFrame indexed by 3-digit code with ``name_fi``, ``name_sv``,
        ``subregion_code``, ``subregion_name``, ``hospital_district``, ``erva``,
        ``land_area_km2``, ``total_area_km2``, ``member_from``, ``member_to``,
        ``centre_x``, ``centre_y`` and boundary polygons.
    population_totals
        Long frame ``municipality, year, population`` (31 Dec).
    population_age_sex
        Long frame ``municipality, year, sex, age, population``; ``age`` 0..100,
        where 100 means 100 and over.
    projections
        Official projections by name, each a long frame ``municipality, year,
        age, population`` (sexes combined).
    service_points
        GeoDataFrame indexed by ``id`` with ``type``, ``name``,
        ``provider_kind``, ``municipality``, ``valid_from``, ``valid_to``,
        ``capacity``, ``capacity_unit`` and point geometry.
    groupings
        Organisation models as data (:class:`Grouping`) by id.
    provenance
        :class:`Provenance` for every file of the region, by file name
        (``"population_age_sex.csv"``).
    tables
        Further tables (postal areas, settlements, costs, indicators, roads …)
        by name; see :meth:`table`.
    """

    id: str
    name_fi: str
    name_sv: str
    name_en: str
    municipalities: gpd.GeoDataFrame
    population_totals: pd.DataFrame
    population_age_sex: pd.DataFrame
    projections: Mapping[str, pd.DataFrame]
    service_points: gpd.GeoDataFrame
    groupings: Mapping[str, Grouping]
    provenance: Mapping[str, Provenance]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    central_hospital: tuple[str, Point] | None = None
    attribution: tuple[str, ...] = ()
    crs: str = "EPSG:3067"
    #: Last year the service-point list describes, by service type (``region.yaml``
    #: ``service_network.last_year``); a type not listed has no stated year.
    network_last_years: Mapping[str, int] = field(default_factory=dict)
    #: The region's OpenStreetMap road extract (``region.yaml`` ``osm.file``, written by
    #: ``soteplan data fetch --osm``): the default road network of every engine.
    osm_pbf: Path | None = None

    # ------------------------------------------------------------------ members
    def municipality_codes(self, year: int | None = None) -> list[str]:
        """Codes of the municipalities that belong to the region in ``year``.

        With ``year=None`` the current membership (open-ended ``member_to``)
        is returned.
        """
        m = self.municipalities
        frm = pd.to_numeric(m["member_from"], errors="coerce")
        to = pd.to_numeric(m["member_to"], errors="coerce")
        if year is None:
            keep = to.isna()
        else:
            keep = (frm.isna() | (frm <= year)) & (to.isna() | (to >= year))
        return sorted(m.index[keep.to_numpy()].tolist())

    def name(self, code: str, lang: str = "fi") -> str:
        """Municipality name in Finnish (``"fi"``) or Swedish (``"sv"``)."""
        if code not in self.municipalities.index:
            raise NotFoundError(f"municipality {code!r} is not in region {self.id}")
        return str(self.municipalities.at[code, "name_sv" if lang == "sv" else "name_fi"])

    # ---------------------------------------------------------------- population
    @property
    def age_sex_years(self) -> list[int]:
        """Years with population by single year of age and sex."""
        return sorted(int(y) for y in self.population_age_sex["year"].unique())

    @property
    def total_years(self) -> list[int]:
        """Years with population totals."""
        return sorted(int(y) for y in self.population_totals["year"].unique())

    def population_by_age(
        self, year: int, *, members_only: bool = True, division: int | None = None
    ) -> pd.DataFrame:
        """Population by ``municipality × sex × age`` for one year (long frame).

        By default only the municipalities of the region's current division are
        kept (as Statistics Finland publishes regional time series); pass
        ``division=YEAR`` for the membership of another year, or
        ``members_only=False`` for every municipality in the data.

        Raises
        ------
        NotFoundError
            When the region has no age-by-sex data for ``year``.
        """
        if year not in self.age_sex_years:
            raise NotFoundError(
                f"no population by age and sex for {year} in region {self.id}; "
                f"years with it: {', '.join(map(str, self.age_sex_years))}"
            )
        df = self.population_age_sex[self.population_age_sex["year"] == year]
        if members_only:
            df = df[df["municipality"].isin(self.municipality_codes(division))]
        return df.reset_index(drop=True)

    def population_total(
        self, year: int, *, members_only: bool = True, division: int | None = None
    ) -> pd.Series:
        """Population on 31 Dec of ``year`` by municipality (a Series indexed by code).

        Membership as in :meth:`population_by_age` (current division by default).
        """
        if year not in self.total_years:
            raise NotFoundError(
                f"no population totals for {year} in region {self.id}; "
                f"years: {self.total_years[0]}–{self.total_years[-1]}"
            )
        df = self.population_totals[self.population_totals["year"] == year]
        if members_only:
            df = df[df["municipality"].isin(self.municipality_codes(division))]
        return df.set_index("municipality")["population"].sort_index().rename("population")

    def projection(self, name: str | None = None) -> pd.DataFrame:
        """An official projection (default: the first one, e.g. ``"statfin-2019"``)."""
        if not self.projections:
            raise NotFoundError(f"region {self.id} has no official projection")
        if name is None:
            name = next(iter(self.projections))
        if name not in self.projections:
            raise NotFoundError(
                f"no projection {name!r} in region {self.id}; available: "
                f"{', '.join(self.projections)}"
            )
        return self.projections[name]

    # ------------------------------------------------------------ service points
    def network_year(
        self, year: int | None, type: str | None = None, *, strict: bool = False
    ) -> NetworkYear:
        """The year whose service-point list answers a request for ``year``.

        A year past the last year the list describes (``network_last_years``;
        for several types the earliest of them) is answered with the last
        year's list and a note saying so, or refused with ``strict=True``.

        Raises
        ------
        ParameterError
            With ``strict=True``, when ``year`` lies past the data.
        """
        lasts = (
            [self.network_last_years[type]]
            if type is not None and type in self.network_last_years
            else ([] if type is not None else list(self.network_last_years.values()))
        )
        last = min(lasts) if lasts else None
        what = type or "service"
        if year is None or last is None or year <= last:
            used = last if year is None else year
            note = (
                ""
                if last is not None or year is None
                else f"region {self.id} does not state which year its {what} list describes"
            )
            return NetworkYear(year, used, last, note)
        if strict:
            raise ParameterError(
                f"no {what} network for {year} in region {self.id}: its list describes "
                f"{last} at the latest; ask for {last} or earlier, or load a newer list "
                "(soteplan region network FILE --out DIR, then --region DIR)"
            )
        note = (
            f"{what} network of {last} (the last year of the data) used for {year}: "
            f"points opened or closed after {last} are not known"
        )
        return NetworkYear(year, last, last, note)

    def service_points_in(
        self,
        year: int | Literal["all"] | None = None,
        type: str | None = None,
        *,
        members_only: bool = True,
        division: int | None = None,
        strict: bool = False,
    ) -> gpd.GeoDataFrame:
        """Service points operating in ``year``, optionally of one type.

        A year past the last year of the data (:meth:`network_year`) gives
        that last year's list, or raises :class:`~soteplan.errors.ParameterError`
        with ``strict=True``; ``attrs["network"]`` of the result says which
        year the list is (:meth:`NetworkYear.as_meta`).

        Parameters
        ----------
        year
            Keep the points whose ``valid_from``/``valid_to`` span the year.
            ``None``: the points still open at the end of the data (no
            ``valid_to``); ``"all"``: every point, closed ones too.
        type
            Service type (``"health_station"``, ``"hospital"``, …).
        members_only
            Keep only points in municipalities of the region's division.
        division
            Year of the division (``None``: the current one, e.g. the 22
            Keski-Suomi municipalities since 2021).
        strict
            Refuse a year past the data instead of answering with the last year.
        """
        ny = self.network_year(year if year != "all" else None, type, strict=strict)
        if year != "all" and ny.beyond_data:
            year = ny.used
        sp = self.service_points
        if members_only:
            sp = sp[sp["municipality"].isin(self.municipality_codes(division))]
        if type is not None:
            types = sorted(sp["type"].unique())
            if type not in types:
                raise NotFoundError(
                    f"no service points of type {type!r} in region {self.id}; "
                    f"types: {', '.join(types)}"
                )
            sp = sp[sp["type"] == type]
        to = pd.to_numeric(sp["valid_to"], errors="coerce")
        if year is None:
            sp = sp[to.isna()]
        elif year != "all":
            frm = pd.to_numeric(sp["valid_from"], errors="coerce")
            sp = sp[((frm.isna()) | (frm <= year)) & ((to.isna()) | (to >= year))]
        sp = sp.copy()
        sp.attrs = {"network": ny.as_meta()}
        return sp

    # ---------------------------------------------------------------- groupings
    def grouping(self, name: str) -> Grouping:
        """An organisation model (grouping of municipalities) by id."""
        if name not in self.groupings:
            raise NotFoundError(
                f"no organisation model {name!r} in region {self.id}; available: "
                f"{', '.join(self.groupings)}"
            )
        return self.groupings[name]

    def subregions(self) -> dict[str, str]:
        """Municipality code → subregion name."""
        return self.municipalities["subregion_name"].astype(str).to_dict()

    # ------------------------------------------------------------------- tables
    def table(self, name: str) -> pd.DataFrame:
        """A further table by name (``postal_areas``, ``net_costs`` …)."""
        if name not in self.tables:
            raise NotFoundError(
                f"region {self.id} has no table {name!r}; tables: {', '.join(sorted(self.tables))}"
            )
        return self.tables[name]

    def has_table(self, name: str) -> bool:
        """Whether a further table is present."""
        return name in self.tables

    def label(self, lang: str = "fi") -> str:
        """Region name in ``fi``, ``sv`` or ``en``."""
        if lang not in ("fi", "sv", "en"):
            raise ParameterError(f"lang must be 'fi', 'sv' or 'en', got {lang!r}")
        return {"fi": self.name_fi, "sv": self.name_sv, "en": self.name_en}[lang]

    def __repr__(self) -> str:
        return (
            f"Region(id={self.id!r}, municipalities={len(self.municipalities)}, "
            f"service_points={len(self.service_points)}, groupings={list(self.groupings)})"
        )

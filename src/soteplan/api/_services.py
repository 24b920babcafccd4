"""Thin adapters between the HTTP layer and the engines.

Each public method parses nothing and plans nothing: it picks the region's
inputs, calls one engine function and returns plain JSON-ready data.  The
engines are imported directly: they are one package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from soteplan import access as acc
from soteplan import demography as dem
from soteplan import locate as loc
from soteplan import organise as org
from soteplan.api._serialise import geojson, jsonable, records
from soteplan.errors import DataError, DataProblem, NotFoundError, ParameterError
from soteplan.region import Region, load_region

__all__ = ["Services"]

Progress = Callable[[int, int], None]

#: Seconds a capacitated ``locate`` request may solve; the answer carries its proven gap
#: (Keski-Suomi health stations, p = 20, 15 000 persons per site: 4.8 % at 20 s, 4.1 % at
#: 60 s by ``soteplan locate``; docs/benchmarks.md, capacitated sixth pass).
LOCATE_CAPACITATED_SECONDS = 20.0


class Services:
    """The operations the API and the web pages offer, for one region.

    Parameters
    ----------
    region
        Embedded region id (``"keski-suomi"``) or a region directory.
    """

    def __init__(self, region: str | Path = "keski-suomi") -> None:
        self.region_ref = region
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- region
    @cached_property
    def region(self) -> Region:
        """The loaded region (loaded on first use)."""
        return load_region(self.region_ref)

    def latest_year(self) -> int:
        """Latest year with population totals."""
        return self.region.total_years[-1]

    def summary(self) -> dict[str, Any]:
        """Names, key figures and available data of the region."""
        r = self.region
        year = self.latest_year()
        pop = r.population_total(year)
        sp = r.service_points_in(None)  # the points operating now
        return {
            "id": r.id,
            "name": {"fi": r.name_fi, "sv": r.name_sv, "en": r.name_en},
            "crs": r.crs,
            "year": year,
            "population": int(pop.sum()),
            "municipalities": len(r.municipality_codes()),
            "service_points": {str(k): int(v) for k, v in sp["type"].value_counts().items()},
            "age_sex_years": r.age_sex_years,
            "total_years": [r.total_years[0], r.total_years[-1]],
            "projections": list(r.projections),
            "organisation_models": [
                {
                    "id": g.id,
                    "name_fi": g.name_fi,
                    "name_en": g.name_en,
                    "year": g.year,
                    "areas": len(g.areas),
                    "status": g.status,
                }
                for g in r.groupings.values()
            ],
            "attribution": list(r.attribution),
        }

    def provenance(self) -> list[dict[str, Any]]:
        """Provenance of every table of the region."""
        return [jsonable(p) for p in self.region.provenance.values()]

    def municipalities(self, year: int | None = None) -> dict[str, Any]:
        """Member municipalities with population, as GeoJSON in EPSG:4326."""
        r = self.region
        year = year or self.latest_year()
        codes = r.municipality_codes(year if year <= self.latest_year() else None)
        m = r.municipalities.loc[codes, ["name_fi", "name_sv", "subregion_name", "geometry"]]
        m = m.copy()
        if year in r.total_years:
            m["population"] = r.population_total(year).reindex(m.index)
        m.index.name = "code"
        fc = geojson(gpd.GeoDataFrame(m, geometry="geometry", crs=r.crs), simplify_m=100.0)
        fc["meta"] = {
            "year": year,
            "crs": "EPSG:4326",
            "approximation": "boundaries simplified to 100 m for display",
        }
        return fc

    def service_points(self, type: str | None = None, year: int | None = None) -> dict[str, Any]:
        """Service points (optionally of one type, operating in ``year``) as GeoJSON."""
        sp = self.region.service_points_in(year, type=type)
        keep = [
            c
            for c in (
                "type",
                "name",
                "provider_kind",
                "municipality",
                "capacity",
                "valid_from",
                "valid_to",
            )
            if c in sp.columns
        ]
        fc = geojson(sp[[*keep, sp.geometry.name]])
        fc["meta"] = {"year": year, "type": type, "crs": "EPSG:4326"}
        return fc

    # ------------------------------------------------------------- demography
    def pyramid(self, year: int, municipality: str | None = None) -> dict[str, Any]:
        """Population by five-year age group and sex (persons) for a year."""
        df = self.region.population_by_age(year)
        if municipality is not None:
            if municipality not in set(df["municipality"]):
                raise NotFoundError(f"municipality {municipality!r} has no data for {year}")
            df = df[df["municipality"] == municipality]
        band = (df["age"].clip(upper=90) // 5 * 5).astype(int)
        t = df.assign(band=band).groupby(["band", "sex"])["population"].sum().unstack("sex")
        labels = [f"{b}-{b + 4}" if b < 90 else "90+" for b in t.index]
        return {
            "year": year,
            "municipality": municipality,
            "groups": labels,
            "male": [int(v) for v in t.get("male", pd.Series(0, index=t.index))],
            "female": [int(v) for v in t.get("female", pd.Series(0, index=t.index))],
            "units": "persons (31 Dec)",
        }

    def _population_long(self, years: Sequence[int]) -> tuple[pd.DataFrame, dict[int, str]]:
        """Population by municipality × year × age for ``years``: observed, else projected."""
        r = self.region
        parts, source = [], {}
        proj_name = next(iter(r.projections), None)
        for y in years:
            if y in r.age_sex_years:
                d = r.population_by_age(y)
                d = d.groupby(["municipality", "year", "age"], as_index=False)["population"].sum()
                parts.append(d)
                source[y] = "observed"
            elif proj_name is not None and y in set(r.projection(proj_name)["year"]):
                p = r.projection(proj_name)
                # the projection is in the division of its year (Kuhmoinen was still a member in
                # 2019): keep the current municipalities, as the observed tables do
                p = p[(p["year"] == y) & p["municipality"].isin(r.municipality_codes())]
                parts.append(p[["municipality", "year", "age", "population"]])
                source[y] = f"projection {proj_name}"
        if not parts:
            raise NotFoundError(f"no population by age for any of {list(years)}")
        return pd.concat(parts, ignore_index=True), source

    def _published_dependency(self, years: Sequence[int]) -> pd.DataFrame:
        """THL/Sotkanet published dependency ratios (same definition) for ``years``."""
        r = self.region
        if not r.has_table("published_indicators"):
            return pd.DataFrame(columns=["municipality", "year", "dependency_ratio"])
        pi = r.table("published_indicators")
        pi = pi[
            (pi["indicator"] == "dependency_ratio_sotkanet")
            & pi["year"].isin(list(years))
            & pi["municipality"].isin(r.municipality_codes())
        ]
        return pd.DataFrame(
            {
                "municipality": pi["municipality"].astype(str).to_numpy(),
                "year": pi["year"].astype(int).to_numpy(),
                "dependency_ratio": pd.to_numeric(pi["value"], errors="coerce").to_numpy(),
            }
        )

    def dependency_ratio(self, years: Sequence[int]) -> dict[str, Any]:
        """Demographic dependency ratio by municipality for each requested year.

        Computed by :func:`soteplan.demography.dependency_ratio` from population by
        age (observed, else the official projection); for years without population
        by age the published THL/Sotkanet value (indicator 761, same definition)
        is shown and labelled as such.
        """
        r = self.region
        try:
            pop, source = self._population_long(years)
        except NotFoundError:
            pop, source = None, {}
        frames = []
        region_rows: list[dict[str, Any]] = []
        if pop is not None:
            frame = dem.dependency_ratio(pop).reset_index()
            frame.columns = ["municipality", "year", "dependency_ratio"]
            frames.append(frame)
            reg = dem.dependency_ratio(pop, groups=r.name_fi).reset_index()
            reg.columns = ["area", "year", "dependency_ratio"]
            region_rows = records(reg)
        rest = [y for y in years if y not in source]
        published = self._published_dependency(rest)
        for y in sorted(set(published["year"])):
            source[int(y)] = "published thl-sotkanet-761"
        frames.append(published)
        if not any(len(f) for f in frames):
            raise NotFoundError(f"no population by age or published ratio for {list(years)}")
        frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
        missing = [y for y in years if y not in source]
        return {
            "by_municipality": records(frame),
            "region": region_rows,
            "years": sorted(source),
            "missing_years": missing,
            "source": {str(k): v for k, v in sorted(source.items())},
            "units": "dependants (0-14 and 65+) per 100 persons aged 15-64",
        }

    def working_age_index(self, base_year: int | None = None) -> dict[str, Any]:
        """Working-age (15–64) index of the region, base year = 100, observed then projected.

        Observed 15–64 counts come from the ``working_age_population`` table, later
        observed years from population by age, and years after the last observed
        one from the official projection; the index is computed by
        :func:`soteplan.demography.working_age_index` on the joined series.
        """
        r = self.region
        codes = r.municipality_codes()
        wap = r.table("working_age_population")
        parts = [wap[wap["municipality"].isin(codes)][["municipality", "year", "population_15_64"]]]
        kinds = {int(y): "observed" for y in parts[0]["year"].unique()}

        def bands(long: pd.DataFrame) -> pd.DataFrame:
            t = dem.age_band_totals(long[long["municipality"].isin(codes)]).reset_index()
            return pd.DataFrame(
                {
                    "municipality": t.iloc[:, 0].astype(str).to_numpy(),
                    "year": t["year"].astype(int).to_numpy(),
                    "population_15_64": t["15-64"].to_numpy(),
                }
            )

        extra = [y for y in r.age_sex_years if y not in kinds]
        if extra:
            parts.append(bands(self._population_long(extra)[0]))
            kinds.update(dict.fromkeys(extra, "observed"))
        name = next(iter(r.projections), None)
        if name is not None:
            p = r.projection(name)
            later = sorted(int(y) for y in p["year"].unique() if int(y) > max(kinds))
            if later:
                parts.append(bands(p[p["year"].isin(later)]))
                kinds.update(dict.fromkeys(later, f"projection {name}"))
        series = pd.concat(parts, ignore_index=True)
        base_year = base_year or min(kinds)
        idx = dem.working_age_index(series, base_year=base_year, groups=r.name_fi).reset_index()
        idx.columns = ["area", "year", "index"]
        idx["source"] = [kinds[int(y)] for y in idx["year"]]
        obs = idx[idx["source"] == "observed"]
        proj = idx[idx["source"] != "observed"]
        # the projected line starts at the last observed point so the chart joins up
        proj = pd.concat([obs.tail(1), proj]) if len(proj) else proj
        return {
            "base_year": base_year,
            "observed": records(obs),
            "projected": records(proj),
            "projection": name,
            "units": "index, base year = 100",
        }

    def indicators(self, year: int, grouping: str | None = None) -> dict[str, Any]:
        """Population by age band, dependency and old-age ratio per municipality or area.

        Uses :func:`soteplan.demography.summary_table` on observed population by
        age for ``year`` or, after the last observed year, the official projection.
        """
        pop, source = self._population_long([year])
        groups = self.region.grouping(grouping).mapping() if grouping else None
        table = dem.summary_table(pop, groups=groups, total_label=self.region.name_fi)
        table.index.name = "group"
        return {
            "year": year,
            "grouping": grouping,
            "source": source[year],
            "rows": records(table),
            "units": {"population": "persons", "ratios": "per 100 persons aged 15-64"},
        }

    def projection(
        self, name: str | None = None, municipality: str | None = None
    ) -> dict[str, Any]:
        """Official projection totals by year (persons), region or one municipality."""
        p = self.region.projection(name)
        if municipality is not None:
            p = p[p["municipality"] == municipality]
            if p.empty:
                raise NotFoundError(f"municipality {municipality!r} is not in the projection")
        tot = p.groupby("year")["population"].sum()
        return {
            "name": name or next(iter(self.region.projections)),
            "municipality": municipality,
            "years": [int(y) for y in tot.index],
            "population": [float(v) for v in tot],
            "units": "persons",
        }

    # ----------------------------------------------------------------- access
    @cached_property
    def _access_inputs(self) -> tuple[Any, Any]:
        return acc.region_graph(self.region), acc.region_origins(self.region)

    def _names(self) -> dict[str, str]:
        """Finnish names of every municipality in the region data (former members too)."""
        return {str(k): str(v) for k, v in self.region.municipalities["name_fi"].items()}

    def service_types(self) -> list[str]:
        """Service types the access engine can assess."""
        return list(acc.service_types(self.region))

    def _facilities(self, service: str, year: int | None) -> gpd.GeoDataFrame:
        return acc.service_points(self.region, service, year)

    def coverage(
        self, service: str, year: int | None, thresholds: Sequence[float]
    ) -> dict[str, Any]:
        """Coverage, nearest times and equity of one service network."""
        with self._lock:
            graph, origins = self._access_inputs
        fac = self._facilities(service, year)
        res = acc.assess(
            graph,
            origins,
            fac,
            service=service,
            thresholds=thresholds,
            groupings=acc.region_groupings(self.region),
        )
        of = res.origins_frame()
        return {
            "service": service,
            "year": year,
            "names": self._names(),
            "coverage": records(
                res.coverage[res.coverage["level"].isin(["region", "municipality"])]
            ),
            "distribution": records(res.distribution),
            "equity": jsonable(res.equity),
            "origins": geojson(of[["municipality", "nearest_min", "nearest_id", of.geometry.name]]),
            "facilities": geojson(
                fac[[c for c in ("name", "municipality") if c in fac.columns] + [fac.geometry.name]]
            ),
            "meta": jsonable(res.meta),
        }

    def nearest(self, service: str, year: int | None) -> dict[str, Any]:
        """Car time (minutes) from every postcode area to its nearest service point."""
        with self._lock:
            graph, origins = self._access_inputs
        res = acc.assess(graph, origins, self._facilities(service, year), service=service)
        of = res.origins_frame()
        cols = [c for c in ("municipality", "nearest_min", "nearest_id") if c in of.columns]
        frame = pd.DataFrame(of[cols]).assign(population=origins.population["all"])
        frame.index = pd.Index([str(i) for i in origins.ids], name="origin")
        return {
            "service": service,
            "year": year,
            "rows": records(frame),
            "units": {"nearest_min": "minutes (car)", "population": "persons"},
            "meta": jsonable(res.meta),
        }

    def what_if(
        self,
        service: str,
        year: int | None,
        close: Sequence[str],
        open_points: Sequence[dict[str, Any]],
        thresholds: Sequence[float],
    ) -> dict[str, Any]:
        """Close and/or open service points; the change in every measure and who loses."""
        with self._lock:
            graph, origins = self._access_inputs
        fac = self._facilities(service, year)
        new = None
        if open_points:
            self._check_inside([(float(p["lon"]), float(p["lat"])) for p in open_points])
            new = gpd.GeoDataFrame(
                {
                    "name": [p.get("name") or p["id"] for p in open_points],
                    "capacity": [p.get("capacity") for p in open_points],
                },
                index=pd.Index([p["id"] for p in open_points], name="id"),
                geometry=gpd.points_from_xy(
                    [p["lon"] for p in open_points], [p["lat"] for p in open_points]
                ),
                crs="EPSG:4326",
            ).to_crs(fac.crs)
        res = acc.what_if(
            graph,
            origins,
            fac,
            close=list(close),
            open=new,
            service=service,
            thresholds=thresholds,
            groupings=acc.region_groupings(self.region),
        )
        d = res.delta
        of = res.after.origins_frame()
        keep = d["level"].isin(["region", "municipality"]) & d["measure"].str.startswith(
            ("coverage.share_", "nearest_min.mean")
        )
        return {
            "service": service,
            "closed": list(close),
            "names": self._names(),
            "delta": records(d[keep]),
            "losers": records(res.losers.head(200)),
            "origins": geojson(of[["municipality", "nearest_min", "nearest_id", of.geometry.name]]),
            "meta": jsonable(res.meta),
        }

    def _check_inside(self, lonlat: Sequence[tuple[float, float]]) -> None:
        """Raise :class:`DataError` for WGS84 points outside the region (with a margin)."""
        from pyproj import Transformer

        from soteplan.scenario._run import REGION_MARGIN_M

        x0, y0, x1, y1 = self.region.municipalities.total_bounds
        to_m = Transformer.from_crs("EPSG:4326", self.region.crs, always_xy=True)
        m = REGION_MARGIN_M
        problems = []
        for i, (lon, lat) in enumerate(lonlat):
            x, y = to_m.transform(lon, lat)
            if not (x0 - m <= x <= x1 + m and y0 - m <= y <= y1 + m):
                problems.append(
                    DataProblem(
                        "request",
                        None,
                        f"open.{i}",
                        f"point ({lon:.4f}, {lat:.4f}) is outside region {self.region.id} "
                        f"(more than {m / 1000:.0f} km from its bounding box)",
                    )
                )
        if problems:
            raise DataError(problems)

    # ----------------------------------------------------------------- locate
    def locate(
        self,
        service: str,
        year: int | None,
        model: str,
        p: int,
        threshold: float,
        capacity: float | None = None,
    ) -> dict[str, Any]:
        """Choose ``p`` sites by p-median or maximal covering (MCLP), as ``soteplan locate``;
        with ``capacity`` (p-median only) no site serves more persons than that and every
        demand point goes to one site, its times being those to its assigned site.

        Candidates are the existing points of ``service`` plus the municipal centres and urban
        settlements (``extended=True``), so a new site can be suggested for any service type,
        also one with a single existing point (the emergency department). The result says the
        mean travel time per resident of the chosen sites and of today's network (the existing
        points), in minutes, and the share within ``threshold`` minutes of both.
        """
        self.check_service(service)
        if capacity is not None and model != "p-median":
            raise ParameterError("capacity works with the p-median model only")
        inp = loc.region_location_input(self.region, service, year=year, extended=True)
        cand = inp.candidates
        n = len(cand)
        if p > n:
            raise ParameterError(f"p = {p} is more than the {n} candidate sites of {service}")
        kw = {"demand_ids": list(inp.demand_ids), "site_ids": list(cand.index.astype(str))}
        w = inp.weights("all")
        if capacity is not None:
            caps = np.full(n, float(capacity))
            res = loc.CapacitatedPMedian.from_cost_matrix(
                inp.minutes, w, p=p, capacity=caps, single_source=True, **kw
            ).solve(time_limit=LOCATE_CAPACITATED_SECONDS)
        elif model == "p-median":
            res = loc.PMedian.from_cost_matrix(inp.minutes, w, p=p, **kw).solve()
        else:
            res = loc.MaxCover.from_cost_matrix(inp.minutes, w, p=p, radius=threshold, **kw).solve()
        existing = np.flatnonzero(inp.existing)
        minutes = np.asarray(inp.minutes, dtype=float)
        total = float(w.sum())

        def served(cols: Any, assigned: bool = False) -> tuple[float, float]:
            if not assigned:
                t = np.nan_to_num(minutes[:, cols].min(axis=1), nan=np.inf)
            else:  # the capacitated model: the assigned site, not the nearest chosen one
                t = np.nan_to_num(res.cost_to_site, nan=np.inf)
            finite = np.isfinite(t)
            mean = float(w[finite] @ t[finite]) / float(w[finite].sum()) if finite.any() else 0.0
            return mean, float(w[t <= threshold].sum()) / total if total else 0.0

        mean_new, share_new = served(list(res.site_indices), assigned=capacity is not None)
        mean_now, share_now = served(list(existing)) if len(existing) else (float("nan"), 0.0)
        chosen = {str(x) for x in res.site_ids}
        fac = gpd.GeoDataFrame(
            pd.DataFrame(
                {
                    "name": cand["name"].astype(str).to_numpy(),
                    "kind": cand["kind"].astype(str).to_numpy(),
                    "municipality": cand["municipality"].astype(str).to_numpy(),
                    "existing": np.asarray(inp.existing, dtype=bool).astype(int),
                    "chosen": [int(str(i) in chosen) for i in cand.index],
                },
                index=pd.Index(cand.index.astype(str), name="id"),
            ),
            geometry=gpd.points_from_xy(cand["x"], cand["y"]),
            crs="EPSG:3067",
        )
        rows = []
        for r in records(res.sites_frame()):
            sid = r.get("site_id")
            if sid in cand.index:
                r = {
                    "name": str(cand.at[sid, "name"]),
                    "kind": str(cand.at[sid, "kind"]),
                    "municipality": str(cand.at[sid, "municipality"]),
                    "existing": bool(inp.existing[cand.index.get_loc(sid)]),
                    **r,
                }
            rows.append(r)
        return {
            "model": model,
            "p": p,
            "service": service,
            "threshold_min": threshold,
            "capacity": capacity,
            "objective": jsonable(res.objective),
            "objective_units": "person-minutes" if model == "p-median" else "persons covered",
            "mean_min": mean_new,
            "share_within": share_new,
            "today": {
                "sites": len(existing),
                "mean_min": jsonable(mean_now),
                "share_within": share_now,
            },
            "population": total,
            "candidates": n,
            "new_sites": sorted(chosen - {str(cand.index[i]) for i in existing}),
            "status": jsonable(res.status.value),
            "gap": jsonable(res.gap),
            "sites": [str(x) for x in res.site_ids],
            "sites_table": rows,
            "facilities": geojson(fac),
            "meta": jsonable({**inp.meta, **res.meta, "mean_min_units": "minutes per resident"}),
        }

    # --------------------------------------------------------------- organise
    def organisation_models(self) -> list[dict[str, Any]]:
        """The region's organisation models with their areas."""
        return [jsonable(g) for g in self.region.groupings.values()]

    def organise_compare(self, a: str, b: str) -> dict[str, Any]:
        """Evaluate two organisation models with the organise engine, side by side."""
        evals = [org.evaluate(org.builtin_model(self.region, m), self.region) for m in (a, b)]
        table = org.compare(evals)
        table.index.name = "measure"
        return {
            "models": [a, b],
            "table": records(table.reset_index()),
            "areas": {e.model.id: records(e.areas) for e in evals},
            "meta": jsonable(evals[0].meta),
        }

    # -------------------------------------------------------------- scenarios
    def check_service(self, service: str) -> None:
        """Raise :class:`ParameterError` for an unknown service type."""
        types = self.service_types()
        if service not in types:
            raise ParameterError(f"unknown service {service!r}; available: {', '.join(types)}")

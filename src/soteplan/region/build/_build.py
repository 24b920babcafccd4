"""Build a region directory for any wellbeing services county (or Finland) from the raw data.

This is the generic counterpart of ``scripts/build_keski_suomi.py``: it reads the
national raw files of ``shared/data/raw`` (see ``shared/data/SOURCES.md``), checks
them and writes the core tables of a region directory, which
:func:`soteplan.region.load_region` then validates.  Duplication with
``scripts/_build`` (the readers of the same raw files) is deliberate for now: the
Keski-Suomi build must stay byte-identical and is still being polished.

What the Keski-Suomi build has and this one does not (absent, never invented):
hand-checked hospitals and emergency departments, the central hospital, organisation
models beyond the county itself, dasymetric resident points, urban settlements,
Paavo postal age bands, net costs, morbidity and the Sotkanet indicator series.
"""

from __future__ import annotations

import functools
import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer

from soteplan.errors import DataError, DataProblem, NotFoundError
from soteplan.region.build._counties import COUNTIES, FINLAND, County, find_county
from soteplan.region.build._readers import (
    read_11re_csv,
    read_municipality_key,
    read_postal_key,
    slug,
)

__all__ = ["BuildResult", "build_region", "default_raw_dir"]

#: Municipal mergers between the 2019 division (11re 2018/2019, projection 2019, postal
#: key 2020) and the 2021 division used here (Statistics Finland, municipal changes):
#: Valtimo joined Nurmes on 1.1.2020, Honkajoki joined Kankaanpää on 1.1.2021.
MERGERS: dict[str, str] = {"911": "541", "099": "214"}
#: Key years read for membership; 2021 is the first year of the division used here.
KEY_YEARS = range(2020, 2027)
ALAND = "91"
MUNI_TOLERANCE_M = 150.0
STATION_MAX_OFFSET_M = 3_000.0
STATFIN = "Statistics Finland (Tilastokeskus)"
CC_BY = "CC BY 4.0"
MML = "National Land Survey of Finland (Maanmittauslaitos, MML/NLS)"
#: Intermediary repositories (owner/name@commit, licence), from SOURCES.md.
INTERMEDIARY = {
    "mml": ("samilaine/hallinnollisetrajat@03f9203007160ef67177c8a5c6f3463cbf57af46", "CC BY 4.0"),
    "geofi": ("rOpenGov/geofi@de9392bbeac7ce09d13637ec000b8c9e69ce5c52", "BSD-2-Clause"),
    "finngen": ("Mknea/finngen@8b225e39c17f8bbf38fb4a1274861a5fc0302da7", "MIT"),
    "kt162r": ("pttry/KT162R@80b21b07ea6ea86055830068af40483e3992a1d6", "UNCLEAR"),
    "lavaste": ("lavaste/health_station_closures@83d7a2005f0a3bab6906dc4b519310cd42fbc28d", "MIT"),
    "synthea": (
        "synthetichealth/synthea-international@4d406f4d3b06adfb12d57c365651e41eb11d1302",
        "Apache-2.0",
    ),
    "vayla": (
        "PeteyVonGuldenstein/maailman-kartta@e14480344cf9c85583c8357a772035f22b2a2911",
        "UNCLEAR",
    ),
}
ATTRIBUTION = [
    "Source: Statistics Finland (population statistics, StatFin 11re, population projection "
    "2019, Paavo), CC BY 4.0",
    "THL / Sotkanet (population 31.12.), CC BY 4.0",
    "© National Land Survey of Finland (MML), municipal division 1:4 500 000, CC BY 4.0",
    "Väylävirasto (Finnish Transport Infrastructure Agency), tieosoiteverkko, CC BY 4.0 (main "
    "roads, derived and approximate)",
    "Kaisa Palo & Konsta Lavaste, Health stations in Finland 2013–2019 (MIT); station "
    "coordinates © OpenStreetMap contributors (ODbL)",
]
_TO_3067 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


def default_raw_dir() -> Path | None:
    """The raw data directory: ``$SOTEPLAN_RAW_DATA``, else ``../shared/data/raw`` of a checkout."""
    import os

    env = os.environ.get("SOTEPLAN_RAW_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "data" / "raw"
        if (parent / "pyproject.toml").is_file() and cand.is_dir():
            return cand
    return None


def _fail(file: str, message: str, row: int | None = None, fld: str | None = None) -> DataError:
    return DataError([DataProblem(file, row, fld, message)])


# --------------------------------------------------------------------------- raw readers
class _Raw:
    """Reads (and caches) the national raw files under one directory."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise NotFoundError(f"raw data directory not found: {root}")
        self.root = root

    def path(self, *parts: str) -> Path:
        p = self.root.joinpath(*parts)
        if not p.is_file():
            raise NotFoundError(f"raw file missing: {p}")
        return p

    @functools.cached_property
    def key(self) -> pd.DataFrame:
        k = read_municipality_key(self.path("geofi", "converted", "municipality_key.csv"))
        if "hyvinvointialue_code" not in k.columns:
            raise _fail(
                "geofi/converted/municipality_key.csv", "column missing", fld="hyvinvointialue_code"
            )
        return k

    @functools.cached_property
    def mml(self) -> gpd.GeoDataFrame:
        g = gpd.read_file(self.path("mml-hallinnollisetrajat", "kuntarajat.2023.json"))
        g["NATCODE"] = g["NATCODE"].astype(str).str.zfill(3)
        return g.to_crs(3067).set_index("NATCODE").sort_index()

    @functools.cached_property
    def centres(self) -> pd.DataFrame:
        c = pd.read_csv(self.path("geofi", "converted", "municipality_central_localities_df.csv"))
        c["code"] = c["kuntatunnus"].astype(str).str.zfill(3)
        x, y = _TO_3067.transform(c["X"].to_numpy(float), c["Y"].to_numpy(float))
        c["x"], c["y"] = np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)
        return c.set_index("code")

    @functools.cached_property
    def totals(self) -> pd.DataFrame:
        s = pd.read_csv(self.path("geofi", "converted", "sotkadata_population.csv"), dtype=str)
        return pd.DataFrame(
            {
                "municipality": s["municipality_code"].str.zfill(3),
                "year": pd.to_numeric(s["year"]).astype(int),
                "population": pd.to_numeric(s["primary.value"]).round().astype(int),
            }
        ).sort_values(["municipality", "year"], ignore_index=True)

    @functools.cached_property
    def age_sex_2020(self) -> pd.DataFrame:
        src = "statfin-11re-2020-finngen/11re_2020.csv"
        df = read_11re_csv(self.path(*src.split("/")), 2020)
        k = self.key[self.key["year"] == 2021]
        names = dict(zip(k["name_fi"], k["code"], strict=True))
        df["municipality"] = df["area"].map(names)
        unknown = sorted(set(df.loc[df["municipality"].isna(), "area"]))
        if unknown:
            raise _fail(src, f"areas not in the 2021 municipality key: {unknown[:5]}", fld="Alue")
        df = df[~df["age"].str.startswith("Yhteens")].copy()
        df["age"] = df["age"].str.replace("100 -", "100", regex=False).astype(int)
        for c in ("total", "male", "female"):
            df[c] = pd.to_numeric(df[c]).astype(int)
        bad = df[df["male"] + df["female"] != df["total"]]
        if len(bad):
            raise _fail(src, "Miehet + Naiset != Yhteensä", row=int(bad.index[0]) + 2)
        long = df.melt(
            id_vars=["municipality", "age"],
            value_vars=["male", "female"],
            var_name="sex",
            value_name="population",
        )
        long["year"] = 2020
        long["_s"] = long["sex"].map({"male": 0, "female": 1})
        long = long.sort_values(["municipality", "_s", "age"]).drop(columns="_s")
        return long[["municipality", "year", "sex", "age", "population"]].reset_index(drop=True)

    @functools.cached_property
    def projection(self) -> pd.DataFrame:
        src = "kt162r-pttry/pop_fore_dat.rda"
        try:
            import rdata
        except ImportError as exc:  # pragma: no cover - rdata is a dependency
            raise NotFoundError("reading the 2019 projection needs the package 'rdata'") from exc
        d = rdata.read_rda(str(self.path(*src.split("/"))))["pop_fore_dat"]
        d = d[d["alue"] != "SSS"].copy()
        d["municipality"] = d["alue"].astype(str).str.zfill(3).replace(MERGERS)
        d["year"] = d["time"].astype(int)
        d["age"] = d["ika"].astype(int)
        d["population"] = d["vaesto_e19"].round().astype(np.int64)
        tot = d[d["age"] == 999].groupby(["municipality", "year"])["population"].sum()
        d = d[d["age"] != 999]
        out = d.groupby(["municipality", "year", "age"], as_index=False)["population"].sum()
        sums = out.groupby(["municipality", "year"])["population"].sum()
        if not sums.equals(tot.reindex(sums.index)):
            raise _fail(src, "projection ages do not add up to the age-999 totals")
        return out

    @functools.cached_property
    def postal(self) -> pd.DataFrame:
        key = read_postal_key(
            self.path("synthea-fi", "alueryhmittely_posnro_2020_en.csv")
        ).drop_duplicates("postcode")
        key["municipality"] = key["municipality"].replace(MERGERS)
        pop = pd.read_csv(
            self.path("geofi", "converted", "statfi_zipcode_population.csv"), dtype=str
        ).set_index("posti_alue")["X2022"]
        xy = pd.read_csv(
            self.path("kt162r-pttry", "converted", "zip_coordinates_tm35fin.csv"), dtype=str
        ).set_index("alue")
        key = key[key["postcode"].isin(pop.index) & key["postcode"].isin(xy.index)]
        return (
            pd.DataFrame(
                {
                    "postcode": key["postcode"].to_numpy(),
                    "name": key["name"].to_numpy(),
                    "municipality": key["municipality"].to_numpy(),
                    "population_2022": pd.to_numeric(pop.reindex(key["postcode"]))
                    .astype(int)
                    .to_numpy(),
                    "x": np.rint(xy.reindex(key["postcode"])["x_zip"].astype(float).to_numpy()),
                    "y": np.rint(xy.reindex(key["postcode"])["y_zip"].astype(float).to_numpy()),
                }
            )
            .astype({"x": np.int64, "y": np.int64})
            .sort_values("postcode", ignore_index=True)
        )

    @functools.cached_property
    def roads(self) -> gpd.GeoDataFrame:
        r = gpd.read_file(
            self.path("vayla-mainroads-maailmankartta", "main_roads_valtatie_kantatie.geojson")
        )
        return r.to_crs(3067)

    @functools.cached_property
    def stations(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        h = pd.read_csv(
            self.path("health-stations-lavaste", "converted", "health_stations_2013_2019_long.csv"),
            dtype=str,
        )
        h["code"] = h["municipality_num"].str.zfill(3).replace(MERGERS)
        h["year"] = h["year"].astype(int)
        c = pd.read_csv(
            self.path("health-stations-lavaste", "converted", "station_coordinates_tm35fin.csv")
        )
        return h, c


# --------------------------------------------------------------------------- writers
@dataclass
class _Out:
    out: Path
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def csv(self, name: str, df: pd.DataFrame) -> None:
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        (self.out / name).write_text(buf.getvalue(), encoding="utf-8", newline="\n")
        self.written.append(name)

    def geojson(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        gdf.to_file(
            self.out / name,
            driver="GeoJSON",
            engine="pyogrio",
            layer_options={"COORDINATE_PRECISION": 0, "WRITE_NAME": "NO", "RFC7946": "NO"},
        )
        self.written.append(name)

    def yaml(self, name: str, data: dict[str, Any], header: str = "") -> None:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (self.out / name).write_text(header + text, encoding="utf-8", newline="\n")
        self.written.append(name)

    def record(self, name: str, intermediary: str, **entry: Any) -> None:
        refs = [INTERMEDIARY[k] for k in intermediary.split(",")]
        entry["intermediary"] = "; ".join(r for r, _ in refs)
        entry["intermediary_licence"] = "; ".join(lic for _, lic in refs)
        self.provenance[name] = entry


@dataclass(frozen=True)
class BuildResult:
    """What one build wrote: the directory and its checked figures."""

    county: County
    out: Path
    files: tuple[str, ...]
    figures: dict[str, Any]


# --------------------------------------------------------------------------- membership
def _county_by_year(raw: _Raw) -> pd.DataFrame:
    """code, year → county key code, 2020–2026, with transfers between regions kept.

    The key gives ``hyvinvointialue_code`` back-cast to 2020 on the later division, so a
    municipality that changed region on 1.1.2021 (Kuhmoinen to Pirkanmaa, Heinävesi to
    Pohjois-Karjala) is given, for 2020, the county of its 2020 maakunta (the county the
    other municipalities of that maakunta belong to in 2021).
    """
    k = raw.key[raw.key["year"].isin(KEY_YEARS) & ~raw.key["code"].isin(MERGERS)]
    k = k[["code", "year", "hyvinvointialue_code", "maakunta_code"]].copy()
    k21 = k[k["year"] == 2021].set_index("code")
    k20 = k[k["year"] == 2020].set_index("code")
    moved = k20.index[k20["maakunta_code"] != k21["maakunta_code"].reindex(k20.index)]
    stay = k21[~k21.index.isin(moved)]
    maakunta_county = stay.groupby("maakunta_code")["hyvinvointialue_code"].agg(
        lambda v: v.mode().iloc[0]
    )
    fix = (k["year"] == 2020) & k["code"].isin(moved)
    k.loc[fix, "hyvinvointialue_code"] = k.loc[fix, "maakunta_code"].map(maakunta_county)
    return k


def _membership(raw: _Raw, county: County) -> pd.DataFrame:
    """code → first/last key year in the county and the last year the code exists."""
    k = _county_by_year(raw)
    if county.code is None:
        m = k[k["hyvinvointialue_code"] != ALAND]
    else:
        m = k[k["hyvinvointialue_code"] == county.code]
    if m.empty:
        raise _fail("geofi/converted/municipality_key.csv", f"no municipality in {county.id}")
    span = m.groupby("code")["year"].agg(["min", "max"]).sort_index()
    span["exists_to"] = k.groupby("code")["year"].max().reindex(span.index)
    return span


def _municipalities(raw: _Raw, county: County, span: pd.DataFrame, o: _Out) -> pd.DataFrame:
    codes = list(span.index)
    k = raw.key[raw.key["year"].isin(KEY_YEARS) & raw.key["code"].isin(codes)]
    in_county = k.merge(span["max"].rename("year").reset_index(), on=["code", "year"])
    # names and keys: the latest year in the county, or 2021 for members until 2020
    k21 = k[k["year"] == 2021]
    last = pd.concat(
        [
            in_county[in_county["year"] >= 2021],
            k21[k21["code"].isin(span.index[span["max"] < 2021])],
        ]
    )
    last = last.sort_values("year").drop_duplicates("code", keep="last")
    last = last.set_index("code").reindex(codes)
    missing = [c for c in codes if c not in raw.mml.index]
    if missing:
        raise _fail("mml-hallinnollisetrajat/kuntarajat.2023.json", f"no polygon for {missing}")
    poly = raw.mml.loc[codes]
    cen = raw.centres.reindex(codes)
    no_centre = list(cen.index[cen["x"].isna()])
    if no_centre:  # merged away before the 2025 centre list: a point inside the polygon
        rp = poly.geometry.loc[no_centre].representative_point()
        cen.loc[no_centre, "x"] = np.rint(rp.x.to_numpy())
        cen.loc[no_centre, "y"] = np.rint(rp.y.to_numpy())
    o.figures["centre_from_polygon"] = no_centre
    first_year, last_year = min(KEY_YEARS), max(KEY_YEARS)
    gone = [c for c, e in span["exists_to"].items() if e < last_year]
    o.figures["absent_from_later_key"] = {c: int(span.loc[c, "exists_to"]) for c in gone}
    table = pd.DataFrame(
        {
            "code": codes,
            "name_fi": last["municipality_name_fi"].to_numpy(),
            "name_sv": last["municipality_name_sv"].to_numpy(),
            "subregion_code": last["seutukunta_code"].to_numpy(),
            "subregion_name": last["seutukunta_name_fi"].to_numpy(),
            "hospital_district": last["sairaanhoitop_name_fi"].to_numpy(),
            "erva": last["erva_name_fi"].to_numpy(),
            "land_area_km2": poly["LANDAREA"].astype(float).round(2).to_numpy(),
            "total_area_km2": poly["TOTALAREA"].astype(float).round(2).to_numpy(),
            "member_from": pd.array(
                [pd.NA if y == first_year else int(y) for y in span["min"]], dtype="Int64"
            ),
            "member_to": pd.array(
                [
                    pd.NA if y == e else int(y)
                    for y, e in zip(span["max"], span["exists_to"], strict=True)
                ],
                dtype="Int64",
            ),
            "centre_x": cen["x"].astype(int).to_numpy(),
            "centre_y": cen["y"].astype(int).to_numpy(),
            "wellbeing_county_code": last["hyvinvointialue_code"].to_numpy(),
            "key_year": last["year"].astype(int).to_numpy(),
        }
    )
    o.csv("municipalities.csv", table)
    arr = poly.geometry.values
    if bool(shapely.coverage_is_valid(arr)):
        arr = shapely.coverage_simplify(arr, MUNI_TOLERANCE_M)
    else:
        arr = shapely.simplify(arr, MUNI_TOLERANCE_M, preserve_topology=True)
    arr = shapely.make_valid(shapely.set_precision(arr, 1.0))
    gdf = gpd.GeoDataFrame(
        {"code": codes, "name_fi": table["name_fi"].to_numpy()}, geometry=arr, crs=3067
    )
    o.geojson("municipalities.geojson", gdf)
    o.record(
        "municipalities.csv",
        "mml,geofi",
        title=f"Municipalities of {county.name_fi}",
        publisher=f"{MML} (areas); Statistics Finland classifications and THL (keys); MML "
        "Maastotietokanta (centres)",
        licence=CC_BY,
        source="membership, subregion, hospital district, ERVA: geofi municipality_key "
        f"(hyvinvointialue_code, years {first_year}–{last_year}); areas: MML Kuntajako "
        "1:4 500 000, 2023; centres: geofi municipality_central_localities_df",
        transformation=f"centres of {no_centre or 'no municipality'} (absent from the 2025 "
        "centre list) = a representative point of the MML polygon; "
        "member_from/member_to = first/last key year in the county (transfers between "
        "regions on 1.1.2021 read from the 2020 maakunta); a code that leaves the key "
        f"(merged: {gone or 'none'}) stays a member, its data on the 2021 division; "
        "key_year = the key year the names and keys come from; centres projected WGS84 → "
        "EPSG:3067, whole metres",
        approximations="none",
    )
    o.record(
        "municipalities.geojson",
        "mml",
        title="Municipal boundaries (simplified)",
        publisher=MML,
        licence=CC_BY,
        source="MML Kuntajako 1:4 500 000 (general map), 2023",
        transformation=f"projected to EPSG:3067; simplified {MUNI_TOLERANCE_M:.0f} m; 1 m grid",
        approximations="coarse, generalised boundaries (1:4.5M)",
    )
    return table.set_index("code")


def _population(raw: _Raw, county: County, codes: list[str], o: _Out) -> None:
    tot = raw.totals[raw.totals["municipality"].isin(codes)].reset_index(drop=True)
    got = sorted(set(tot["municipality"]))
    if got != codes:
        raise _fail(
            "geofi/converted/sotkadata_population.csv",
            f"no population for {sorted(set(codes) - set(got))}",
            fld="municipality_code",
        )
    o.csv("population_totals.csv", tot)
    o.record(
        "population_totals.csv",
        "geofi",
        title="Population 31.12. by municipality, 2000–2022",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland population statistics via THL Sotkanet indicator 127, as "
        "packaged in geofi::sotkadata_population",
        transformation="codes zero-padded; integers; the county's municipalities",
        approximations="none; current municipal division (mergers back-cast by the publisher)",
    )
    a = raw.age_sex_2020[raw.age_sex_2020["municipality"].isin(codes)].reset_index(drop=True)
    sums = a.groupby("municipality")["population"].sum()
    t20 = tot[tot["year"] == 2020].set_index("municipality")["population"]
    diff = (sums - t20.reindex(sums.index)).abs()
    if sorted(sums.index) != codes or diff.max() != 0:
        bad = list(diff[diff != 0].index) or sorted(set(codes) - set(sums.index))
        raise _fail(
            "statfin-11re-2020-finngen/11re_2020.csv",
            f"2020 age × sex sums differ from the 31.12.2020 totals for {bad}",
        )
    o.figures["population_2020"] = int(sums.sum())
    o.figures["population_2020_by_municipality"] = {k: int(v) for k, v in sums.items()}
    o.csv("population_age_sex.csv", a)
    o.record(
        "population_age_sex.csv",
        "finngen",
        title="Population 31.12.2020 by municipality, sex and single-year age (0–100+)",
        publisher=STATFIN,
        licence=CC_BY,
        source="StatFin table 11re (PxWeb export, unmodified)",
        transformation="matched by the 2021 key names; '100 -' → 100; long format; each "
        "municipality checked equal to population_totals.csv 2020 (the build fails otherwise)",
        approximations="2020 only (the 2018/2019 exports use the 2019 division)",
    )
    p = raw.projection[raw.projection["municipality"].isin(codes)].reset_index(drop=True)
    if sorted(set(p["municipality"])) != codes:
        raise _fail(
            "kt162r-pttry/pop_fore_dat.rda",
            f"projection missing for {sorted(set(codes) - set(p['municipality']))}",
        )
    o.figures["projection"] = {
        int(y): int(v)
        for y, v in p.groupby("year")["population"].sum().items()
        if y in (2019, 2025, 2030, 2040)
    }
    o.csv("population_projection_2019.csv", p)
    o.record(
        "population_projection_2019.csv",
        "kt162r",
        title="Statistics Finland population projection 2019, by municipality and age",
        publisher=STATFIN,
        licence=CC_BY,
        source="Statistics Finland population projection 2019 (table 128v), in KT162R "
        "pop_fore_dat.rda (intermediary unlicensed: figures of the open original publisher)",
        transformation=f"age 999 totals checked and dropped; merged municipalities {MERGERS} "
        "summed into their successors (2021 division)",
        approximations="none",
    )


def _postal(raw: _Raw, codes: list[str], o: _Out) -> None:
    pa = raw.postal[raw.postal["municipality"].isin(codes)].reset_index(drop=True)
    o.figures["postal_areas"] = len(pa)
    o.csv("postal_areas.csv", pa)
    o.record(
        "postal_areas.csv",
        "synthea,geofi,kt162r",
        title="Postal code areas: population 2022 and centroid",
        publisher="Statistics Finland (Paavo; postal code → municipality key 2020)",
        licence=CC_BY,
        source="key alueryhmittely_posnro_2020; population Paavo 31.12.2022 (geofi "
        "statfi_zipcode_population); centroids Paavo ETRS-TM35FIN (KT162R zip_coordinates)",
        transformation="key read by field position, names repaired; postcodes whose 2020 "
        "municipality (merged codes to successors) is in the county",
        approximations="postal areas cross municipal borders: sums by municipality are not "
        "municipal totals",
    )


def _roads(raw: _Raw, county: County, o: _Out) -> None:
    r = raw.roads[raw.roads["source_map"].isin(county.road_maps)]
    if r.empty:
        raise _fail(
            "vayla-mainroads-maailmankartta/main_roads_valtatie_kantatie.geojson",
            f"no lines for maps {county.road_maps}",
            fld="source_map",
        )
    geoms = shapely.set_precision(r.geometry.values, 1.0)
    gdf = gpd.GeoDataFrame({"road_class": r["road_class"].to_numpy()}, geometry=geoms, crs=3067)
    gdf = gdf[(gdf.geom_type == "LineString") & ~gdf.is_empty]
    order = np.lexsort((gdf.geometry.bounds["minx"].to_numpy(), gdf["road_class"].to_numpy()))
    gdf = gdf.iloc[order].reset_index(drop=True)
    o.figures["roads"] = {"lines": len(gdf), "km": round(float(gdf.length.sum()) / 1000)}
    o.geojson("main_roads.geojson", gdf)
    o.record(
        "main_roads.geojson",
        "vayla",
        title=f"Main roads (valtatiet, kantatiet), map(s) {', '.join(county.road_maps)}",
        publisher="Finnish Transport Infrastructure Agency (Väylävirasto), tieosoiteverkko",
        licence=CC_BY,
        source="Väylävirasto road address network as drawn in a third-party web map "
        "(DERIVED: SVG paths inverted from the map's projection; intermediary unlicensed)",
        transformation="kept the county's regional map(s) with their margins; EPSG:3067; 1 m",
        approximations="DERIVED and APPROXIMATE: about one map pixel (164–778 m), simplified, "
        "road numbers lost, lines not noded",
    )


def _stations(raw: _Raw, codes: list[str], poly: gpd.GeoSeries, o: _Out) -> None:
    h, coords = raw.stations
    h = h[h["code"].isin(codes)]
    last_data_year = int(raw.stations[0]["year"].max())
    rows, no_coord = [], []
    h = h.assign(_addr=h["address"].fillna("").str.strip().str.casefold())
    for (code, _addr), g in h.sort_values("year").groupby(["code", "_addr"], sort=True):
        years = sorted(g["year"].unique())
        names = list(dict.fromkeys(g["station"]))
        name = names[-1]
        cand = coords[
            coords["station"].isin(names) & (coords["year_first_seen"].fillna(0) <= years[-1])
        ]
        area = poly.loc[code].buffer(STATION_MAX_OFFSET_M)
        inside = [
            area.contains(shapely.Point(x, y))
            for x, y in zip(cand["easting"], cand["northing"], strict=True)
        ]
        cand = cand[inside]
        if cand.empty:
            no_coord.append(f"{name} ({code})")
            continue
        best = cand.sort_values(["year_first_seen", "easting"]).iloc[-1]
        last = g.iloc[-1]
        out = str(last["outsourced"]).strip() in ("1", "1.0")
        gap = years != list(range(years[0], years[-1] + 1))
        rows.append(
            {
                "id": f"hs-{code}-{slug(name)}",
                "type": "health_station",
                "name": name,
                "provider_kind": "private" if out else "public",
                "municipality": code,
                "x": int(np.rint(best["easting"])),
                "y": int(np.rint(best["northing"])),
                "valid_from": years[0],
                "valid_to": pd.NA if years[-1] == last_data_year else years[-1],
                "organizer": last["organizer"],
                "outsourced": "true" if out else "false",
                "source": "palo-lavaste-2013-2019",
                "facility_type": "terveysasema",
                "notes": "; ".join(
                    [f"names: {' / '.join(names)}"] * (len(names) > 1)
                    + [f"listed in {', '.join(map(str, years))}"] * gap
                )
                or pd.NA,
            }
        )
    df = pd.DataFrame(rows)
    if len(df):
        dup = df.groupby("id").cumcount()
        df["id"] = df["id"].where(dup == 0, df["id"] + "-" + (dup + 1).astype(str))
    o.figures["health_stations"] = {
        "rows": len(df),
        "open_2019": int(df["valid_to"].isna().sum()) if len(df) else 0,
        "without_coordinate": no_coord,
    }
    o.csv("service_points.csv", df)
    o.record(
        "service_points.csv",
        "lavaste",
        title="Health stations 2013–2019 (valid_from/valid_to by year)",
        publisher="Kaisa Palo & Konsta Lavaste (hand-collected from municipal web archives)",
        licence="MIT (list); coordinates © OpenStreetMap contributors, ODbL",
        source="health_stations_Finland_13-19.xlsx (long CSV) and station coordinates",
        transformation="one row per municipality and street address (a renamed station "
        "at the same address is one row); years listed → valid_from/"
        "valid_to (empty = still listed in 2019); coordinate = the latest coordinate row of the "
        f"same name within {STATION_MAX_OFFSET_M:.0f} m of the municipality",
        approximations="a station that moved appears as two rows (one ending, one starting); "
        f"stations without a matching coordinate are left out ({len(no_coord)}: "
        f"{', '.join(no_coord) or 'none'}); no hospitals or emergency departments (the "
        "hand-checked lists exist for Keski-Suomi only)",
    )


# --------------------------------------------------------------------------- build
def build_region(
    county: str | County,
    out: str | Path,
    *,
    raw: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Write the region directory of one county (or ``"finland"``) from the raw data.

    Parameters
    ----------
    county
        Id (``"etela-savo"``), key code (``"12"``), name, or a :class:`County`.
    out
        Directory to write (created; the build's own files are replaced).
    raw
        Raw data directory (default :func:`default_raw_dir`).
    progress
        Called with the name of each step.

    Raises
    ------
    NotFoundError
        Unknown county, or the raw directory or a raw file is missing.
    DataError
        A raw file fails a check (file, row and field named).
    """
    c = county if isinstance(county, County) else find_county(county)
    root = Path(raw) if raw is not None else default_raw_dir()
    if root is None:
        raise NotFoundError("no raw data directory: pass raw= (CLI --raw) or set SOTEPLAN_RAW_DATA")
    r = _raw(str(Path(root).resolve()))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _s: None)
    with tempfile.TemporaryDirectory(prefix=f"{c.id}-build-", dir=out) as tmp:
        o = _Out(Path(tmp))
        step("membership")
        span = _membership(r, c)
        codes = list(span.index)
        muni = _municipalities(r, c, span, o)
        step("population")
        _population(r, c, codes, o)
        step("postal areas")
        _postal(r, codes, o)
        step("main roads")
        _roads(r, c, o)
        step("health stations")
        _stations(r, codes, r.mml.geometry, o)
        step("region.yaml")
        _region_yaml(c, muni, o)
        _one_area_model(c, muni, o)
        o.yaml("provenance.yaml", {"files": o.provenance})
        for name in o.written:
            shutil.copyfile(Path(tmp) / name, out / name)
    return BuildResult(county=c, out=out, files=tuple(o.written), figures=o.figures)


@functools.lru_cache(maxsize=2)
def _raw(root: str) -> _Raw:
    return _Raw(Path(root))


def _region_yaml(c: County, muni: pd.DataFrame, o: _Out) -> None:
    current = [k for k, v in muni["member_to"].items() if pd.isna(v)]
    former = {
        k: f"{muni.loc[k, 'name_fi']}, member until 31.12.{int(v)}"
        for k, v in muni["member_to"].items()
        if not pd.isna(v)
    }
    joined = {
        k: f"{muni.loc[k, 'name_fi']}, member from 1.1.{int(v)}"
        for k, v in muni["member_from"].items()
        if not pd.isna(v)
    }
    data: dict[str, Any] = {
        "id": c.id,
        "name_fi": c.name_fi,
        "name_sv": c.name_sv,
        "name_en": c.name_en,
        "wellbeing_county_code": c.code,
        "crs": "EPSG:3067",
        "population_years": [2000, 2022],
        "service_network": {
            "last_year": {"health_station": 2019},
            "note": "health stations 2013–2019 (Palo & Lavaste); no hospital list",
        },
        "municipalities_current": current,
        "municipalities_former": former,
        "municipalities_joined": joined,
        "absent": [
            "central hospital, hospitals and emergency departments (hand-checked for "
            "Keski-Suomi only)",
            "organisation models other than the county as one area",
            "resident points, urban settlements, postal age bands, net costs, morbidity",
        ],
        "attribution": ATTRIBUTION,
    }
    o.yaml(
        "region.yaml",
        data,
        header=f"# {c.name_fi}: generated by soteplan.region.build from the national raw data.\n",
    )


def _one_area_model(c: County, muni: pd.DataFrame, o: _Out) -> None:
    members = [k for k, v in muni["member_to"].items() if pd.isna(v)]
    o.yaml(
        "organisation_models.yaml",
        {
            "models": {
                "county": {
                    "name_fi": f"{c.name_fi} yhtenä alueena",
                    "name_en": f"{c.name_en} as one area",
                    "year": max(KEY_YEARS),
                    "areas": [{"id": c.id, "name": c.name_fi, "members": members}],
                    "source": "geofi municipality key (hyvinvointialue_code)",
                    "status": "confirmed",
                    "notes": "the county itself; no sub-county models (none published here)",
                }
            }
        },
    )
    o.record(
        "organisation_models.yaml",
        "geofi",
        title="The county as one organisation area",
        publisher="Statistics Finland classifications (hyvinvointialue)",
        licence=CC_BY,
        source="geofi municipality_key",
        transformation=f"current members of the county (key year {max(KEY_YEARS)})",
        approximations="none",
    )


def all_counties() -> tuple[County, ...]:
    """The 21 wellbeing services counties and Helsinki, in key-code order."""
    return COUNTIES


__all__ += ["FINLAND", "all_counties"]

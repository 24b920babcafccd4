"""Service points: health stations 2013–2019, hospitals (2019), emergency departments."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd

from soteplan.region.build._readers import slug

from _build.common import (
    ALL_CODES,
    CODES_22,
    SOURCES,
    Build,
    BuildError,
    lonlat_to_3067,
    write_csv,
)

#: Station name in the Palo & Lavaste workbook → the place it serves (nominative).
#: One place = one station row; names that changed over the years (spelling fixes,
#: "(Jyväskylä)" suffixes, outsourcing to "Oma Lääkärisi …") map to the same place.
#: The build fails if a Keski-Suomi station name is not listed here.
STATION_PLACE: dict[str, str] = {
    "Hankasalmen terveysasema": "Hankasalmi",
    "Joutsan terveysasema": "Joutsa",
    "Huhtasuon terveysasema": "Huhtasuo",
    "Keskustan terveysasema": "Keskusta",
    "Keskustan terveysasema (Jyväskylä)": "Keskusta",
    "Korpilahden terveysasema": "Korpilahti",
    "Oma Lääkärisi Korpilahti": "Korpilahti",
    "Kuokkala terveysasema": "Kuokkala",
    "Kuokkalan terveysasema": "Kuokkala",
    "Kyllön terveysasema": "Kyllö",
    "Oma Lääkärisi Säynätsalo": "Säynätsalo",
    "Säynätsalon terveysasema": "Säynätsalo",
    "Oma Lääkärisi Tikkakoski": "Tikkakoski",
    "Tikkakosken terveysasema": "Tikkakoski",
    "Palokan terveysasema": "Palokka",
    "Sampoharjun terveysasema": "Sampoharju",
    "Vaajakosken terveysasema": "Vaajakoski",
    "Jämsän pääterveysasema": "Jämsä",
    "Koskenpään terveysasema": "Koskenpää",
    "Kuoreveden terveysasema": "Kuorevesi",
    "Länkipohjan terveysasema": "Länkipohja",
    "Kannonkosken terveysasema": "Kannonkoski",
    "Karstulan terveysaema": "Karstula",
    "Karstulan terveysasema": "Karstula",
    "Haapamäen sivuvastaanotto": "Haapamäki",
    "Keuruun terveysasema": "Keuruu",
    "Kinnulan terveyskeskus": "Kinnula",
    "Kivijärven terveysasema": "Kivijärvi",
    "Konneveden terveysasema": "Konnevesi",
    "Kuhmoisten terveysasema": "Kuhmoinen",
    "Kyyjärven terveysasema": "Kyyjärvi",
    "Laukaan terveysasema": "Laukaa",
    "Lievestuoreen sivuvastaanotto": "Lievestuore",
    "Luhangan terveysasema": "Luhanka",
    "Multian terveysasema": "Multia",
    "Muuramen terveysasema": "Muurame",
    "Petäjäveden terveysasema": "Petäjävesi",
    "Pihtiputaan terveysasema": "Pihtipudas",
    "Pylkönmäen terveysasema": "Pylkönmäki",
    "Saarijärven terveysasema": "Saarijärvi",
    "Toivakan terveysasema": "Toivakka",
    "Uuraisten terveysasema": "Uurainen",
    "Viitasaaren terveysasema": "Viitasaari",
    "Konginkankaan terveysasema": "Konginkangas",
    "Sumiaisten terveysasema": "Sumiainen",
    "Suolahden terveysasema": "Suolahti",
    "Äänekosken terveysasema": "Äänekoski",
}

#: Sairaala Nova (Hoitajantie 3, Jyväskylä), WGS84, from domain-facts S16.
NOVA_LAT, NOVA_LON = 62.22996, 25.70479
NOVA_NAME = "Sairaala Nova"

COLUMNS = [
    "id", "type", "name", "provider_kind", "municipality", "x", "y", "valid_from", "valid_to",
    "capacity", "capacity_unit", "organizer", "outsourced", "source", "facility_type", "address",
    "notes",
]  # fmt: skip


def nova_xy() -> tuple[int, int]:
    """Sairaala Nova in EPSG:3067 whole metres."""
    x, y = lonlat_to_3067([NOVA_LON], [NOVA_LAT])
    return int(x[0]), int(y[0])


def _station_coordinates(
    build: Build, coords: pd.DataFrame, names: list[str], code: str, last_year: int
) -> tuple[int, int, str]:
    """The station's latest location: coordinate rows matching any of its names."""
    cand = coords[coords["station"].isin(names)]
    cand = cand[cand["year_first_seen"].fillna(0) <= last_year]
    poly = build.frames["region_polygons"].geometry.loc[code].buffer(500)
    pts = gpd.points_from_xy(cand["easting"], cand["northing"])
    cand = cand[[poly.contains(p) for p in pts]]
    if cand.empty:
        raise BuildError(f"health station {names} ({code}): no coordinate inside the municipality")
    best = cand.sort_values(["year_first_seen", "easting"]).iloc[-1]
    return int(np.rint(best["easting"])), int(np.rint(best["northing"])), str(best["kind"])


def health_stations(build: Build) -> pd.DataFrame:
    """One row per health station seen in 2013–2019 (Palo & Lavaste)."""
    h = pd.read_csv(
        build.path("health-stations-lavaste", "converted", "health_stations_2013_2019_long.csv"),
        dtype=str,
    )
    h["code"] = h["municipality_num"].str.zfill(3)
    h = h[h["code"].isin(ALL_CODES)].copy()
    h["year"] = h["year"].astype(int)
    unknown = sorted(set(h["station"]) - set(STATION_PLACE))
    if unknown:
        raise BuildError(
            f"health stations without a place mapping (add to STATION_PLACE): {unknown}"
        )
    h["place"] = h["station"].map(STATION_PLACE)
    counts = h[h["code"].isin(CODES_22)].groupby("year").size()
    build.figures["health_stations_per_year_22"] = {int(y): int(n) for y, n in counts.items()}
    if counts.get(2019) != 36 or counts.get(2013) != 39:
        raise BuildError(f"expected 36 KS stations in 2019 and 39 in 2013, got {counts.to_dict()}")
    coords = pd.read_csv(
        build.path("health-stations-lavaste", "converted", "station_coordinates_tm35fin.csv")
    )
    last_data_year = int(h["year"].max())
    build.figures["health_station_last_year"] = last_data_year
    rows = []
    for (code, place), g in h.sort_values("year").groupby(["code", "place"], sort=True):
        years = sorted(g["year"].unique())
        if years != list(range(years[0], years[-1] + 1)):
            raise BuildError(f"station {place} ({code}) has gaps in its years: {years}")
        if g["year"].duplicated().any():
            raise BuildError(f"station {place} ({code}) appears twice in one year")
        last = g.iloc[-1]
        names = list(dict.fromkeys(g["station"]))
        x, y, kind = _station_coordinates(build, coords, names, code, years[-1])
        outsourced = g["outsourced"].astype(float).fillna(0).astype(int)
        notes = []
        if len(names) > 1:
            spans = [
                f"{n} {g[g['station'] == n]['year'].min()}–{g[g['station'] == n]['year'].max()}"
                for n in names
            ]
            notes.append("names: " + "; ".join(spans))
        if outsourced.nunique() > 1:
            flags = ", ".join(
                f"{yr}: {'yes' if o else 'no'}" for yr, o in zip(g["year"], outsourced, strict=True)
            )
            notes.append(f"outsourced by year ({flags})")
        if last["outsourcing_firm"] and isinstance(last["outsourcing_firm"], str):
            notes.append(f"outsourcing firm {last['outsourcing_firm']}")
        addresses = list(dict.fromkeys(g["address"].fillna("")))
        if len(addresses) > 1:
            notes.append("moved: " + " → ".join(addresses))
        if kind != "stable_or_relocated":
            notes.append(f"coordinate from the source's {kind} list")
        is_out = bool(outsourced.iloc[-1])
        rows.append(
            {
                "id": f"hs-{code}-{slug(place)}",
                "type": "health_station",
                "name": last["station"],
                "provider_kind": "private" if is_out else "public",
                "municipality": code,
                "x": x,
                "y": y,
                "valid_from": years[0],
                "valid_to": pd.NA if years[-1] == last_data_year else years[-1],
                "capacity": pd.NA,
                "capacity_unit": pd.NA,
                "organizer": last["organizer"],
                "outsourced": "true" if is_out else "false",
                "source": "palo-lavaste-2013-2019",
                "facility_type": "terveysasema",
                "address": f"{last['address']}, {last['postcode']} {last['postal_district']}",
                "notes": "; ".join(notes) if notes else pd.NA,
            }
        )
    out = pd.DataFrame(rows)
    open19 = out[out["valid_to"].isna() & out["municipality"].isin(CODES_22)]
    if len(open19) != 36:
        raise BuildError(f"expected 36 open-ended KS stations, got {len(open19)}")
    build.figures["health_station_rows"] = len(out)
    return out


def _provider_kind(row: pd.Series) -> str:
    ft = str(row["facility_type"]).lower()
    if (
        "private" in ft
        or str(row["id"]).startswith("6")
        or " oy" in str(row["hospital_name"]).lower()
    ):
        return "private"
    return "public"


def hospitals(build: Build) -> pd.DataFrame:
    """Eurostat GISCO healthcare services (FI, ref_date 2019-01-01) inside the region."""
    e = pd.read_csv(build.path("eurostat-healthcare", "FI.csv"), dtype=str)
    x, y = lonlat_to_3067(e["lon"].astype(float), e["lat"].astype(float))
    g = gpd.GeoDataFrame(e, geometry=gpd.points_from_xy(x, y), crs=3067)
    region = build.frames["region_polygons"]
    j = gpd.sjoin(g, region[["geometry"]].rename_axis("code").reset_index(), predicate="within")
    if set(e["ref_date"]) != {"01/01/19"}:
        raise BuildError("eurostat FI.csv: unexpected ref_date")
    if j["cap_beds"].notna().any() or j["public_private"].notna().any():
        raise BuildError("eurostat FI.csv now has beds/public_private: update the build")
    rows = []
    for _, r in j.iterrows():
        rows.append(
            {
                "id": f"hosp-{r['code']}-{slug(r['hospital_name'])}",
                "type": "hospital",
                "name": r["hospital_name"],
                "provider_kind": _provider_kind(r),
                "municipality": r["code"],
                "x": int(r.geometry.x),
                "y": int(r.geometry.y),
                "valid_from": pd.NA,
                "valid_to": pd.NA,
                "capacity": pd.NA,
                "capacity_unit": pd.NA,
                "organizer": pd.NA,
                "outsourced": pd.NA,
                "source": "eurostat-gisco-healthcare-2019",
                "facility_type": r["facility_type"],
                "address": f"{r['postcode']} {r['city']}",
                "notes": f"ref_date 2019-01-01; TOPI organisation id {r['id']}; "
                "provider_kind inferred (source has no public_private value)",
            }
        )
    out = pd.DataFrame(rows)
    if out["id"].duplicated().any():
        raise BuildError("hospital ids are not unique")
    build.figures["hospitals"] = {
        "in_23": len(out),
        "in_22": int(out["municipality"].isin(CODES_22).sum()),
        "private": int((out["provider_kind"] == "private").sum()),
    }
    return out


def emergency_departments(build: Build, hospitals_df: pd.DataFrame) -> pd.DataFrame:
    """The region's 24/7 joint emergency department: the old central hospital, then Nova."""
    ksks = hospitals_df[hospitals_df["name"] == "Keski-Suomen keskussairaala"]
    if len(ksks) != 1:
        raise BuildError("Keski-Suomen keskussairaala not found in the Eurostat list")
    nx, ny = nova_xy()
    base = {
        "type": "emergency_department",
        "provider_kind": "public",
        "municipality": "179",
        "capacity": pd.NA,
        "capacity_unit": pd.NA,
        "outsourced": "false",
        "facility_type": "yhteispäivystys (24/7)",
    }
    return pd.DataFrame(
        [
            {
                **base,
                "id": "ed-179-keski-suomen-keskussairaala",
                "name": "Keski-Suomen keskussairaala, yhteispäivystys",
                "x": int(ksks["x"].iloc[0]),
                "y": int(ksks["y"].iloc[0]),
                "valid_from": pd.NA,
                "valid_to": 2020,
                "organizer": "Keski-Suomen sairaanhoitopiiri",
                "source": "eurostat-gisco-healthcare-2019; wikipedia-ksshp-nova",
                "address": "Keskussairaalantie 19, 40620 Jyväskylä",
                "notes": "coordinates from Eurostat GISCO (2019); emergency care moved to "
                "Sairaala Nova when it opened to patients on 19.1.2021",
            },
            {
                **base,
                "id": "ed-179-sairaala-nova",
                "name": f"{NOVA_NAME}, yhteispäivystys",
                "x": nx,
                "y": ny,
                "valid_from": 2021,
                "valid_to": pd.NA,
                "organizer": "Keski-Suomen sairaanhoitopiiri (2021–2022); Keski-Suomen "
                "hyvinvointialue (from 2023)",
                "source": "wikipedia-ksshp-nova",
                "address": "Hoitajantie 3, 40620 Jyväskylä",
                "notes": "opened to patients 19.1.2021; 62.22996 N 25.70479 E (Wikipedia / "
                "KSSHP, domain-facts S16) projected to EPSG:3067",
            },
        ]
    )


#: The last year each service type's list describes (written to region.yaml).
#: health_station: the last sheet of the Palo & Lavaste workbook (checked in the build);
#: hospital: Eurostat GISCO ref_date 2019-01-01; emergency_department: Nova's opening in
#: 2021 (domain-facts S16), the last change the compiled list records.
HOSPITAL_LIST_YEAR = 2019
ED_LIST_YEAR = 2021


def _date_central_hospital(hosp: pd.DataFrame) -> pd.DataFrame:
    """End the old central hospital in 2020 and add Sairaala Nova from 2021 (S16)."""
    i = hosp.index[hosp["name"] == "Keski-Suomen keskussairaala"]
    if len(i) != 1:
        raise BuildError("Keski-Suomen keskussairaala not found in the Eurostat list")
    hosp = hosp.copy()
    hosp.loc[i, "valid_to"] = 2020
    hosp.loc[i, "source"] = "eurostat-gisco-healthcare-2019; wikipedia-ksshp-nova"
    hosp.loc[i, "notes"] = (
        hosp.loc[i, "notes"] + "; its hospital care and emergency department moved to Sairaala "
        "Nova, which opened to patients on 19.1.2021 (domain-facts S16)"
    )
    nx, ny = nova_xy()
    nova = {
        **{c: pd.NA for c in hosp.columns},
        "id": "hosp-179-sairaala-nova",
        "type": "hospital",
        "name": NOVA_NAME,
        "provider_kind": "public",
        "municipality": "179",
        "x": nx,
        "y": ny,
        "valid_from": 2021,
        "organizer": "Keski-Suomen sairaanhoitopiiri (2021–2022); Keski-Suomen "
        "hyvinvointialue (from 2023)",
        "outsourced": "false",
        "source": "wikipedia-ksshp-nova",
        "facility_type": "Central Hospital",
        "address": "Hoitajantie 3, 40620 Jyväskylä",
        "notes": "opened to patients 19.1.2021, 368 beds (domain-facts S16); not in the "
        "Eurostat 2019 list, so the hospital list's last year stays 2019",
    }
    return pd.concat([hosp, pd.DataFrame([nova])], ignore_index=True)


def service_points(build: Build) -> None:
    """service_points.csv: health stations, hospitals and emergency departments."""
    hs = health_stations(build)
    hosp = hospitals(build)
    # Eurostat's geocoding quality is unknown (geo_qual = -1): flag health-centre wards that
    # lie more than 2 km from every health station of their municipality.
    flagged = []
    for i, r in hosp.iterrows():
        if "terveys" not in r["name"].lower():
            continue
        same = hs[hs["municipality"] == r["municipality"]]
        d = np.hypot(same["x"] - r["x"], same["y"] - r["y"]).min() if len(same) else np.inf
        if d > 2000:
            hosp.loc[i, "notes"] += (
                f"; coordinate may be approximate: {d / 1000:.1f} km from the nearest health "
                "station of the municipality"
            )
            flagged.append(r["id"])
    build.figures["hospitals"]["approximate_coordinates"] = flagged
    ed = emergency_departments(build, hosp)
    hosp = _date_central_hospital(hosp)
    out = pd.concat([hs, hosp, ed], ignore_index=True)[COLUMNS]
    order = {"emergency_department": 0, "hospital": 1, "health_station": 2}
    out = out.assign(_t=out["type"].map(order)).sort_values(["_t", "id"]).drop(columns="_t")
    out = out.reset_index(drop=True)
    for c in ("valid_from", "valid_to", "capacity"):
        out[c] = pd.array(out[c], dtype="Int64")
    if out["id"].duplicated().any():
        raise BuildError(
            f"duplicate service point ids: {out[out['id'].duplicated()]['id'].tolist()}"
        )
    if not (np.isin(out["municipality"], ALL_CODES)).all():
        raise BuildError("service point outside the region's municipalities")
    build.figures["service_points"] = out["type"].value_counts().sort_index().to_dict()
    build.figures["network_last_year"] = {
        "emergency_department": ED_LIST_YEAR,
        "health_station": int(build.figures["health_station_last_year"]),
        "hospital": HOSPITAL_LIST_YEAR,
    }
    write_csv(build, "service_points.csv", out)
    lav, eu = SOURCES["lavaste"], SOURCES["eurostat"]
    build.record(
        "service_points.csv",
        title="Service points: health stations 2013–2019, hospitals 2019, emergency departments",
        publisher="Kaisa Palo & Konsta Lavaste (health stations; coordinates © OpenStreetMap "
        "contributors); Eurostat GISCO from THL TOPI (hospitals); Wikipedia / Keski-Suomen "
        "sairaanhoitopiiri (Sairaala Nova)",
        licence="health stations: MIT (data) and ODbL (OpenStreetMap coordinates); hospitals: "
        "Eurostat reuse policy (attribution), from THL TOPI (CC BY 4.0); Nova coordinate: a "
        "fact from Wikipedia (CC BY-SA text)",
        source="'Health stations in Finland 2013–2019' (health_stations_Finland_13-19.xlsx and "
        "station coordinates); Eurostat GISCO healthcare services FI.csv (ref_date "
        "2019-01-01); domain-facts S16",
        intermediary=f"health stations: {lav.ref}; hospitals: {eu.ref}",
        intermediary_licence=f"{lav.licence}; {eu.licence}",
        years=[2013, 2021],
        transformation="health stations: one row per station (not per year), names unified "
        "by a listed name → place table (every KS name must match or the build fails); "
        "valid_from = first year seen, valid_to = last year seen, EMPTY = present in 2019, "
        "the last year of the source ('open-ended' means 'present in the last year of the "
        "source', not 'still open today'); provider_kind = private when outsourced to a firm "
        "in the last year seen (organizer and outsourced kept; changes over the years in "
        "notes); coordinates = the latest location (coordinate list matched by name, checked "
        "to lie in the station's municipality). Hospitals: points inside the 23 "
        "municipalities; facility_type kept; valid_from/valid_to empty (the list is a "
        "snapshot at ref_date 2019-01-01) except Keski-Suomen keskussairaala (valid_to 2020) "
        "and Sairaala Nova (added, valid_from 2021, domain-facts S16). Emergency departments: "
        "the central hospital until 2020, Sairaala Nova from 2021. The last year each type's "
        "list describes is in region.yaml (service_network.last_year: health_station "
        f"{build.figures['health_station_last_year']}, hospital {HOSPITAL_LIST_YEAR}, "
        f"emergency_department {ED_LIST_YEAR}); a later year is answered with that year's "
        "list and says so",
        approximations="hospital provider_kind is INFERRED (the source's public_private is "
        "empty): private if facility_type says private, the TOPI organisation id starts with "
        "6 (private providers) or the name has 'Oy'. Hospital bed capacity is not in the "
        "source (capacity empty). Eurostat geocoding quality is unknown (geo_qual = -1); "
        "health-centre wards more than 2 km from every health station of their municipality "
        "say so in notes. Health-station coordinates are OpenStreetMap-derived",
        attribution="Kaisa Palo & Konsta Lavaste, Health stations in Finland 2013–2019 (MIT); "
        "© OpenStreetMap contributors (ODbL); Eurostat GISCO; THL",
    )

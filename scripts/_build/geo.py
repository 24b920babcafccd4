"""Geographic layers: municipalities, postal areas, urban settlements, main roads."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from _build.common import (
    ALL_CODES,
    CODES_22,
    KUHMOINEN,
    SOURCES,
    Build,
    BuildError,
    finish_geometries,
    lonlat_to_3067,
    write_csv,
    write_geojson,
)
from _build.population import municipality_key
from soteplan.region.build._readers import read_postal_key

MML = "National Land Survey of Finland (Maanmittauslaitos, MML/NLS)"
CC_BY = "CC BY 4.0"
#: Simplification tolerances in metres.
MUNI_TOLERANCE_M = 150.0
POSTAL_TOLERANCE_M = 100.0
SETTLEMENT_TOLERANCE_M = 50.0
#: The key year used for the 22 (hospital district and ERVA are set in it) and for Kuhmoinen.
KEY_YEAR_22 = 2022
KEY_YEAR_KUHMOINEN = 2020


def _simplify_coverage(geoms: gpd.GeoSeries, tolerance: float) -> tuple[gpd.GeoSeries, str]:
    """Simplify shared borders once (coverage simplification) when the layer is a coverage."""
    arr = geoms.values
    if bool(shapely.coverage_is_valid(arr)):
        out = shapely.coverage_simplify(arr, tolerance)
        how = f"coverage simplification (shared borders kept), tolerance {tolerance:.0f} m"
    else:
        out = shapely.simplify(arr, tolerance, preserve_topology=True)
        how = f"per-polygon topology-preserving simplification, tolerance {tolerance:.0f} m"
    return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs), how


def _read_mml(build: Build, year: int) -> gpd.GeoDataFrame:
    g = gpd.read_file(build.path("mml-hallinnollisetrajat", f"kuntarajat.{year}.json"))
    g["NATCODE"] = g["NATCODE"].astype(str).str.zfill(3)
    return g.to_crs(3067)


def municipalities(build: Build) -> None:
    """municipalities.csv and municipalities.geojson (23 municipalities)."""
    m23 = _read_mml(build, 2023)
    m21 = _read_mml(build, 2021)
    build.frames["mml_all"] = m23[["NATCODE", "geometry"]]
    region = m23[m23["NATCODE"].isin(ALL_CODES)].set_index("NATCODE").sort_index()
    if list(region.index) != list(ALL_CODES):
        raise BuildError("kuntarajat 2023 lacks some of the 23 municipalities")
    k21 = m21.set_index("NATCODE").loc[KUHMOINEN]
    same = k21.geometry.equals_exact(region.loc[KUHMOINEN].geometry, 1e-6)
    build.figures["kuhmoinen_polygon_2021_equals_2023"] = bool(same)
    build.frames["region_polygons"] = region  # unsimplified, EPSG:3067

    key = municipality_key(build)
    rows = pd.concat(
        [
            key[(key["year"] == KEY_YEAR_22) & key["code"].isin(CODES_22)],
            key[(key["year"] == KEY_YEAR_KUHMOINEN) & (key["code"] == KUHMOINEN)],
        ]
    ).set_index("code")
    if sorted(rows.index) != list(ALL_CODES) or rows.index.duplicated().any():
        raise BuildError("municipality_key rows for the chosen years are incomplete")
    for col in ("seutukunta_code", "sairaanhoitop_name_fi", "erva_name_fi"):
        if rows[col].isna().any():
            raise BuildError(
                f"municipality_key: {col} missing for {list(rows.index[rows[col].isna()])}"
            )
    if (rows.loc[list(CODES_22), "maakunta_code"] != "13").any():
        raise BuildError("municipality_key: a municipality of the 22 is not in maakunta 13")

    c = pd.read_csv(build.path("geofi", "converted", "municipality_central_localities_df.csv"))
    c["code"] = c["kuntatunnus"].astype(str).str.zfill(3)
    c = c[c["code"].isin(ALL_CODES)].set_index("code").sort_index()
    if list(c.index) != list(ALL_CODES):
        raise BuildError("municipality_central_localities_df lacks some of the 23 municipalities")
    cx, cy = lonlat_to_3067(c["X"], c["Y"])
    centres = gpd.GeoSeries(gpd.points_from_xy(cx, cy), index=c.index, crs=3067)
    inside = centres.within(region.geometry.reindex(c.index).buffer(1.0))
    if not inside.all():
        raise BuildError(f"municipal centre outside its municipality: {list(c.index[~inside])}")

    table = pd.DataFrame(
        {
            "code": list(ALL_CODES),
            "name_fi": rows.loc[list(ALL_CODES), "municipality_name_fi"].to_numpy(),
            "name_sv": rows.loc[list(ALL_CODES), "municipality_name_sv"].to_numpy(),
            "subregion_code": rows.loc[list(ALL_CODES), "seutukunta_code"].to_numpy(),
            "subregion_name": rows.loc[list(ALL_CODES), "seutukunta_name_fi"].to_numpy(),
            "hospital_district": rows.loc[list(ALL_CODES), "sairaanhoitop_name_fi"].to_numpy(),
            "erva": rows.loc[list(ALL_CODES), "erva_name_fi"].to_numpy(),
            "land_area_km2": region["LANDAREA"].astype(float).round(2).to_numpy(),
            "total_area_km2": region["TOTALAREA"].astype(float).round(2).to_numpy(),
            "member_from": pd.array([pd.NA] * 23, dtype="Int64"),
            "member_to": pd.array(
                [2020 if code == KUHMOINEN else pd.NA for code in ALL_CODES], dtype="Int64"
            ),
            "centre_x": cx,
            "centre_y": cy,
            "hospital_district_code": rows.loc[list(ALL_CODES), "sairaanhoitop_code"].to_numpy(),
            "erva_code": rows.loc[list(ALL_CODES), "erva_code"].to_numpy(),
            "key_year": [
                KEY_YEAR_KUHMOINEN if code == KUHMOINEN else KEY_YEAR_22 for code in ALL_CODES
            ],
        }
    )
    mismatch = table[table["name_fi"] != region["NAMEFIN"].to_numpy()]
    if len(mismatch):
        raise BuildError(f"geofi and MML names differ: {mismatch['code'].tolist()}")
    build.frames["municipalities"] = table.set_index("code")
    land22 = float(table[table["code"].isin(CODES_22)]["land_area_km2"].sum())
    build.figures["land_area_22_km2"] = round(land22, 2)
    build.figures["total_area_22_km2"] = round(
        float(table[table["code"].isin(CODES_22)]["total_area_km2"].sum()), 2
    )
    write_csv(build, "municipalities.csv", table)

    simp, how = _simplify_coverage(region.geometry, MUNI_TOLERANCE_M)
    geoms = finish_geometries(simp)
    before = int(shapely.get_num_coordinates(region.geometry.values).sum())
    after = int(shapely.get_num_coordinates(geoms.values).sum())
    area_change = float(
        (geoms.area.sum() - region.geometry.area.sum()) / region.geometry.area.sum()
    )
    build.figures["municipality_vertices"] = [before, after]
    build.figures["municipality_area_change_pct"] = round(100 * area_change, 4)
    gdf = gpd.GeoDataFrame(
        {"code": list(ALL_CODES), "name_fi": table["name_fi"].to_numpy()},
        geometry=geoms.to_numpy(),
        crs=3067,
    )
    write_geojson(build, "municipalities.geojson", gdf)

    mml, geofi = SOURCES["mml"], SOURCES["geofi"]
    build.record(
        "municipalities.csv",
        title="Municipalities of Keski-Suomi (22 since 2021, plus Kuhmoinen until 2020)",
        publisher=f"{MML} (areas); Statistics Finland classifications and THL (regional "
        "keys); MML Maastotietokanta (municipal centres)",
        licence=CC_BY,
        source="Areas: MML Kuntajako 1:4 500 000, 2023 (LANDAREA, TOTALAREA, km²). "
        f"Subregion (seutukunta), hospital district and ERVA: geofi municipality_key, year "
        f"{KEY_YEAR_22} for the 22 (the latest year where hospital district and ERVA are set) "
        f"and {KEY_YEAR_KUHMOINEN} for Kuhmoinen (its last year in the region). Centres: "
        "geofi municipality_central_localities_df (MML Maastotietokanta 2025 municipal "
        "centre name points)",
        intermediary=f"areas: {mml.ref}; keys and centres: {geofi.ref}",
        intermediary_licence=f"{mml.licence}; {geofi.licence}",
        years=[KEY_YEAR_KUHMOINEN, 2023],
        transformation="centres projected from WGS84 to EPSG:3067 and rounded to whole "
        "metres (each checked to lie inside its municipality); member_to = 2020 for "
        "Kuhmoinen (moved to Pirkanmaa 1.1.2021), empty = member throughout; key_year says "
        "which municipality_key year gave the subregion, hospital district and ERVA",
        approximations="none",
        attribution="© National Land Survey of Finland; Source: Statistics Finland",
    )
    build.record(
        "municipalities.geojson",
        title="Municipal boundaries (simplified)",
        publisher=MML,
        licence=CC_BY,
        source="MML Kuntajako 1:4 500 000 (general map), 2023; Kuhmoinen from the same 2023 "
        "layer (its 2021 polygon is " + ("identical" if same else "NOT identical — check") + ")",
        intermediary=mml.ref,
        intermediary_licence=mml.licence,
        years=[2023, 2023],
        transformation=f"projected WGS84 → EPSG:3067; {how}; snapped to a 1 m grid; made "
        f"valid. Vertices {before} → {after}; total area change {100 * area_change:.3f} %",
        approximations=f"coarse, generalised boundaries (1:4.5M source: {before} vertices "
        "for 23 municipalities, so borders are schematic): fine for maps and for assigning "
        "points well inside a municipality; near a border use the municipality code carried "
        "by the data (e.g. postal areas, service points) instead",
        attribution="© National Land Survey of Finland",
    )


def postal_areas(build: Build) -> None:
    """postal_areas.csv (centroids, population 2022) and postal_areas.geojson (polygons)."""
    key = read_postal_key(build.path("synthea-fi", "alueryhmittely_posnro_2020_en.csv"))
    key = key[key["municipality"].isin(ALL_CODES)].drop_duplicates("postcode")
    if not key["postcode"].str.fullmatch(r"\d{5}").all():
        raise BuildError("postal key: malformed postcodes")
    pop = pd.read_csv(build.path("geofi", "converted", "statfi_zipcode_population.csv"), dtype=str)
    pop = pop.set_index("posti_alue")["X2022"]
    xy = pd.read_csv(
        build.path("kt162r-pttry", "converted", "zip_coordinates_tm35fin.csv"), dtype=str
    )
    xy = xy.set_index("alue")
    missing = {
        "population": sorted(set(key["postcode"]) - set(pop.index)),
        "centroid": sorted(set(key["postcode"]) - set(xy.index)),
    }
    if any(missing.values()):
        raise BuildError(f"postal areas without data: {missing}")
    out = pd.DataFrame(
        {
            "postcode": key["postcode"].to_numpy(),
            "name": key["name"].to_numpy(),
            "municipality": key["municipality"].to_numpy(),
            "population_2022": pop.reindex(key["postcode"]).astype(int).to_numpy(),
            "x": np.rint(xy.reindex(key["postcode"])["x_zip"].astype(float)).astype(int).to_numpy(),
            "y": np.rint(xy.reindex(key["postcode"])["y_zip"].astype(float)).astype(int).to_numpy(),
        }
    ).sort_values("postcode", ignore_index=True)
    # Centroids must fall inside (or very near) the region's municipalities.
    region = build.frames["region_polygons"]
    pts = gpd.GeoSeries(gpd.points_from_xy(out["x"], out["y"]), crs=3067)
    near = pts.distance(region.geometry.union_all()) < 5_000
    if not near.all():
        raise BuildError(f"postal centroids far outside the region: {out[~near.to_numpy()]}")
    totals = build.frames["totals"]
    t22 = totals[(totals["year"] == 2022)].set_index("municipality")["population"]
    in22 = out["municipality"].isin(CODES_22)
    fig = {
        "areas_23": len(out),
        "areas_22": int(in22.sum()),
        "population_2022_postal_sum_22": int(out.loc[in22, "population_2022"].sum()),
        "population_2022_municipal_sum_22": int(t22.reindex(list(CODES_22)).sum()),
        "population_2022_postal_sum_23": int(out["population_2022"].sum()),
        "population_2022_municipal_sum_23": int(t22.reindex(list(ALL_CODES)).sum()),
    }
    build.figures["postal"] = fig
    write_csv(build, "postal_areas.csv", out)

    polys = gpd.read_file(build.path("postal-areas-honkanen", "postinumerot_geo.json"))
    polys = polys[polys["postinumeroalue"].isin(out["postcode"])].to_crs(3067)
    polys = polys.dissolve(by="postinumeroalue").sort_index()
    if list(polys.index) != list(out["postcode"]):
        raise BuildError("postal polygons missing for some postcodes")
    polys["geometry"] = shapely.make_valid(polys.geometry.values)
    simp, how = _simplify_coverage(polys.geometry, POSTAL_TOLERANCE_M)
    geoms = finish_geometries(simp)
    gdf = gpd.GeoDataFrame(
        {
            "postcode": list(polys.index),
            "name": out["name"].to_numpy(),
            "municipality": out["municipality"].to_numpy(),
            "population_2022": out["population_2022"].to_numpy(),
        },
        geometry=geoms.to_numpy(),
        crs=3067,
    )
    write_geojson(build, "postal_areas.geojson", gdf)
    syn, kt, geofi, hon = (
        SOURCES["synthea"],
        SOURCES["kt162r"],
        SOURCES["geofi"],
        SOURCES["honkanen"],
    )
    build.record(
        "postal_areas.csv",
        title="Postal code areas of the region: population 2022 and centroid",
        publisher="Statistics Finland (Paavo postal-code statistics; postal code → "
        "municipality key 2020)",
        licence=CC_BY,
        source="Key: Statistics Finland 'alueryhmittely_posnro_2020'; population: Statistics "
        "Finland Paavo, 31.12.2022 (geofi statfi_zipcode_population); centroids: Paavo "
        "postal-area centre points in ETRS-TM35FIN (KT162R zip_coordinates)",
        intermediary=f"key: {syn.ref}; population: {geofi.ref}; centroids: {kt.ref}",
        intermediary_licence=f"{syn.licence}; {geofi.licence}; {kt.licence}",
        years=[2020, 2022],
        transformation="key read by field position (header and rows disagree because ELY "
        "names hold commas) and double-encoded names repaired; every postcode whose 2020 "
        f"municipality is one of the 23 kept ({fig['areas_23']} areas, {fig['areas_22']} in the "
        "22); centroids rounded to whole metres",
        approximations="postal areas cross municipal borders, so sums by 'municipality' are "
        f"not municipal totals: 2022 postal sum over the 22 = "
        f"{fig['population_2022_postal_sum_22']:,} vs the municipal total "
        f"{fig['population_2022_municipal_sum_22']:,}",
        attribution="Source: Statistics Finland, Paavo",
    )
    build.record(
        "postal_areas.geojson",
        title="Postal code area polygons (simplified)",
        publisher="Statistics Finland (Paavo postal code areas)",
        licence=CC_BY,
        source="Paavo postal-code areas as simplified in a third-party GeoJSON (year not "
        "stated, 2020s)",
        intermediary=hon.ref + " (postinumerot_geo.json)",
        intermediary_licence=hon.licence,
        years=None,
        transformation=f"projected WGS84 → EPSG:3067; {how}; snapped to 1 m; made valid; "
        "name, municipality and population_2022 repeated from postal_areas.csv",
        approximations="generalised polygons of unknown vintage; for maps, not for exact "
        "assignment",
        attribution="Source: Statistics Finland, Paavo",
    )


def urban_settlements(build: Build) -> None:
    """SYKE YKR urban settlements 2022 that intersect the region."""
    t = gpd.read_file(f"zip://{build.path('syke-ykr', 'YKRTaajamat2022.zip')}")
    if "TM35FIN" not in (t.crs.name if t.crs else ""):
        raise BuildError(f"YKR settlements: unexpected CRS {t.crs}")
    t = t.set_crs(3067, allow_override=True)
    region = build.frames["region_polygons"]
    hit = t[t.intersects(region.geometry.union_all())].copy()
    allm = build.frames["mml_all"]
    cent = gpd.GeoDataFrame(geometry=hit.geometry.centroid, crs=3067)
    j = gpd.sjoin(cent, allm, predicate="within", how="left")
    j = j[~j.index.duplicated()]
    hit["municipality"] = j["NATCODE"].reindex(hit.index)
    outside = hit[~hit["municipality"].isin(ALL_CODES)]
    build.figures["settlements"] = {
        "intersecting": len(hit),
        "centroid_outside_region": sorted(outside["TaajNimi"].str.rstrip(".").tolist()),
    }
    geoms = finish_geometries(
        gpd.GeoSeries(
            shapely.simplify(hit.geometry.values, SETTLEMENT_TOLERANCE_M, preserve_topology=True),
            index=hit.index,
            crs=3067,
        )
    )
    gdf = gpd.GeoDataFrame(
        {
            "id": hit["Ykr22Nro"].astype(int).to_numpy(),
            "name": hit["TaajNimi"].to_numpy(),
            "population_2021": hit["Vaesto21Lk"].astype(int).to_numpy(),
            "municipality": hit["municipality"].to_numpy(),
            "in_region": hit["municipality"].isin(ALL_CODES).to_numpy(),
            "land_area_km2": hit["MaaPAla_km"].astype(float).round(3).to_numpy(),
        },
        geometry=geoms.to_numpy(),
        crs=3067,
    ).sort_values("id", ignore_index=True)
    build.figures["settlements"]["population_2021_in_region"] = int(
        gdf.loc[gdf["in_region"], "population_2021"].sum()
    )
    write_geojson(build, "urban_settlements.geojson", gdf)
    syke = SOURCES["syke"]
    build.record(
        "urban_settlements.geojson",
        title="Urban settlements (taajamat) 2022 intersecting the region",
        publisher="Finnish Environment Institute SYKE and Statistics Finland (YKR)",
        licence=CC_BY,
        source="SYKE YKR taajamat 2022 (YKRTaajamat2022), population 2021 (Vaesto21Lk)",
        intermediary=syke.ref,
        intermediary_licence=syke.licence,
        years=[2021, 2022],
        transformation="kept polygons intersecting the 23 municipalities; municipality = the "
        "municipality (MML 2023) containing the polygon centroid, which can be a neighbour "
        f"(in_region = false for {len(outside)} of {len(hit)}); simplified "
        f"{SETTLEMENT_TOLERANCE_M:.0f} m (topology-preserving), snapped to 1 m",
        approximations="settlement outlines follow the YKR 250 m grid; simplified",
        attribution="SYKE, YKR; Source: Statistics Finland",
    )


def main_roads(build: Build) -> None:
    """Main roads (valtatie, kantatie) of the Keski-Suomi regional map, with its margin."""
    r = gpd.read_file(
        build.path("vayla-mainroads-maailmankartta", "main_roads_valtatie_kantatie.geojson")
    )
    r = r[r["source_map"] == "mk_keski_suomi"].to_crs(3067)
    if set(r["road_class"]) != {"valtatie", "kantatie"}:
        raise BuildError(f"roads: unexpected classes {set(r['road_class'])}")
    geoms = finish_geometries(r.geometry)
    gdf = gpd.GeoDataFrame(
        {"road_class": r["road_class"].to_numpy()}, geometry=geoms.to_numpy(), crs=3067
    )
    gdf = gdf[gdf.geom_type == "LineString"]
    order = np.lexsort((gdf.geometry.bounds["minx"].to_numpy(), gdf["road_class"].to_numpy()))
    gdf = gdf.iloc[order].reset_index(drop=True)
    km = gdf.assign(km=gdf.length / 1000).groupby("road_class")["km"].sum().round(0)
    build.figures["roads"] = {
        "lines": len(gdf),
        "km": {k: int(v) for k, v in km.items()},
        "pixel_size_m": int(r["pixel_size_m"].iloc[0]),
    }
    write_geojson(build, "main_roads.geojson", gdf)
    v = SOURCES["vayla"]
    build.record(
        "main_roads.geojson",
        title="Main roads (valtatiet 1–29, kantatiet 40–99), Keski-Suomi map with margin",
        publisher="Finnish Transport Infrastructure Agency (Väylävirasto), tieosoiteverkko",
        licence=CC_BY,
        source="Väylävirasto road address network, as drawn in a third-party web map "
        "(world_data.js, regional map 'mk_keski_suomi')",
        intermediary=v.ref + " (DERIVED: SVG paths inverted from the map's own projection)",
        intermediary_licence=v.licence,
        years=None,
        transformation="kept source_map == mk_keski_suomi (23.79–27.00 E, 61.45–63.77 N, "
        "including a margin outside the region, useful for routing near the border); "
        "projected CRS84 → EPSG:3067; snapped to 1 m",
        approximations=f"DERIVED and APPROXIMATE: accuracy about one map pixel "
        f"(~{build.figures['roads']['pixel_size_m']} m), paths simplified with a 2-pixel "
        "tolerance, road numbers lost, lines not noded (snap before routing)",
        attribution="Väylävirasto, tieosoiteverkko (CC BY 4.0)",
    )

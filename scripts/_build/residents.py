"""Where residents live: dasymetric resident points and Paavo age bands by postal area.

Method (documented in README "Embedded region data" and in provenance.yaml):

1. Each postal area's 2022 population (Paavo) is the control total.
2. Its settled part: every SYKE YKR urban settlement (2021 population) is cut by the postal
   polygons; a piece gets the settlement's population times its share of the settlement's
   area (uniform density inside a settlement). When the pieces of one postal area hold more
   people than the area has, they are scaled down to the area's total.
3. The remainder (total − settled) is spread over the rest of the postal area (outside every
   settlement) in proportion to the WorldPop 2020 population of the 5-arc-minute cells it
   overlaps, weighted by the overlapping area.
4. One point per settlement piece and one per remainder piece (postal area × WorldPop cell),
   at the piece's centroid (an interior point when the centroid falls outside). Remainder
   pieces under ``MIN_PIECE_KM2`` are dropped and their weight goes to the area's other pieces;
   remainder pieces under ``MIN_POINT_POP`` residents join the nearest larger piece of their
   postal area (population-weighted point), which keeps the origin count near 300.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from _build.common import CODES_22, SOURCES, Build, BuildError, write_csv

#: WorldPop 5-arc-minute cell size, degrees (gridviz tile ``info.json``: resolutionGeo).
WORLDPOP_CELL_DEG = 0.08333333300000001
#: Remainder pieces smaller than this (slivers between polygons) are not points of their own.
MIN_PIECE_KM2 = 0.01
#: Rest pieces with fewer residents are merged into the nearest larger piece of their area.
MIN_POINT_POP = 100.0
#: Paavo release used for postal age bands (the latest in the raw data).
PAAVO_RELEASE = 2017
_AGE_65 = ["X65_69_vuotiaat", "X70_74_vuotiaat", "X75_79_vuotiaat"]
_AGE_75 = ["X75_79_vuotiaat", "X80_84_vuotiaat", "X85_vuotta_tayttaneet"]


def _postal_polygons(build: Build, postal: pd.DataFrame) -> gpd.GeoDataFrame:
    polys = gpd.read_file(build.path("postal-areas-honkanen", "postinumerot_geo.json"))
    polys = polys[polys["postinumeroalue"].isin(postal["postcode"])].to_crs(3067)
    polys = polys.dissolve(by="postinumeroalue").sort_index()
    polys["geometry"] = shapely.make_valid(polys.geometry.values)
    p = postal.set_index("postcode")
    return gpd.GeoDataFrame(
        {
            "postcode": list(polys.index),
            "municipality": p["municipality"].reindex(polys.index).to_numpy(),
            "total": p["population_2022"].reindex(polys.index).astype(float).to_numpy(),
        },
        geometry=polys.geometry.to_numpy(),
        crs=3067,
    )


def _worldpop_cells(build: Build) -> gpd.GeoDataFrame:
    wp = pd.read_csv(
        build.path("worldpop-10km-gaffuri", "converted", "worldpop_5arcmin_KS_margin50km.csv")
    )
    need = {"x", "y", "lon_min", "lat_min", "pop_2020"}
    if not need <= set(wp.columns):
        raise BuildError(f"WorldPop CSV: missing columns {sorted(need - set(wp.columns))}")
    if (wp["pop_2020"] < 0).any() or wp["pop_2020"].isna().any():
        raise BuildError("WorldPop CSV: negative or missing pop_2020")
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    d = WORLDPOP_CELL_DEG
    boxes = [
        shapely.segmentize(shapely.box(lo, la, lo + d, la + d), d / 8)
        for lo, la in zip(wp["lon_min"], wp["lat_min"], strict=True)
    ]
    geoms = shapely.transform(np.asarray(boxes), tr.transform, interleaved=False)
    return gpd.GeoDataFrame(
        {
            "cell": [f"{a}_{b}" for a, b in zip(wp["x"], wp["y"], strict=True)],
            "wpop": wp["pop_2020"].astype(float).to_numpy(),
            "carea": shapely.area(geoms),
        },
        geometry=geoms,
        crs=3067,
    )


def _points(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    c = geoms.centroid
    inside = geoms.contains(c) | (geoms.distance(c) < 1.0)
    pts = c.where(inside, geoms.representative_point())
    return np.rint(pts.x.to_numpy()).astype(int), np.rint(pts.y.to_numpy()).astype(int)


def _merge_small(rp: pd.DataFrame) -> pd.DataFrame:
    """Merge rest pieces under ``MIN_POINT_POP`` residents into the nearest larger one.

    Within one postal area, each small piece joins the nearest piece holding at least
    ``MIN_POINT_POP`` (all pieces form one group when none does); a group's point is the
    population-weighted mean of its pieces' points and its id that of its largest piece.
    """
    parts = []
    for _, g in rp.groupby("postcode", sort=True):
        g = g.sort_values("pop", ascending=False)
        big = g[g["pop"] >= MIN_POINT_POP]
        if big.empty:
            big = g.iloc[:1]
        bx, by = big["x"].to_numpy(float), big["y"].to_numpy(float)
        d = np.hypot(g["x"].to_numpy(float)[:, None] - bx, g["y"].to_numpy(float)[:, None] - by)
        if len(big) == 1 and (g["pop"] < MIN_POINT_POP).all():
            d = np.zeros((len(g), 1))
        grp = big.index.to_numpy()[np.argmin(d, axis=1)]
        g = g.assign(group=grp, wx=g["x"] * g["pop"], wy=g["y"] * g["pop"])
        agg = g.groupby("group").agg(
            pop=("pop", "sum"), wx=("wx", "sum"), wy=("wy", "sum"), n=("pop", "size")
        )
        w = agg["pop"].where(agg["pop"] > 0, 1.0)
        first = g.loc[agg.index]
        first = first.assign(
            pop=agg["pop"].to_numpy(),
            x=np.rint(np.where(agg["pop"] > 0, agg["wx"] / w, first["x"])).astype(int),
            y=np.rint(np.where(agg["pop"] > 0, agg["wy"] / w, first["y"])).astype(int),
            pieces=agg["n"].to_numpy(),
        )
        parts.append(first)
    return pd.concat(parts).drop(columns=["group", "wx", "wy"])


def residents(build: Build) -> None:
    """resident_points.csv (dasymetric origins) and postal_age_bands.csv (Paavo)."""
    postal = pd.read_csv(
        build.out / "postal_areas.csv", dtype={"postcode": str, "municipality": str}
    )
    polys = _postal_polygons(build, postal)
    t = gpd.read_file(f"zip://{build.path('syke-ykr', 'YKRTaajamat2022.zip')}")
    t = t.set_crs(3067, allow_override=True)
    t = t[t.intersects(polys.geometry.union_all())]
    sett = gpd.GeoDataFrame(
        {
            "sid": t["Ykr22Nro"].astype(int).to_numpy(),
            "sname": t["TaajNimi"].astype(str).str.rstrip(".").to_numpy(),
            "spop": t["Vaesto21Lk"].astype(float).to_numpy(),
            "sarea": t.geometry.area.to_numpy(),
        },
        geometry=t.geometry.to_numpy(),
        crs=3067,
    )
    pieces = gpd.overlay(
        polys[["postcode", "municipality", "total", "geometry"]],
        sett,
        how="intersection",
        keep_geom_type=True,
    )
    pieces["est"] = pieces["spop"] * pieces.geometry.area / pieces["sarea"]
    cells = _worldpop_cells(build)
    rest = polys[["postcode", "municipality", "geometry"]].copy()
    rest["geometry"] = rest.geometry.difference(sett.geometry.union_all())
    rest = rest[~rest.geometry.is_empty]
    rp = gpd.overlay(rest, cells, how="intersection", keep_geom_type=True)
    rp = rp[rp.geometry.area >= MIN_PIECE_KM2 * 1e6].copy()
    settled = pieces.groupby("postcode")["est"].sum()
    total = polys.set_index("postcode")["total"]
    # Scaled down to the postal total where the pieces exceed it; scaled up where the
    # postal area lies wholly inside settlements (no remainder area to put anyone in).
    no_rest = ~settled.index.isin(rp["postcode"])
    scale = (total.reindex(settled.index) / settled).where(no_rest, lambda r: r.clip(upper=1.0))
    pieces["pop"] = pieces["est"] * scale.reindex(pieces["postcode"]).to_numpy()
    settled_pop = pieces.groupby("postcode")["pop"].sum().reindex(total.index).fillna(0.0)
    remainder = (total - settled_pop).clip(lower=0.0)

    rp["area"] = rp.geometry.area
    rp["w"] = rp["wpop"] * rp["area"] / rp["carea"]
    # A postal area whose overlapping cells are all empty spreads its remainder by area.
    wsum = rp.groupby("postcode")["w"].transform("sum")
    asum = rp.groupby("postcode")["area"].transform("sum")
    share = np.where(wsum > 0, rp["w"] / wsum.where(wsum > 0, 1.0), rp["area"] / asum)
    rp["pop"] = share * remainder.reindex(rp["postcode"]).to_numpy()

    sx, sy = _points(pieces.geometry)
    rx, ry = _points(rp.geometry)
    rp = _merge_small(rp.assign(x=rx, y=ry))
    rx, ry = rp["x"].to_numpy(), rp["y"].to_numpy()
    out = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": [
                        f"{p}-s{s}" for p, s in zip(pieces["postcode"], pieces["sid"], strict=True)
                    ],
                    "postcode": pieces["postcode"].to_numpy(),
                    "municipality": pieces["municipality"].to_numpy(),
                    "kind": "settlement",
                    "settlement": pieces["sname"].to_numpy(),
                    "population": pieces["pop"].to_numpy(),
                    "x": sx,
                    "y": sy,
                }
            ),
            pd.DataFrame(
                {
                    "id": [f"{p}-r{c}" for p, c in zip(rp["postcode"], rp["cell"], strict=True)],
                    "postcode": rp["postcode"].to_numpy(),
                    "municipality": rp["municipality"].to_numpy(),
                    "kind": "rest",
                    "settlement": "",
                    "population": rp["pop"].to_numpy(),
                    "x": rx,
                    "y": ry,
                }
            ),
        ],
        ignore_index=True,
    )
    out = out[out["population"] >= 0.05].copy()
    # Re-close every postal total exactly after rounding and dropping empty pieces.
    out["population"] = out["population"].round(1)
    got = out.groupby("postcode")["population"].sum()
    fix = (total.reindex(got.index) - got).round(1)
    big = out.sort_values("population").drop_duplicates("postcode", keep="last")
    out.loc[big.index, "population"] = (
        out.loc[big.index, "population"] + fix.reindex(big["postcode"]).to_numpy()
    ).round(1)
    got = out.groupby("postcode")["population"].sum().reindex(total.index).fillna(0.0)
    if (got - total).abs().max() > 0.05 or (out["population"] < 0).any():
        raise BuildError("resident points do not add up to the postal totals")
    if out["id"].duplicated().any():
        raise BuildError("duplicate resident point ids")
    out = out.sort_values("id", ignore_index=True)
    write_csv(build, "resident_points.csv", out)

    in22 = out["municipality"].isin(CODES_22)
    settled_22 = float(out.loc[in22 & (out["kind"] == "settlement"), "population"].sum())
    all_22 = float(out.loc[in22, "population"].sum())
    capped = int((scale < 1.0).sum())
    inside = int(no_rest.sum())
    fig = {
        "points": len(out),
        "settlement_points": int((out["kind"] == "settlement").sum()),
        "rest_points": int((out["kind"] == "rest").sum()),
        "settled_share_22": round(settled_22 / all_22, 4),
        "capped_postal_areas": capped,
    }
    build.figures["residents"] = fig
    syke, hon, geofi = SOURCES["syke"], SOURCES["honkanen"], SOURCES["geofi"]
    build.record(
        "resident_points.csv",
        title="Resident points: where the residents of each postal area live (DERIVED, dasymetric)",
        publisher="DERIVED here from Statistics Finland Paavo (postal population 2022, "
        "postal-area polygons), SYKE/Statistics Finland YKR urban settlements (2021 "
        "population) and WorldPop 2020",
        licence="CC BY 4.0",
        source="postal_areas.csv (Paavo 31.12.2022); SYKE YKR taajamat 2022 (Vaesto21Lk); "
        "WorldPop unconstrained population 2020 aggregated to 5 arc-minutes; Paavo postal "
        "polygons",
        intermediary=f"settlements: {syke.ref}; WorldPop: jgaffuri/worldpop_gridviz@"
        "8609a79f1705e5cc709208a47fa18d26f7525c46 (pub/v1/10km/19/12.parquet, converted); "
        f"polygons: {hon.ref}; population: {geofi.ref}",
        intermediary_licence=f"{syke.licence}; UNCLEAR; {hon.licence}; {geofi.licence}",
        years=[2020, 2022],
        transformation="dasymetric: each postal area's 2022 total is split into (a) the "
        "pieces of YKR settlements inside it, each with the settlement's 2021 population × "
        "its area share (scaled down to the postal total where they exceed it: "
        f"{capped} areas; scaled up to it where the area lies wholly inside settlements: "
        f"{inside} areas), and (b) the remainder spread over the rest of the area by "
        "WorldPop 2020 population × overlapping area of each 5-arc-minute cell; one point "
        "per piece at its centroid (interior point when outside), remainder pieces under "
        f"{MIN_PIECE_KM2} km² dropped, rest pieces under {MIN_POINT_POP:.0f} residents "
        "merged into the nearest larger piece of their area (population-weighted point), "
        "populations rounded to 0.1 and re-closed on the "
        f"postal totals. {fig['points']} points ({fig['settlement_points']} settlement, "
        f"{fig['rest_points']} rest); {fig['settled_share_22'] * 100:.1f} % of the 22 "
        "municipalities' postal population in settlements",
        approximations="DERIVED estimate, not a register count: uniform density inside a "
        "settlement, WorldPop cells of about 4.4 × 9.3 km outside settlements, settlement "
        "populations of 2021 against postal totals of 2022; a piece's point is its centroid",
        attribution="Source: Statistics Finland, Paavo; SYKE, YKR; WorldPop (www.worldpop.org)",
    )
    _postal_age_bands(build, postal)


def _postal_age_bands(build: Build, postal: pd.DataFrame) -> None:
    path = build.path("kt162r-pttry", "converted", "paavo_he_agegroups_by_postcode_2013_2017.csv")
    pv = pd.read_csv(path, dtype={"alue": str})
    pv = pv[pv["paavo_release_year"] == PAAVO_RELEASE]
    pv = pv[pv["alue"].isin(postal["postcode"])].set_index("alue")
    groups = [c for c in pv.columns if c.startswith("X")]
    # Paavo suppresses the age groups of areas with fewer than 30 residents (all empty).
    suppressed = pv[groups].isna().all(axis=1)
    summed = pv[groups].sum(axis=1)
    bad = ~suppressed & ((summed - pv["Asukkaat_yhteensa"]).abs() > 0.5)
    if bad.any():
        raise BuildError(f"Paavo age groups do not add up for {sorted(pv.index[bad])}")
    dates = sorted(pv["population_date"].unique())
    if len(dates) != 1:
        raise BuildError(f"Paavo {PAAVO_RELEASE}: several population dates {dates}")
    out = pd.DataFrame(
        {
            "postcode": pv.index.to_numpy(),
            "year": int(str(dates[0])[:4]),
            "population": pv["Asukkaat_yhteensa"].astype(int).to_numpy(),
            "age_65_plus": pv[_AGE_65 + _AGE_75[1:]]
            .sum(axis=1)
            .where(~suppressed)
            .astype("Int64")
            .array,
            "age_75_plus": pv[_AGE_75].sum(axis=1).where(~suppressed).astype("Int64").array,
        }
    ).sort_values("postcode", ignore_index=True)
    missing = sorted(
        set(postal.loc[postal["population_2022"] > 0, "postcode"]) - set(out["postcode"])
    )
    n_supp = int(suppressed.sum())
    build.figures["postal_age_bands"] = {
        "areas": len(out),
        "suppressed": n_supp,
        "missing_populated": missing,
    }
    write_csv(build, "postal_age_bands.csv", out)
    kt = SOURCES["kt162r"]
    build.record(
        "postal_age_bands.csv",
        title=f"Residents 65+ and 75+ by postal area (Paavo {PAAVO_RELEASE} release)",
        publisher="Statistics Finland (Tilastokeskus), Paavo postal-code statistics",
        licence="CC BY 4.0",
        source=f"Paavo {PAAVO_RELEASE} '1. Asukkaiden ikärakenne' (population on {dates[0]})",
        intermediary=f"{kt.ref} (zip_data_1_he_{PAAVO_RELEASE}.rds, converted to CSV)",
        intermediary_licence=kt.licence,
        years=[int(str(dates[0])[:4]), int(str(dates[0])[:4])],
        transformation="kept the region's postcodes; 65+ = 65-69 … 85+, 75+ = 75-79, 80-84, "
        "85+; checked that the age groups add up to Asukkaat_yhteensa (the build fails "
        f"otherwise); {n_supp} areas under 30 residents have their age groups suppressed by "
        "the publisher (bands left empty). Populated postal areas without a row: "
        f"{', '.join(missing) or 'none'}",
        approximations="none in the file; soteplan uses each area's SHARE of 65+/75+ from it, "
        "rescaled per municipality to the municipal age structure of the year asked "
        "(see region_origins); suppressed or missing areas take their municipality's shares",
        attribution="Source: Statistics Finland, Paavo",
    )

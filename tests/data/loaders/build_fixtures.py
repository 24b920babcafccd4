"""Rebuild the loader test fixtures from the raw open data in ../shared/data/raw.

Run from the repository root:  .venv/bin/python tests/data/loaders/build_fixtures.py

Every fixture is a small excerpt of a real file (bytes copied, or rows selected and
re-written in the same format) or a conversion of real figures to another format;
broken variants change one thing each.  See README.md next to this script.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Polygon

HERE = Path(__file__).resolve().parent
RAW = Path(__file__).resolve().parents[4] / "shared" / "data" / "raw"
KS = ["179", "500", "892"]  # Jyväskylä, Muurame, Uurainen (Keski-Suomi)
NAMES = {
    "179": "Jyväskylä",
    "500": "Muurame",
    "892": "Uurainen",
    "478": "Maarianhamina - Mariehamn",
}


def w(name: str, data: bytes | str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode(encoding))


# --------------------------------------------------------------------- PX
def px() -> None:
    raw = (RAW / "statfin-11rc-national" / "statfin_vaerak_pxt_11rc.px").read_bytes()
    text = raw.decode("iso-8859-15")
    head, data = text.split("DATA=", 1)
    years = [str(y) for y in range(1865, 2024)]
    keep = ["2017", "2018", "2019"]
    lines = [ln for ln in data.strip().rstrip(";").split("\r\n") if ln.strip()]
    assert len(lines) == len(years)
    sel = [lines[years.index(y)].strip() for y in keep]

    def repl(m: re.Match[str]) -> str:
        prefix = m.group(1)
        if "TLIST" in m.group(2):
            return prefix + "TLIST(A1)," + ",".join(f'"{y}"' for y in keep) + ";"
        return prefix + ",".join(f'"{y}"' for y in keep) + ";"

    head = re.sub(
        r'((?:VALUES|TIMEVAL|CODES)(?:\[\w+\])?\("(?:Vuosi|År|Year)"\)=)([^;]*);', repl, head
    )
    good = head + "DATA=\r\n" + "\r\n".join(sel) + ";\r\n"
    w("11rc_2017_2019.px", good, "iso-8859-15")
    # broken variants
    first = sel[0].split(" ")
    w("broken_px_count.px", head + "DATA=\r\n" + " ".join(first[:-1]) + "\r\n"
      + "\r\n".join(sel[1:]) + ";\r\n", "iso-8859-15")  # fmt: skip
    toks = sel[1].split(" ")
    toks[5] = "12x45"
    w("broken_px_value.px", head + "DATA=\r\n" + "\r\n".join([sel[0], " ".join(toks), sel[2]])
      + ";\r\n", "iso-8859-15")  # fmt: skip
    toks = sel[2].split(" ")
    toks[3], toks[4], toks[40] = '".."', '"-"', '"..."'
    w("px_missing_symbols.px", head + "DATA=\r\n" + "\r\n".join([sel[0], sel[1], " ".join(toks)])
      + ";\r\n", "iso-8859-15")  # fmt: skip
    w("broken_px_codepage.px", good.replace('CODEPAGE="iso-8859-15"', 'CODEPAGE="utf-8"'),
      "iso-8859-15")  # fmt: skip
    no_vals = re.sub(r'VALUES\("Ikä"\)=[^;]*;\r\n', "", good)
    w("broken_px_novalues.px", no_vals, "iso-8859-15")


# --------------------------------------------------------------------- CSV
def csv_excerpts() -> None:
    def excerpt(src: Path, areas: list[str], enc: str, sep: str) -> tuple[list[str], str]:
        raw = src.read_bytes().decode(enc)
        nl = "\r\n" if "\r\n" in raw else "\n"
        lines = raw.split(nl)
        out = []
        for ln in lines:
            m = re.match(r'"([^"]*)"' + re.escape(sep), ln)
            if m is None or m.group(1) in areas or m.group(1) in ("Alue",):
                out.append(ln)
        return out, nl

    lines, nl = excerpt(RAW / "statfin-11re" / "005_11re_2019.csv",
                        ["KOKO MAA", "Jyväskylä", "Muurame", "Uurainen",
                         "Maarianhamina - Mariehamn"], "iso-8859-1", ";")  # fmt: skip
    good = nl.join(lines)
    w("11re_2019_excerpt.csv", good, "iso-8859-1")
    lines18, nl18 = excerpt(RAW / "statfin-11re" / "005_11re_2018.csv",
                            ["Jyväskylä", "Muurame"], "iso-8859-1", ",")  # fmt: skip
    w("11re_2018_excerpt.csv", nl18.join(lines18), "iso-8859-1")
    lines20, nl20 = excerpt(RAW / "statfin-11re-2020-finngen" / "11re_2020.csv",
                            ["Jyväskylä", "Muurame"], "utf-8", ",")  # fmt: skip
    w("11re_2020_excerpt.csv", nl20.join(lines20), "utf-8")

    # broken variants of the 2019 excerpt (one change each)
    def variant(name: str, old: str, new: str, count: int = 1) -> None:
        assert old in good, old
        w(name, good.replace(old, new, count), "iso-8859-1")

    variant("broken_csv_negative.csv", '"Muurame";"7";', '"Muurame";"7";-', 1)
    m = re.search(r'"Uurainen";"30";(\d+);', good)
    assert m
    variant("broken_csv_nonnumeric.csv", m.group(0), '"Uurainen";"30";"n/a";')
    variant("broken_csv_unknown_area.csv", '"Uurainen";', '"Uuraisten kunta";', 200)
    m = re.search(r'"Muurame";"Yhteensä";(\d+);(\d+);', good)
    assert m
    variant("broken_csv_age_total.csv", m.group(0),
            f'"Muurame";"Yhteensä";{int(m.group(1)) + 3};{int(m.group(2)) + 3};')  # fmt: skip
    m = re.search(r'"Jyväskylä";"40";(\d+);', good)
    assert m
    variant("broken_csv_sex_total.csv", m.group(0), f'"Jyväskylä";"40";{int(m.group(1)) + 1};')
    w("broken_csv_mojibake.csv", good.encode("utf-8").decode("latin-1"), "utf-8")
    hdr = '"Alue";"Ikä";'
    variant("broken_csv_missing_column.csv", hdr, '"Alue";"Ikäryhmä";')


# --------------------------------------------------------------- JSON-stat
def jsonstat() -> None:
    df = pd.read_csv(RAW / "statfin-11re" / "005_11re_2019.csv", sep=";", skiprows=2,
                     encoding="iso-8859-1", dtype=str)  # fmt: skip
    df = df[df["Alue"].isin([NAMES[c] for c in KS])]
    ages = list(df["Ikä"].unique())
    sexes = [("SSS", "Yhteensä"), ("1", "Miehet"), ("2", "Naiset")]
    cols = {"SSS": "Yhteensä 2019 Väestö 31.12.", "1": "Miehet 2019 Väestö 31.12.",
            "2": "Naiset 2019 Väestö 31.12."}  # fmt: skip
    age_codes = ["SSS" if a == "Yhteensä" else ("100-" if a == "100 -" else f"{int(a):03d}")
                 for a in ages]  # fmt: skip
    values = []
    for code in KS:
        block = df[df["Alue"] == NAMES[code]].set_index("Ikä")
        for _year in ["2019"]:
            for s, _ in sexes:
                for a in ages:
                    values.append(int(block.loc[a, cols[s]]))
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "Väestö 31.12. muuttujina Alue, Vuosi, Sukupuoli, Ikä ja Tiedot",
        "source": "Tilastokeskus",
        "updated": "2020-03-27T06:00:00Z",
        "note": ["Conversion by soteplan of StatFin 11re figures (005_11re_2019.csv) to "
                 "JSON-stat 2.0; the values are Statistics Finland's, CC BY 4.0."],
        "id": ["Alue", "Vuosi", "Sukupuoli", "Ikä", "Tiedot"],
        "size": [len(KS), 1, 3, len(ages), 1],
        "role": {"time": ["Vuosi"], "metric": ["Tiedot"]},
        "dimension": {
            "Alue": {"label": "Alue", "category": {
                "index": {f"KU{c}": i for i, c in enumerate(KS)},
                "label": {f"KU{c}": NAMES[c] for c in KS}}},
            "Vuosi": {"label": "Vuosi", "category": {"index": {"2019": 0},
                                                     "label": {"2019": "2019"}}},
            "Sukupuoli": {"label": "Sukupuoli", "category": {
                "index": {c: i for i, (c, _) in enumerate(sexes)},
                "label": dict(sexes)}},
            "Ikä": {"label": "Ikä", "category": {
                "index": {c: i for i, c in enumerate(age_codes)},
                "label": dict(zip(age_codes, ages, strict=True))}},
            "Tiedot": {"label": "Tiedot", "category": {"index": {"vaesto": 0},
                                                       "label": {"vaesto": "Väestö 31.12."}}},
        },
        "value": values,
    }  # fmt: skip
    w("11re_2019_excerpt.jsonstat.json", json.dumps(doc, ensure_ascii=False, indent=1))
    short = dict(doc, value=values[:-1])
    w("broken_jsonstat_size.json", json.dumps(short, ensure_ascii=False))
    bad = dict(doc, value=[*values[:10], "abc", *values[11:]])
    w("broken_jsonstat_value.json", json.dumps(bad, ensure_ascii=False))


# -------------------------------------------------------------------- grid
def grid() -> None:
    hsy = gpd.read_file(RAW / "hsy-helsinki-grid" / "helsinki_population_grid_2020.gpkg")
    c = hsy.to_crs(3067).geometry.centroid
    x = (np.floor(c.x / 250) * 250).astype(int)
    y = (np.floor(c.y / 250) * 250).astype(int)
    cells = (
        pd.DataFrame({"euref_x": x, "euref_y": y, "vaesto": hsy["population"].astype(int)})
        .groupby(["euref_x", "euref_y"], as_index=False)["vaesto"]
        .sum()
        .sort_values(["euref_y", "euref_x"], ascending=[False, True])
        .reset_index(drop=True)
    )

    def sf(frame: pd.DataFrame, size: int) -> pd.DataFrame:
        trailing = len(str(size)) - len(str(size).rstrip("0"))
        f = 10**trailing
        label = f"{size // 1000}km" if size % 1000 == 0 else f"{size}m"
        out = pd.DataFrame({
            "id_nro": np.arange(1, len(frame) + 1),
            "grd_id": [f"{label}N{yy // f}E{xx // f}" for xx, yy in
                       zip(frame["euref_x"], frame["euref_y"], strict=True)],
            "euref_x": frame["euref_x"], "euref_y": frame["euref_y"],
            "kunta": "091", "vaesto": frame["vaesto"],
        })  # fmt: skip
        for col in ("miehet", "naiset", "ika_0_14", "ika_15_64", "ika_65_"):
            out[col] = -1
        return out

    g250 = sf(cells, 250)
    g250.to_csv(HERE / "grid_250m_helsinki.csv", index=False)
    km = cells.assign(
        euref_x=cells["euref_x"] // 1000 * 1000, euref_y=cells["euref_y"] // 1000 * 1000
    )
    km = km.groupby(["euref_x", "euref_y"], as_index=False)["vaesto"].sum()
    g1k = sf(km, 1000)
    g1k.to_csv(HERE / "grid_1km_helsinki.csv", index=False)
    poly = gpd.GeoDataFrame(
        g250.drop(columns=["euref_x", "euref_y"]).rename(columns={"euref_x": "xkoord"}),
        geometry=[Polygon([(a, b), (a + 250, b), (a + 250, b + 250), (a, b + 250)])
                  for a, b in zip(g250["euref_x"], g250["euref_y"], strict=True)],
        crs=3067,
    )  # fmt: skip
    poly.to_file(HERE / "grid_250m_helsinki.gpkg", layer="vaki2020_250m", driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "crs was not provided": intended here
        poly.set_crs(None, allow_override=True).to_file(
            HERE / "broken_grid_nocrs.gpkg", layer="vaki2020_250m", driver="GPKG"
        )
    b = g250.astype({"ika_0_14": object})
    b.loc[2, "vaesto"] = -7
    b.loc[5, "ika_0_14"] = "abc"
    b.to_csv(HERE / "broken_grid_values.csv", index=False)
    b = g250.copy()
    b["euref_x"] += 125
    b["euref_y"] += 125
    b.drop(columns=["grd_id"]).to_csv(HERE / "broken_grid_centres.csv", index=False)
    b = g250.copy()
    b.loc[3, "grd_id"] = g250.loc[4, "grd_id"]
    b.to_csv(HERE / "broken_grid_grdid.csv", index=False)
    b = g250.copy()
    b.loc[0, ["miehet", "naiset"]] = [10, 10]
    b.to_csv(HERE / "broken_grid_sums.csv", index=False)
    g250.drop(columns=["vaesto"]).to_csv(HERE / "broken_grid_novaesto.csv", index=False)


# -------------------------------------------------------------- boundaries
def _topo_excerpt(src: Path, obj: str, keep: set[str], key: str) -> dict:
    topo = json.loads(src.read_text(encoding="utf-8"))
    geoms = [g for g in topo["objects"][obj]["geometries"]
             if str(g.get("id", g.get("properties", {}).get(key))) in keep
             or str(g.get("properties", {}).get(key)) in keep]  # fmt: skip
    used: dict[int, int] = {}

    def remap(a: object) -> object:
        if isinstance(a, list):
            return [remap(x) for x in a]
        assert isinstance(a, int)
        i = a if a >= 0 else ~a
        j = used.setdefault(i, len(used))
        return j if a >= 0 else ~j

    for g in geoms:
        g["arcs"] = remap(g["arcs"])
    arcs = [None] * len(used)
    for i, j in used.items():
        arcs[j] = topo["arcs"][i]
    return {"type": "Topology", "transform": topo["transform"], "arcs": arcs,
            "objects": {obj: {"type": "GeometryCollection", "geometries": geoms}}}  # fmt: skip


def boundaries() -> None:
    src = json.loads((RAW / "mml-hallinnollisetrajat" / "kuntarajat.2023.json").read_text())
    keep = {"179", "500", "892", "410", "850"}  # Jyväskylä, Muurame, Uurainen, Laukaa, Toivakka
    feats = [f for f in src["features"] if f["properties"]["NATCODE"] in keep]
    fc = {"type": "FeatureCollection", "features": feats}
    w("kuntarajat_2023_ks.geojson", json.dumps(fc, ensure_ascii=False))
    gdf = gpd.GeoDataFrame.from_features(feats, crs=4326).to_crs(3067)
    gdf.to_file(HERE / "kuntarajat_2023_ks.gpkg", layer="kunnat", driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gdf.set_crs(None, allow_override=True).to_file(
            HERE / "broken_bnd_nocrs.gpkg", layer="kunnat", driver="GPKG"
        )
    # EPSG:3067 coordinates written as GeoJSON without a crs member (read as WGS84 → wrong)
    m = json.loads(gdf.to_json())
    m.pop("crs", None)
    w("broken_bnd_metres.geojson", json.dumps(m))
    # a bow-tie: swap two vertices of Muurame's ring
    b = json.loads(json.dumps(fc))
    for f in b["features"]:
        if f["properties"]["NATCODE"] == "500":
            ring = f["geometry"]["coordinates"][0]
            ring[1], ring[3] = ring[3], ring[1]
        if f["properties"]["NATCODE"] == "892":
            f["properties"]["NATCODE"] = "999"
        if f["properties"]["NATCODE"] == "850":
            f["properties"]["NATCODE"] = "410"
    w("broken_bnd_invalid.geojson", json.dumps(b, ensure_ascii=False))
    luc = _topo_excerpt(RAW / "lucified-topojson" / "finland-municipalities-topojson.json",
                        "kuntarajat", keep, "code")  # fmt: skip
    w("lucified_ks.topo.json", json.dumps(luc, ensure_ascii=False))
    yle = _topo_excerpt(RAW / "yle-geodata" / "finland-hva-2021.topo.json", "munis", keep, "id")
    w("yle_hva2021_ks.topo.json", json.dumps(yle, ensure_ascii=False))
    bad = json.loads(json.dumps(luc))
    bad["objects"]["kuntarajat"]["geometries"][0]["arcs"][0][0][0] = 999
    w("broken_bnd_arcs.topo.json", json.dumps(bad, ensure_ascii=False))


# --------------------------------------------------------- service points
def service_points() -> None:
    sys.path.insert(0, str(HERE.parents[2] / "src"))
    from soteplan.region.io import code_for_name

    d = pd.read_csv(RAW / "eurostat-healthcare" / "FI.csv", dtype=str)
    cities = ["Jyväskylä", "Keuruu", "Jämsä", "Äänekoski", "Saarijärvi", "Laukaa"]
    d = d[d["city"].isin(cities)].reset_index(drop=True)
    seq = d.groupby("id").cumcount() + 1
    out = pd.DataFrame({
        "id": "eurostat-" + d["id"] + "-" + seq.astype(str),
        "type": d["facility_type"],
        "name": d["hospital_name"],
        "provider_kind": np.where(d["facility_type"].str.contains("private", case=False),
                                  "private", "public"),
        "municipality": d["city"].map(code_for_name),
        "lat": d["lat"], "lon": d["lon"],
        "postcode": d["postcode"],
        "ref_date": "2019-01-01",
    })  # fmt: skip
    out.to_csv(HERE / "service_points_ks_latlon.csv", index=False)
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, 3067, always_xy=True)
    xs, ys = tr.transform(out["lon"].astype(float).to_numpy(), out["lat"].astype(float).to_numpy())
    xy = out.drop(columns=["lat", "lon"]).assign(x=np.round(xs, 1), y=np.round(ys, 1))
    xy.to_csv(HERE / "service_points_ks_xy.csv", index=False, sep=";")
    b = out.assign(id=d["id"])  # the raw Eurostat ids repeat (one per organisation)
    b.to_csv(HERE / "broken_sp_dup_ids.csv", index=False)
    b = out.copy()
    b.loc[1, "provider_kind"] = "municipal"
    b.loc[2, ["lat", "lon"]] = [out.loc[2, "lon"], out.loc[2, "lat"]]
    b.loc[3, "municipality"] = "999"
    b["valid_from"] = ""
    b["valid_to"] = ""
    b.loc[4, ["valid_from", "valid_to"]] = ["2019", "2015"]
    b.loc[5, "lat"] = "62,2"
    b.to_csv(HERE / "broken_sp_values.csv", index=False)
    out.drop(columns=["provider_kind"]).to_csv(HERE / "broken_sp_missing_column.csv", index=False)


if __name__ == "__main__":
    if not RAW.exists():
        sys.exit(f"raw data not found at {RAW}")
    px()
    csv_excerpts()
    jsonstat()
    grid()
    boundaries()
    service_points()
    print("fixtures written to", HERE)

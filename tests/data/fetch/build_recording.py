"""Rebuild ``recorded-keski-suomi/``: PxWeb and Sotkanet answers in the services' formats.

These are RECONSTRUCTIONS, not captures: no internet reaches this project's machines, so
the answers are written here in the formats the services document (PxWeb API v1 table
metadata and JSON-stat 2.0 answers; Sotkanet REST 1.1 regions, indicator metadata and JSON
values), filled with real published figures that the package already embeds:

* 11re population 31.12.2020 by municipality, sex and age (Statistics Finland, CC BY 4.0);
* the 2019 official projection, sexes combined (Statistics Finland table 128v, CC BY 4.0);
* Sotkanet indicator 761, the demographic dependency ratio, 2012 (THL, CC BY 4.0).

Sotkanet's internal region ids are not in the data: the reconstruction numbers the regions
itself (``/regions`` maps them to official codes, as the real service does).  The POST
bodies are the queries the PxWeb API documents; the replay refuses any other body.

Run: ``python tests/data/fetch/build_recording.py``
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pandas as pd

OUT = Path(__file__).parent / "recorded-keski-suomi"
PX = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin"
SOTKA = "https://sotkanet.fi/rest/1.1"
DATA = Path(str(resources.files("soteplan") / "data" / "keski-suomi"))
NAMES = pd.read_csv(
    Path(str(resources.files("soteplan.region.io") / "municipality_names.csv")),
    comment="#", dtype=str,
).drop_duplicates("code", keep="last").set_index("code")["name_fi"]  # fmt: skip
KS = pd.read_csv(DATA / "municipalities.csv", dtype={"code": str})
CODES = sorted(c for c in KS["code"] if c != "291")  # the 22 of the current division
OTHER = ["091", "837"]  # Helsinki and Tampere: in the metadata, never asked for
AGES = [f"{a:03d}" for a in range(100)] + ["100-"]
AGE_TEXT = [str(a) for a in range(100)] + ["100 -"]


def sel(code: str, values: list[str]) -> dict:
    return {"code": code, "selection": {"filter": "item", "values": values}}


def metadata(title: str, years: list[str], contents: tuple[str, str]) -> dict:
    areas = ["SSS", *(f"KU{c}" for c in sorted([*CODES, *OTHER]))]
    return {
        "title": title,
        "variables": [
            {"code": "Alue", "text": "Alue", "values": areas,
             "valueTexts": ["KOKO MAA", *(NAMES[a[2:]] for a in areas[1:])]},
            {"code": "Vuosi", "text": "Vuosi", "values": years, "valueTexts": years,
             "time": True},
            {"code": "Sukupuoli", "text": "Sukupuoli", "values": ["SSS", "1", "2"],
             "valueTexts": ["Yhteensä", "Miehet", "Naiset"]},
            {"code": "Ikä", "text": "Ikä", "values": ["SSS", *AGES],
             "valueTexts": ["Yhteensä", *AGE_TEXT]},
            {"code": "Tiedot", "text": "Tiedot", "values": [contents[0]],
             "valueTexts": [contents[1]]},
        ],
    }  # fmt: skip


def dataset(label: str, dims: list[tuple[str, list[str], list[str]]], values: list) -> dict:
    return {
        "version": "2.0", "class": "dataset", "label": label, "source": "Tilastokeskus",
        "id": [d[0] for d in dims], "size": [len(d[1]) for d in dims],
        "role": {"time": ["Vuosi"], "metric": ["Tiedot"]},
        "dimension": {
            name: {"label": name, "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": dict(zip(codes, texts, strict=True))}}
            for name, codes, texts in dims
        },
        "value": values,
    }  # fmt: skip


def main() -> None:
    OUT.mkdir(exist_ok=True)
    reqs: list[dict] = []

    def put(method: str, url: str, doc: object, body: dict | None = None) -> None:
        name = f"{len(reqs) + 1:03d}.json"
        (OUT / name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        entry = {"method": method, "url": url, "file": name}
        if body is not None:
            entry["body"] = body
        reqs.append(entry)

    # --- 11re, population 31.12.2020 by age and sex
    url = f"{PX}/vaerak/statfin_vaerak_pxt_11re.px"
    title = "Väestö 31.12. muuttujina Alue, Vuosi, Sukupuoli, Ikä ja Tiedot"
    put("GET", url, metadata(title, [str(y) for y in range(1972, 2021)],
                             ("vaesto", "Väestö 31.12.")))  # fmt: skip
    pop = pd.read_csv(DATA / "population_age_sex.csv", dtype={"municipality": str})
    pop = pop[pop["year"] == 2020].set_index(["municipality", "sex", "age"])["population"]
    areas = [f"KU{c}" for c in CODES]
    body = {"query": [sel("Alue", areas), sel("Vuosi", ["2020"]), sel("Sukupuoli", ["1", "2"]),
                      sel("Ikä", AGES), sel("Tiedot", ["vaesto"])],
            "response": {"format": "json-stat2"}}  # fmt: skip
    values = [int(pop[(c, s, a)]) for c in CODES for s in ("male", "female") for a in range(101)]
    put("POST", url, dataset(title, [
        ("Alue", areas, [NAMES[c] for c in CODES]), ("Vuosi", ["2020"], ["2020"]),
        ("Sukupuoli", ["1", "2"], ["Miehet", "Naiset"]), ("Ikä", AGES, AGE_TEXT),
        ("Tiedot", ["vaesto"], ["Väestö 31.12."])], values), body)  # fmt: skip

    # --- the 2019 official projection (table 128v), sexes combined
    url = f"{PX}/vaenn/statfin_vaenn_pxt_128v.px"
    title = "Väestöennuste 2019: Väestö iän ja sukupuolen mukaan alueittain, 2019-2040"
    years = [str(y) for y in range(2019, 2041)]
    put("GET", url, metadata(title, years, ("vaesto_e19", "Väestöennuste 2019")))
    proj = pd.read_csv(DATA / "population_projection_2019.csv", dtype={"municipality": str})
    proj = proj.set_index(["municipality", "year", "age"])["population"]
    body = {"query": [sel("Alue", areas), sel("Vuosi", years), sel("Sukupuoli", ["SSS"]),
                      sel("Ikä", AGES), sel("Tiedot", ["vaesto_e19"])],
            "response": {"format": "json-stat2"}}  # fmt: skip
    values = [int(proj[(c, int(y), a)]) for c in CODES for y in years for a in range(101)]
    put("POST", url, dataset(title, [
        ("Alue", areas, [NAMES[c] for c in CODES]), ("Vuosi", years, years),
        ("Sukupuoli", ["SSS"], ["Yhteensä"]), ("Ikä", AGES, AGE_TEXT),
        ("Tiedot", ["vaesto_e19"], ["Väestöennuste 2019"])], values), body)  # fmt: skip

    # --- Sotkanet 761 (demographic dependency ratio), 2012
    regions = [{"id": 1000 + i, "title": {"fi": NAMES[c], "sv": NAMES[c], "en": NAMES[c]},
                "code": c, "category": "KUNTA", "uri": None}
               for i, c in enumerate(sorted([*CODES, *OTHER]))]  # fmt: skip
    regions.append(
        {"id": 5, "title": {"fi": "Keski-Suomi"}, "code": "13", "category": "MAAKUNTA", "uri": None}
    )
    put("GET", f"{SOTKA}/regions", regions)
    put("GET", f"{SOTKA}/indicators/761", {
        "id": 761, "title": {"fi": "Huoltosuhde, demografinen", "en": "Demographic dependency"
                             " ratio", "sv": "Försörjningskvot, demografisk"},
        "range": {"start": 1990, "end": 2012}, "decimals": 1,
        "primaryValueType": {"code": "suhde", "title": {"fi": "suhde"}},
        "organization": {"id": 3, "title": {"fi": "Tilastokeskus"}}})  # fmt: skip
    ind = pd.read_csv(DATA / "published_indicators.csv", dtype={"municipality": str})
    ind = ind[(ind["indicator"] == "dependency_ratio_sotkanet") & (ind["year"] == 2012)]
    ids = {r["code"]: r["id"] for r in regions}
    put("GET", f"{SOTKA}/json?indicator=761&years=2012&genders=total", [
        {"indicator": 761, "region": ids[m], "year": 2012, "gender": "total", "value": v}
        for m, v in zip(ind["municipality"], ind["value"], strict=True) if m in ids
    ])  # fmt: skip
    (OUT / "index.json").write_text(
        json.dumps({"note": "RECONSTRUCTION in the services' documented formats, filled with "
                    "real published figures; see tests/data/fetch/build_recording.py",
                    "requests": reqs}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )  # fmt: skip


if __name__ == "__main__":
    main()

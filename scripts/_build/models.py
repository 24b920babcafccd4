"""organisation_models.yaml and region.yaml."""

from __future__ import annotations

from typing import Any

from _build.common import ALL_CODES, CODES_22, Build, BuildError, write_yaml
from _build.services import NOVA_LAT, NOVA_LON, NOVA_NAME, nova_xy

SEED_2010 = (
    "Heikkilä M., 'Ehdotus Keski-Suomen sosiaali- ja terveydenhuollon malliksi, versio 1', "
    "integraatioseminaari 9.11.2010, slide 'Keski-Suomen kunta- ja palvelurakenteet 1.1.2010 "
    "– Sosiaali- ja terveydenhuolto' (transcript in shared/seeds/002); domain-facts §1.2"
)

# Each area: id, name, members, documented host (None → the largest member by population in
# the model's population year is used and the notes say so), area notes.
_Spec = tuple[str, str, tuple[str, ...], str | None, str]

COOPERATION_2010: list[_Spec] = [
    (
        "wiitaunioni",
        "Kinnula–Pihtipudas–Viitasaari (Wiitaunioni)",
        ("931", "601", "256"),
        "931",
        "seed: 'Yhteistoiminta-alue: Kinnula, Pihtipudas ja Viitasaari'; Viitasaari host "
        "(domain-facts S20)",
    ),
    (
        "saarikka",
        "Saarikka",
        ("729", "226", "312", "265", "216"),
        None,
        "seed: 'Perusturvaliikelaitos Saarikka: Saarijärvi, Karstula, Kyyjärvi, Kivijärvi ja "
        "Kannonkoski' (also S19)",
    ),
    (
        "jamsa-kuhmoinen",
        "Jämsä–Kuhmoinen",
        ("182", "291"),
        None,
        "seed: 'Yhteistoiminta-alue: Jämsä ja Kuhmoinen'; not confirmed by any other retrieved "
        "source (domain-facts marks it [U])",
    ),
    (
        "jyvaskyla-host",
        "Jyväskylä host-municipality model (JYTE)",
        ("179", "077", "500", "892"),
        "179",
        "seed: 'Aloittamassa (2011): perusterveydenhuollon isäntäkuntamalli: Hankasalmi, "
        "Muurame ja Uurainen, jossa Jyväskylä isäntäkuntana' — STARTING in 2011",
    ),
    (
        "seututerveyskeskus",
        "Keski-Suomen seututerveyskeskus",
        ("592", "850", "172", "435", "275", "410", "495", "249"),
        None,
        "seed: 'Aloittamassa (2011): sairaanhoitopiirin liikelaitos (Seututerveyskeskus): "
        "Petäjävesi, Toivakka, Joutsa, Luhanka, Konnevesi, Laukaa, Multia ja Keuruu' — "
        "STARTING 1.1.2011 (S18: it did not yet exist in 2010; Keuruu–Multia had a joint "
        "authority before 2011)",
    ),
    (
        "aanekoski",
        "Äänekoski",
        ("992",),
        "992",
        "not in the seed's list of cooperation areas: organised its services alone "
        "(domain-facts §1.2 'own')",
    ),
]

MOF_2012: list[_Spec] = [
    (
        "jyvaskyla",
        "Jyväskylä and neighbours",
        ("179", "077", "172", "410", "435", "500", "592", "850", "892"),
        None,
        "group 1 of the proposal",
    ),
    ("jamsa", "Jämsä–Kuhmoinen", ("182", "291"), None, "group 2 of the proposal"),
    ("saarikka", "Saarikka", ("729", "226", "312", "265", "216"), None, "group 3"),
    (
        "aanekoski-north",
        "Äänekoski–Konnevesi–Pihtipudas–Viitasaari",
        ("992", "275", "601", "931"),
        None,
        "group 4 of the proposal",
    ),
    ("keuruu", "Keuruu (left open)", ("249",), "249", "left open by the proposal"),
    ("multia", "Multia (left open)", ("495",), "495", "left open by the proposal"),
    ("kinnula", "Kinnula (left open)", ("256",), "256", "left open by the proposal"),
]

COUNTY_2023: list[_Spec] = [
    (
        "keski-suomi",
        "Keski-Suomen hyvinvointialue",
        CODES_22,
        "179",
        "one wellbeing services county (code 15) for the 22 municipalities; Jyväskylä is the "
        "seat and the largest municipality",
    ),
]


def _areas(
    build: Build, specs: list[_Spec], pop_year: int
) -> tuple[list[dict[str, Any]], list[str]]:
    totals = build.frames["totals"]
    pop = totals[totals["year"] == pop_year].set_index("municipality")["population"]
    areas, hub_notes = [], []
    for aid, name, members, host, note in specs:
        largest = max(members, key=lambda c: (int(pop[c]), c))
        hub = host or largest
        if host is None:
            hub_notes.append(f"{aid}: hub {hub} = largest member ({pop_year} population)")
        elif host != largest:
            hub_notes.append(f"{aid}: hub {hub} = documented host (largest is {largest})")
        areas.append(
            {
                "id": aid,
                "name": name,
                "hub": hub,
                "members": sorted(members),
                "notes": note,
            }
        )
    return areas, hub_notes


def _check_partition(model: str, areas: list[dict[str, Any]], expected: tuple[str, ...]) -> None:
    seen: list[str] = [m for a in areas for m in a["members"]]
    if sorted(seen) != sorted(expected) or len(seen) != len(set(seen)):
        raise BuildError(f"{model}: areas do not partition the municipalities exactly once")


def organisation_models(build: Build) -> None:
    """Named groupings of municipalities: 2010 cooperation, 2012 MoF proposal, 2023 county."""
    models: dict[str, Any] = {}
    a10, h10 = _areas(build, COOPERATION_2010, 2010)
    _check_partition("cooperation-2010", a10, ALL_CODES)
    models["cooperation-2010"] = {
        "name_fi": "Sosiaali- ja terveydenhuollon yhteistoiminta-alueet 1.1.2010",
        "name_en": "Social and health care cooperation areas, 1 January 2010",
        "year": 2010,
        "source": SEED_2010,
        "status": "partly_unconfirmed",
        "notes": "23 municipalities (Kuhmoinen included). The seed lists the areas as on "
        "1.1.2010, but two of them (the Jyväskylä host-municipality model and the "
        "Seututerveyskeskus) were only starting in 2011, so this is the structure being put "
        "in place in 2010–2011. Unconfirmed parts: Jämsä–Kuhmoinen (seed only) and Äänekoski "
        "alone (inferred: not in the seed's list). Hubs: " + "; ".join(h10) + ".",
        "areas": a10,
    }
    a12, h12 = _areas(build, MOF_2012, 2012)
    _check_partition("mof-merger-2012", a12, ALL_CODES)
    models["mof-merger-2012"] = {
        "name_fi": "Valtiovarainministeriön kuntarakenne-ehdotus 2012 (Keski-Suomi)",
        "name_en": "Ministry of Finance municipal merger proposal 2012 (Keski-Suomi)",
        "year": 2012,
        "source": "MTV3 'Esitys: Keski-Suomen uudet kunnat' (2012), "
        "https://www.mtvuutiset.fi/artikkeli/esitys-keski-suomen-uudet-kunnat/1887740 "
        "(domain-facts S26)",
        "status": "confirmed",
        "notes": "Four merger groups as proposed. Keuruu, Multia and Kinnula were left open "
        "by the proposal; each is put in an area of its own here (our convention, not part "
        "of the proposal). Hubs: " + "; ".join(h12) + ".",
        "areas": a12,
    }
    a23, h23 = _areas(build, COUNTY_2023, 2022)
    _check_partition("county-2023", a23, CODES_22)
    models["county-2023"] = {
        "name_fi": "Keski-Suomen hyvinvointialue",
        "name_en": "Wellbeing services county of Central Finland",
        "year": 2023,
        "source": "Laki hyvinvointialueesta 611/2021; geofi municipality_key (hyvinvointialue 15)",
        "status": "confirmed",
        "notes": "Since 1.1.2023 the county organises all social and health services of the "
        "22 municipalities; Kuhmoinen belongs to Pirkanmaa since 2021. "
        + ("; ".join(h23) if h23 else "Hub 179 = Jyväskylä, seat and largest municipality."),
        "areas": a23,
    }
    key = build.frames["key"]
    k23 = key[(key["year"] == 2023) & key["code"].isin(CODES_22)]
    if set(k23["hyvinvointialue_code"]) != {"15"}:
        raise BuildError("geofi: not every one of the 22 is in hyvinvointialue 15 in 2023")
    build.figures["organisation_models"] = {k: len(v["areas"]) for k, v in models.items()}
    header = (
        "# Organisation models of Keski-Suomi: named groupings of municipalities.\n"
        "# Generated by scripts/build_keski_suomi.py; see PROVENANCE.md. Every municipality of\n"
        "# the model's year is in exactly one area (checked by the build and the tests).\n"
    )
    write_yaml(build, "organisation_models.yaml", {"models": models}, header)
    build.record(
        "organisation_models.yaml",
        title="Organisation models (cooperation areas 2010, merger proposal 2012, county 2023)",
        publisher="compiled here from the cited documents",
        licence="CC BY 4.0 (this compilation); facts from the cited sources",
        source=f"2010: {SEED_2010}. 2012: MTV3 2012 (S26). 2023: law 611/2021 and geofi",
        intermediary="",
        intermediary_licence="",
        years=[2010, 2023],
        transformation="hand-coded membership lists from the cited texts; hubs = documented "
        "host where the source names one, otherwise the largest member by population "
        "(Sotkanet 127 of the model year; 2022 for 2023)",
        approximations="cooperation-2010 is partly_unconfirmed (see its notes); the 2012 "
        "left-open municipalities are singleton areas by convention",
        attribution="",
    )


def region_yaml(build: Build, attribution: list[str]) -> None:
    """region.yaml: identity, CRS, central hospital, population years and attribution."""
    nx, ny = nova_xy()
    years = sorted(build.frames["totals"]["year"].unique())
    data = {
        "id": "keski-suomi",
        "name_fi": "Keski-Suomi",
        "name_sv": "Mellersta Finland",
        "name_en": "Central Finland",
        "maakunta_code": "13",
        "wellbeing_county_code": "15",
        "crs": "EPSG:3067",
        "central_hospital": {
            "name": NOVA_NAME,
            "x": nx,
            "y": ny,
            "lat": NOVA_LAT,
            "lon": NOVA_LON,
            "since": 2021,
        },
        "population_years": [int(years[0]), int(years[-1])],
        "service_network": {
            "last_year": dict(build.figures["network_last_year"]),
            "note": "the last year each service type's list describes; a later year is "
            "answered with that year's list and says so (or refused with --strict-year)",
        },
        "municipalities_current": list(CODES_22),
        "municipalities_former": {
            "291": "Kuhmoinen, member until 31.12.2020 (Pirkanmaa since 2021)"
        },
        "attribution": attribution,
    }
    write_yaml(
        build,
        "region.yaml",
        data,
        "# Keski-Suomi (Central Finland): generated by scripts/build_keski_suomi.py.\n",
    )

"""The wellbeing services counties (hyvinvointialueet), the City of Helsinki and Finland.

The ids are soteplan's names for the 21 wellbeing services counties of the
Act on Wellbeing Services Counties (611/2021), the City of Helsinki (which
organises its own services) and ``finland`` (every mainland municipality).
Membership is never listed here: it is read from the geofi municipality key
(``hyvinvointialue_code`` by year) when a region is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from soteplan.errors import NotFoundError

__all__ = ["COUNTIES", "FINLAND", "County", "find_county"]


@dataclass(frozen=True)
class County:
    """One planning area: a wellbeing services county, Helsinki or the whole mainland."""

    id: str
    #: ``hyvinvointialue_code`` of the geofi key; ``None`` for Finland (all but Åland, 91).
    code: str | None
    name_fi: str
    name_sv: str
    name_en: str
    #: Regional maps (``source_map``) of the main-road file covering the county.
    road_maps: tuple[str, ...]


COUNTIES: tuple[County, ...] = (
    County("ita-uusimaa", "1", "Itä-Uusimaa", "Östra Nyland", "East Uusimaa", ("mk_uusimaa",)),
    County(
        "keski-uusimaa", "2", "Keski-Uusimaa", "Mellersta Nyland", "Central Uusimaa",
        ("mk_uusimaa",),
    ),
    County("lansi-uusimaa", "3", "Länsi-Uusimaa", "Västra Nyland", "West Uusimaa", ("mk_uusimaa",)),
    County("vantaa-kerava", "4", "Vantaa ja Kerava", "Vanda och Kervo", "Vantaa and Kerava",
           ("mk_uusimaa",)),
    County("varsinais-suomi", "5", "Varsinais-Suomi", "Egentliga Finland", "Southwest Finland",
           ("mk_varsinais_suomi",)),
    County("satakunta", "6", "Satakunta", "Satakunta", "Satakunta", ("mk_satakunta",)),
    County("kanta-hame", "7", "Kanta-Häme", "Egentliga Tavastland", "Kanta-Häme",
           ("mk_kanta_hame",)),
    County("pirkanmaa", "8", "Pirkanmaa", "Birkaland", "Pirkanmaa", ("mk_pirkanmaa",)),
    County("paijat-hame", "9", "Päijät-Häme", "Päijänne-Tavastland", "Päijät-Häme",
           ("mk_paijat_hame",)),
    County("kymenlaakso", "10", "Kymenlaakso", "Kymmenedalen", "Kymenlaakso", ("mk_kymenlaakso",)),
    County("etela-karjala", "11", "Etelä-Karjala", "Södra Karelen", "South Karelia",
           ("mk_etela_karjala",)),
    County("etela-savo", "12", "Etelä-Savo", "Södra Savolax", "South Savo", ("mk_etela_savo",)),
    County("pohjois-savo", "13", "Pohjois-Savo", "Norra Savolax", "North Savo",
           ("mk_pohjois_savo",)),
    County("pohjois-karjala", "14", "Pohjois-Karjala", "Norra Karelen", "North Karelia",
           ("mk_pohjois_karjala",)),
    County("keski-suomi", "15", "Keski-Suomi", "Mellersta Finland", "Central Finland",
           ("mk_keski_suomi",)),
    County("etela-pohjanmaa", "16", "Etelä-Pohjanmaa", "Södra Österbotten", "South Ostrobothnia",
           ("mk_etela_pohjanmaa",)),
    County("pohjanmaa", "17", "Pohjanmaa", "Österbotten", "Ostrobothnia", ("mk_pohjanmaa",)),
    County("keski-pohjanmaa", "18", "Keski-Pohjanmaa", "Mellersta Österbotten",
           "Central Ostrobothnia", ("mk_keski_pohjanmaa",)),
    County("pohjois-pohjanmaa", "19", "Pohjois-Pohjanmaa", "Norra Österbotten",
           "North Ostrobothnia", ("mk_pohjois_pohjanmaa",)),
    County("kainuu", "20", "Kainuu", "Kajanaland", "Kainuu", ("mk_kainuu",)),
    County("lappi", "21", "Lappi", "Lappland", "Lapland", ("mk_lappi",)),
    County("helsinki", "90", "Helsinki", "Helsingfors", "City of Helsinki", ("mk_uusimaa",)),
)  # fmt: skip

#: Every mainland municipality (all but Åland, key code 91); roads from the national map.
FINLAND = County("finland", None, "Manner-Suomi", "Fastlandsfinland", "Mainland Finland",
                 ("suomi",))  # fmt: skip

_BY_KEY: dict[str, County] = {}
for _c in (*COUNTIES, FINLAND):
    _BY_KEY[_c.id] = _c
    for _n in (_c.name_fi, _c.name_sv, _c.name_en):
        _BY_KEY.setdefault(_n.casefold(), _c)
    if _c.code is not None:
        _BY_KEY[_c.code] = _c


def find_county(key: str) -> County:
    """A county by id (``etela-savo``), key code (``12``) or name (``Etelä-Savo``)."""
    c = _BY_KEY.get(str(key).strip().casefold()) or _BY_KEY.get(str(key).strip().lstrip("0"))
    if c is None:
        raise NotFoundError(
            f"no wellbeing services county {key!r}: give an id "
            f"({', '.join(x.id for x in COUNTIES)}, finland), a code (1–21, 90) or a name"
        )
    return c

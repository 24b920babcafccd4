"""Statistics Finland's PxWeb API: population by age (11re) and the official projection.

Both tables are asked in two steps, as the PxWeb API documents: a ``GET`` of the table's
metadata (its variables and their value codes, so the latest year is known), then a
``POST`` of a JSON query answered in JSON-stat 2.0, which :func:`soteplan.region.io.read_pxweb`
parses like any other StatFin export.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import DataError, DataProblem, NotFoundError, ParameterError
from soteplan.fetch._transport import Transport
from soteplan.region.io import population_from_11re, read_pxweb

__all__ = [
    "PXWEB_BASE",
    "TABLE_11RE",
    "TABLE_PROJECTION",
    "PxTable",
    "fetch_population",
    "fetch_projection",
    "table_metadata",
]

#: Root of Statistics Finland's PxWeb API (StatFin database, Finnish labels).
PXWEB_BASE = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin"
#: Population by single year of age and sex by area, 31 December (StatFin 11re).
TABLE_11RE = "vaerak/statfin_vaerak_pxt_11re.px"
#: The latest official population projection by area, age and sex (Väestöennuste 2024).
TABLE_PROJECTION = "vaenn/statfin_vaenn_pxt_14wx.px"


@dataclass(frozen=True)
class PxTable:
    """The metadata of one PxWeb table: title and value codes of each variable."""

    url: str
    title: str
    variables: dict[str, list[str]]

    def values(self, code: str) -> list[str]:
        """Value codes of the variable ``code``."""
        try:
            return self.variables[code]
        except KeyError:
            raise DataError(
                [
                    DataProblem(
                        self.url,
                        None,
                        code,
                        f"the table has no variable {code!r} (it has {', '.join(self.variables)})",
                    )
                ]
            ) from None


def _json(raw: bytes, source: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([DataProblem(source, None, None, f"not a JSON answer: {exc}")]) from None


def table_metadata(transport: Transport, table: str, *, base: str = PXWEB_BASE) -> PxTable:
    """GET a PxWeb table's metadata (title, variables and their value codes)."""
    url = f"{base}/{table}"
    doc = _json(transport.get(url), url)
    variables = doc.get("variables") if isinstance(doc, dict) else None
    if not isinstance(variables, list) or not variables:
        raise DataError(
            [DataProblem(url, None, "variables", "not PxWeb table metadata (no variables)")]
        )
    out: dict[str, list[str]] = {}
    for i, v in enumerate(variables, start=1):
        if not isinstance(v, dict) or "code" not in v or not isinstance(v.get("values"), list):
            raise DataError(
                [DataProblem(url, i, "variables", "each variable needs a code and values")]
            )
        out[str(v["code"])] = [str(x) for x in v["values"]]
    return PxTable(url=url, title=str(doc.get("title", table)), variables=out)


def _selection(code: str, values: list[str]) -> dict[str, Any]:
    return {"code": code, "selection": {"filter": "item", "values": values}}


def _areas(meta: PxTable, codes: list[str]) -> list[str]:
    have = set(meta.values("Alue"))
    wanted = [f"KU{c}" for c in codes]
    missing = [w for w in wanted if w not in have]
    if missing:
        raise NotFoundError(
            f"{meta.url} has no municipality {', '.join(m[2:] for m in missing)} in its "
            "current division (merged or renamed?); the region's municipality list needs "
            "updating first"
        )
    return wanted


def _year(meta: PxTable, year: int | None) -> int:
    years = sorted(int(y) for y in meta.values("Vuosi") if y.isdigit())
    if not years:
        raise DataError([DataProblem(meta.url, None, "Vuosi", "the table lists no years")])
    if year is None:
        return years[-1]
    if year not in years:
        raise ParameterError(f"{meta.url} has years {years[0]}–{years[-1]}; no {year}")
    return year


def _save(raw: bytes, raw_dir: Path, name: str) -> Path:
    raw_dir.mkdir(parents=True, exist_ok=True)
    path = raw_dir / name
    path.write_bytes(raw)
    return path


def fetch_population(
    transport: Transport,
    codes: list[str],
    raw_dir: Path,
    *,
    year: int | None = None,
    base: str = PXWEB_BASE,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Population by municipality, sex and single year of age (11re), latest year by default.

    Parameters
    ----------
    transport
        How to reach the API (:class:`~soteplan.fetch.HttpTransport` or a recording).
    codes
        3-digit municipality codes.
    raw_dir
        Where the JSON-stat answer is kept (the region directory's ``fetched/``).
    year
        A year of the table; default the latest it has.

    Returns
    -------
    (frame, meta)
        Columns ``municipality, year, sex, age, population`` (as
        :func:`~soteplan.region.io.population_from_11re`), and what was asked.
    """
    meta = table_metadata(transport, TABLE_11RE, base=base)
    y = _year(meta, year)
    ages = [a for a in meta.values("Ikä") if a != "SSS"]
    sexes = [s for s in meta.values("Sukupuoli") if s != "SSS"]
    contents = meta.values("Tiedot")
    query = {
        "query": [
            _selection("Alue", _areas(meta, codes)),
            _selection("Vuosi", [str(y)]),
            _selection("Sukupuoli", sexes),
            _selection("Ikä", ages),
            _selection("Tiedot", ["vaesto"] if "vaesto" in contents else contents[:1]),
        ],
        "response": {"format": "json-stat2"},
    }
    raw = transport.post_json(meta.url, query)
    path = _save(raw, raw_dir, f"statfin_11re_{y}.json")
    frame = population_from_11re(read_pxweb(path, fmt="json-stat"))
    got = sorted(frame["municipality"].unique())
    if got != sorted(codes):
        raise DataError(
            [
                DataProblem(
                    path.name,
                    None,
                    "Alue",
                    f"answer covers {len(got)} of {len(codes)} municipalities",
                )
            ]
        )
    return frame, {"url": meta.url, "title": meta.title, "year": y, "file": path.name}


def fetch_projection(
    transport: Transport,
    codes: list[str],
    raw_dir: Path,
    *,
    table: str = TABLE_PROJECTION,
    base: str = PXWEB_BASE,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The official population projection by municipality, year and age (sexes together).

    Returns
    -------
    (frame, meta)
        Columns ``municipality, year, age, population``; ``meta["name"]`` is
        ``"statfin-<projection year>"`` (taken from the table title, e.g. "Väestöennuste
        2024 …"), the name under which :meth:`Region.projection` finds it.
    """
    meta = table_metadata(transport, table, base=base)
    m = re.search(r"(19|20)\d{2}", meta.title)
    if m is None:
        raise DataError(
            [DataProblem(meta.url, None, "title", f"no projection year in {meta.title!r}")]
        )
    made = int(m.group(0))
    sexes = meta.values("Sukupuoli")
    contents = meta.values("Tiedot")
    query = {
        "query": [
            _selection("Alue", _areas(meta, codes)),
            _selection("Vuosi", [y for y in meta.values("Vuosi") if y.isdigit()]),
            _selection("Sukupuoli", ["SSS"] if "SSS" in sexes else sexes),
            _selection("Ikä", [a for a in meta.values("Ikä") if a != "SSS"]),
            _selection("Tiedot", contents[:1]),
        ],
        "response": {"format": "json-stat2"},
    }
    raw = transport.post_json(meta.url, query)
    path = _save(raw, raw_dir, f"statfin_projection_{made}.json")
    df = read_pxweb(path, fmt="json-stat", labels="code")
    problems: list[DataProblem] = []
    for col in ("Alue", "Vuosi", "Ikä"):
        if col not in df.columns:
            problems.append(DataProblem(path.name, None, col, "missing dimension"))
    if problems:
        raise DataError(problems)
    if "Sukupuoli" in df.columns and "SSS" not in sexes:
        df = df.groupby(["Alue", "Vuosi", "Ikä"], as_index=False)["value"].sum(min_count=1)
    age = pd.to_numeric(df["Ikä"].str.extract(r"^(\d+)")[0], errors="coerce")
    bad = df["value"].isna() | age.isna() | ~df["Alue"].str.fullmatch(r"KU\d{3}")
    for pos in list(bad[bad].index)[:20]:
        problems.append(
            DataProblem(path.name, int(pos) + 1, "value", "missing value, age or area code")
        )
    if problems:
        raise DataError(problems)
    out = pd.DataFrame(
        {
            "municipality": df["Alue"].str[2:],
            "year": df["Vuosi"].astype(int),
            "age": age.clip(upper=100).astype("int64"),
            "population": df["value"].round().astype("int64"),
        }
    )
    out = out.groupby(["municipality", "year", "age"], as_index=False)["population"].sum()
    return out, {
        "url": meta.url,
        "title": meta.title,
        "name": f"statfin-{made}",
        "made": made,
        "years": [int(out["year"].min()), int(out["year"].max())],
        "file": path.name,
    }

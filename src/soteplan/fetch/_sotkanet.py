"""THL's Sotkanet REST API (version 1.1): indicators by municipality and year.

Three calls, as the API documents: ``/regions`` (Sotkanet's own region ids and the official
codes behind them), ``/indicators/{id}`` (title and the years it has) and
``/json?indicator=…&years=…&genders=total`` (the values).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import DataError, DataProblem, NotFoundError
from soteplan.fetch._transport import Transport

__all__ = ["KNOWN_INDICATORS", "SOTKANET_BASE", "fetch_indicators"]

#: Root of the Sotkanet REST API.
SOTKANET_BASE = "https://sotkanet.fi/rest/1.1"

#: Sotkanet ids whose values the region tables already carry under a name of their own.
KNOWN_INDICATORS: dict[int, tuple[str, str]] = {
    761: ("dependency_ratio_sotkanet", "(0-14 + 65+) per 100 aged 15-64"),
}


def _json(raw: bytes, source: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([DataProblem(source, None, None, f"not a JSON answer: {exc}")]) from None


def _municipal_regions(transport: Transport, base: str) -> dict[int, str]:
    url = f"{base}/regions"
    doc = _json(transport.get(url), url)
    if not isinstance(doc, list):
        raise DataError([DataProblem(url, None, None, "expected a list of regions")])
    out: dict[int, str] = {}
    for i, r in enumerate(doc, start=1):
        if not isinstance(r, dict) or "id" not in r or "code" not in r:
            raise DataError([DataProblem(url, i, None, "a region needs id and code")])
        if str(r.get("category", "")).upper() == "KUNTA":
            out[int(r["id"])] = str(r["code"]).zfill(3)
    if not out:
        raise DataError([DataProblem(url, None, "category", "no municipal (KUNTA) regions")])
    return out


def fetch_indicators(
    transport: Transport,
    indicators: list[int],
    codes: list[str],
    raw_dir: Path,
    *,
    years: list[int] | None = None,
    base: str = SOTKANET_BASE,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Values of Sotkanet ``indicators`` for the municipalities ``codes``.

    Parameters
    ----------
    years
        Years to fetch; default the latest year each indicator has.

    Returns
    -------
    (frame, metas)
        Columns ``municipality, year, indicator, value, unit, source`` (the layout of the
        region's ``published_indicators.csv``), and per indicator its id, title and years.
    """
    regions = _municipal_regions(transport, base)
    wanted = set(codes)
    frames: list[pd.DataFrame] = []
    metas: list[dict[str, Any]] = []
    raw_dir.mkdir(parents=True, exist_ok=True)
    for ind in indicators:
        murl = f"{base}/indicators/{ind}"
        md = _json(transport.get(murl), murl)
        if not isinstance(md, dict) or "range" not in md:
            raise DataError([DataProblem(murl, None, "range", "not Sotkanet indicator metadata")])
        title = md.get("title", {})
        title_fi = str(title.get("fi", ind)) if isinstance(title, dict) else str(title)
        end = int(md["range"]["end"])
        ys = years or [end]
        query = "&".join([f"indicator={ind}", *(f"years={y}" for y in ys), "genders=total"])
        durl = f"{base}/json?{query}"
        raw = transport.get(durl)
        (raw_dir / f"sotkanet_{ind}_{'-'.join(map(str, ys))}.json").write_bytes(raw)
        doc = _json(raw, durl)
        if not isinstance(doc, list):
            raise DataError([DataProblem(durl, None, None, "expected a list of values")])
        name, unit = KNOWN_INDICATORS.get(ind, (f"sotkanet_{ind}", title_fi))
        rows = []
        for i, d in enumerate(doc, start=1):
            if not isinstance(d, dict) or not {"region", "year", "value"} <= set(d):
                raise DataError([DataProblem(durl, i, None, "a value needs region, year, value")])
            code = regions.get(int(d["region"]))
            if code in wanted and str(d.get("gender", "total")) == "total":
                rows.append(
                    {
                        "municipality": code,
                        "year": int(d["year"]),
                        "indicator": name,
                        "value": float(d["value"]),
                        "unit": unit,
                        "source": f"thl-sotkanet-{ind}",
                    }
                )
        if not rows:
            raise NotFoundError(
                f"Sotkanet indicator {ind} has no municipal values for {ys} in this region"
            )
        frames.append(pd.DataFrame(rows))
        metas.append({"indicator": ind, "title": title_fi, "years": ys, "url": durl})
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame, metas

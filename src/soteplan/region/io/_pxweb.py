"""StatFin PxWeb exports: PX files, PxWeb CSV (with title lines) and JSON-stat2."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from soteplan.errors import DataError, DataProblem

from ._common import Problems, decode_text, source_name
from ._px import PX_MISSING, parse_px

__all__ = ["read_pxweb"]

_DELIMS = (";", ",", "\t")
_SEX_WORDS = {
    "yhteensä": "Yhteensä", "miehet": "Miehet", "naiset": "Naiset",
    "total": "Total", "males": "Males", "females": "Females", "men": "Males", "women": "Females",
    "totalt": "Totalt", "män": "Män", "kvinnor": "Kvinnor",
}  # fmt: skip
_MISSING = PX_MISSING | {"-", ""}


def read_pxweb(
    path: str | Path,
    *,
    fmt: Literal["auto", "px", "csv", "json-stat"] = "auto",
    encoding: str | None = None,
    language: str | None = None,
    labels: Literal["text", "code"] = "text",
    dash: Literal["missing", "zero"] = "missing",
) -> pd.DataFrame:
    """Read a StatFin (PxWeb) export into a tidy long table.

    Parameters
    ----------
    path
        A PX file, a PxWeb CSV export (``;``, ``,`` or tab separated, UTF-8 or
        ISO-8859-1, with or without title lines above the header and footnotes
        below the data) or a JSON-stat 2.0 dataset.
    fmt
        Format; ``"auto"`` detects it from the content (``{`` → JSON-stat, a first
        statement ``KEYWORD=...;`` → PX, otherwise CSV).
    encoding
        Text encoding; by default PX uses its ``CODEPAGE`` and CSV/JSON are
        detected (UTF-8 if valid, else Windows-1252/ISO-8859-1).
    language
        PX only: language of names and labels (``"fi"``, ``"sv"``, ``"en"``).
    labels
        PX / JSON-stat: ``"text"`` category labels or ``"code"`` category codes.
    dash
        How ``"-"`` (PX *nil*) is read: missing (default) or 0.

    Returns
    -------
    pandas.DataFrame
        One string column per dimension plus ``value`` (float64, NaN where the
        source says ``.``/``..``/``...``/``-``).  For CSV exports the stub
        columns keep their header names (``"Alue"``, ``"Ikä"``) and each wide
        value column label is split into ``sex``, ``year`` and ``contents``
        where it has that StatFin shape (``"Miehet 2019 Väestö 31.12."``),
        otherwise into one ``contents`` column.  ``df.attrs["meta"]`` records
        the source file, format, encoding, title lines and missing-cell counts.

    Raises
    ------
    DataError
        Undecodable text, unparseable structure, a wrong number of cells, or
        non-numeric values (each named by data row and column).
    """
    p = Path(path)
    source = source_name(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataError([DataProblem(source, None, None, f"cannot read file: {exc}")]) from None
    kind = fmt if fmt != "auto" else _detect(raw)
    if kind == "px":
        frame, meta = parse_px(
            raw, source, language=language, labels=labels, dash=dash, encoding=encoding
        )
    elif kind == "json-stat":
        frame, meta = _read_jsonstat(raw, source, labels=labels, encoding=encoding)
    elif kind == "csv":
        frame, meta = _read_csv(raw, source, encoding=encoding, dash=dash)
    else:
        raise DataError([DataProblem(source, None, None, f"unknown format {fmt!r}")])
    meta["path"] = str(p)
    frame.attrs["meta"] = meta
    return frame


def _detect(raw: bytes) -> str:
    head = raw[:2000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "json-stat"
    if re.match(rb"[A-Z][A-Z0-9-]*(\[[^\]]*\])?(\([^)]*\))?\s*=\s*[^;]*;", head):
        return "px"
    return "csv"


# --------------------------------------------------------------------------- CSV


def _fields(line: str, delim: str) -> list[str]:
    return next(csv.reader([line], delimiter=delim, quotechar='"'), [])


def _read_csv(
    raw: bytes, source: str, *, encoding: str | None, dash: str
) -> tuple[pd.DataFrame, dict[str, object]]:
    text, used = decode_text(raw, source, encoding)
    lines = text.splitlines()
    titles: list[str] = []
    header_idx = -1
    delim = ","
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        counts = {d: len(_fields(line, d)) for d in _DELIMS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best] >= 2:
            header_idx, delim = i, best
            break
        titles.append(_fields(line, ",")[0] if line.strip() else "")
    if header_idx < 0:
        raise DataError(
            [DataProblem(source, None, None, "no header line with two or more columns found")]
        )
    header = [h.strip() for h in _fields(lines[header_idx], delim)]
    problems = Problems(source)
    rows: list[list[str]] = []
    footer: list[str] = []
    for line in lines[header_idx + 1 :]:
        if footer:
            footer.append(line)
            continue
        if not line.strip():
            footer.append(line)
            continue
        rows.append(_fields(line, delim))
    footer = [f for f in footer if f.strip()]
    # a wrong field count inside the data block is an error; after a blank line it is a footnote
    for r, row in enumerate(rows, start=1):
        if len(row) != len(header):
            problems.add(
                r, None, f"{len(row)} fields but the header has {len(header)} ({delim!r}-separated)"
            )
    problems.raise_if_any()
    table = pd.DataFrame(rows, columns=pd.Index(header), dtype="string")
    # stub columns: PxWeb quotes labels and leaves numbers bare; else by content
    n_stub = _count_quoted_stub(lines[header_idx + 1 : header_idx + 1 + len(rows)], delim)
    if n_stub is None:
        n_stub = _count_stub_columns(table)
    if n_stub == len(header):
        n_stub = len(header) - 1
    stub_cols = header[:n_stub]
    value_cols = header[n_stub:]
    parts = _split_value_labels(value_cols)
    pieces = []
    n_missing = 0
    for col in value_cols:
        s = table[col].str.strip()
        miss = s.isin(list(_MISSING - ({"-"} if dash == "zero" else set())))
        nums = pd.to_numeric(s.where(~miss).str.replace(" ", "", regex=False), errors="coerce")
        if dash == "zero":
            nums = nums.mask(s == "-", 0.0)
        bad = nums.isna() & ~miss & ~(s == "-")
        for pos in np.flatnonzero(bad.to_numpy()):
            problems.add(
                int(pos) + 1,
                col,
                f"{table[col].iloc[pos]!r} is not a number nor a missing-value symbol "
                "('..', '...', '-')",
                kind="nonnum",
            )
        n_missing += int(miss.sum())
        piece = table[stub_cols].copy()
        for k, v in parts[col].items():
            piece[k] = v
        piece["value"] = nums.astype("float64").to_numpy()
        pieces.append(piece)
    problems.raise_if_any()
    frame = pd.concat(pieces, ignore_index=True)
    for c in frame.columns:
        if c != "value":
            frame[c] = frame[c].astype("string")
    meta: dict[str, object] = {
        "source": source,
        "format": "PxWeb CSV",
        "encoding": used,
        "delimiter": delim,
        "title": " / ".join(t for t in titles if t),
        "title_lines": len(titles),
        "footnotes": footer,
        "stub": stub_cols,
        "value_columns": value_cols,
        "missing_cells": n_missing,
    }
    return frame, meta


def _quoted_flags(line: str, delim: str) -> list[bool]:
    """Whether each field of a CSV line is quoted."""
    flags: list[bool] = []
    i, n = 0, len(line)
    while i <= n:
        quoted = i < n and line[i] == '"'
        if quoted:
            j = i + 1
            while True:
                j = line.find('"', j)
                if j < 0:
                    j = n
                    break
                if j + 1 < n and line[j + 1] == '"':
                    j += 2
                    continue
                break
            i = j + 1
        flags.append(quoted)
        k = line.find(delim, i)
        i = n + 1 if k < 0 else k + 1
    return flags


def _count_quoted_stub(lines: list[str], delim: str) -> int | None:
    """Leading columns quoted in most rows (PxWeb's stub), or None if quoting says nothing."""
    sample = [_quoted_flags(ln, delim) for ln in lines[:500] if ln.strip()]
    if not sample:
        return None
    width = max(len(f) for f in sample)
    share = [sum(1 for f in sample if k < len(f) and f[k]) / len(sample) for k in range(width)]
    n = 0
    while n < width and share[n] >= 0.5:
        n += 1
    if n == 0 or n == width or any(v >= 0.5 for v in share[n:]):
        return None
    return n


def _count_stub_columns(table: pd.DataFrame) -> int:
    """Leading columns that are not all numeric / missing (the stub variables)."""
    n = 0
    for col in table.columns:
        s = table[col].str.strip()
        numeric = pd.to_numeric(s.where(~s.isin(list(_MISSING))), errors="coerce")
        if bool((numeric.notna() | s.isin(list(_MISSING))).all()) and n > 0:
            break
        n += 1
    return n


def _split_value_labels(labels: list[str]) -> dict[str, dict[str, str]]:
    """Split ``"Miehet 2019 Väestö 31.12."`` into sex / year / contents when all fit."""
    out: dict[str, dict[str, str]] = {}
    pat = re.compile(r"^(?:(?P<sex>\S+)\s+)?(?P<year>(?:18|19|20)\d\d)\s+(?P<contents>.+)$")
    ok = True
    for lab in labels:
        m = pat.match(lab)
        if m is None or (m["sex"] is not None and m["sex"].casefold() not in _SEX_WORDS):
            ok = False
            break
        d = {"year": m["year"], "contents": m["contents"]}
        if m["sex"] is not None:
            d["sex"] = m["sex"]
        out[lab] = d
    if ok and len({tuple(sorted(d)) for d in out.values()}) == 1:
        return {lab: ({"sex": d["sex"]} if "sex" in d else {}) | {"year": d["year"],
                "contents": d["contents"]} for lab, d in out.items()}  # fmt: skip
    return {lab: {"contents": lab} for lab in labels}


# ---------------------------------------------------------------------- JSON-stat


def _read_jsonstat(
    raw: bytes, source: str, *, labels: str, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, object]]:
    text, used = decode_text(raw, source, encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            [DataProblem(source, None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}")]
        ) from None
    problems = Problems(source)
    if isinstance(doc, dict) and doc.get("class") == "collection":
        items = doc.get("link", {}).get("item", [])
        datasets = [d for d in items if isinstance(d, dict) and d.get("class") == "dataset"]
        doc = datasets[0] if len(datasets) == 1 else doc
    # JSON-stat 1.x bundle: {"name": {dataset}}
    if isinstance(doc, dict) and doc.get("class") != "dataset" and len(doc) == 1:
        inner = next(iter(doc.values()))
        if isinstance(inner, dict) and "dimension" in inner:
            doc = inner
    if not isinstance(doc, dict) or "dimension" not in doc or "value" not in doc:
        raise DataError(
            [
                DataProblem(
                    source,
                    None,
                    "class",
                    'not a JSON-stat dataset: expected an object with "class": "dataset", '
                    '"id", "size", "dimension" and "value"',
                )
            ]
        )
    dims: dict[str, Any] = doc["dimension"]
    ids = doc.get("id") or dims.get("id")
    sizes = doc.get("size") or dims.get("size")
    for key, val in (("id", ids), ("size", sizes)):
        if not isinstance(val, list):
            problems.add(None, key, f'missing or invalid "{key}" list')
    problems.raise_if_any()
    assert isinstance(ids, list) and isinstance(sizes, list)  # for mypy; checked above
    if len(ids) != len(sizes):
        problems.add(None, "size", f'"id" has {len(ids)} dimensions but "size" {len(sizes)}')
    cats: list[list[str]] = []
    names: list[str] = []
    for dim_id, size in zip(ids, sizes, strict=False):
        d = dims.get(dim_id)
        if not isinstance(d, dict) or "category" not in d:
            problems.add(None, f"dimension.{dim_id}", "dimension missing or has no category")
            cats.append([])
            continue
        cat = d["category"]
        index = cat.get("index")
        lab = cat.get("label", {})
        if index is None:
            codes = list(lab)
        elif isinstance(index, list):
            codes = [str(c) for c in index]
        else:
            codes = [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
        if len(codes) != size:
            problems.add(
                None, f"dimension.{dim_id}", f"{len(codes)} categories but size says {size}"
            )
        cats.append([str(lab.get(c, c)) if labels == "text" else c for c in codes])
        names.append(str(d.get("label", dim_id)) if labels == "text" else str(dim_id))
    problems.raise_if_any()
    total = int(np.prod([len(c) for c in cats]))
    value = doc["value"]
    arr = np.full(total, np.nan)
    raw_vals: list[tuple[int, Any]]
    if isinstance(value, list):
        if len(value) != total:
            raise DataError(
                [
                    DataProblem(
                        source,
                        None,
                        "value",
                        f"{len(value)} values but the dimensions define {total} cells",
                    )
                ]
            )
        raw_vals = list(enumerate(value))
    elif isinstance(value, dict):
        raw_vals = [(int(k), v) for k, v in value.items()]
    else:
        raise DataError([DataProblem(source, None, "value", "value must be an array or object")])
    n_missing = 0
    for i, v in raw_vals:
        if v is None or (isinstance(v, str) and v.strip() in _MISSING):
            n_missing += 1
        elif isinstance(v, bool) or not isinstance(v, int | float):
            try:
                arr[i] = float(v)
            except (TypeError, ValueError):
                problems.add(i + 1, "value", f"{v!r} is not a number or null", kind="nonnum")
        else:
            arr[i] = float(v)
    problems.raise_if_any()
    idx = pd.MultiIndex.from_product(cats, names=names).to_frame(index=False)
    frame = idx.astype("string")
    frame["value"] = arr
    meta: dict[str, object] = {
        "source": source,
        "format": "JSON-stat",
        "version": doc.get("version", "1.x"),
        "encoding": used,
        "title": doc.get("label", ""),
        "publisher": doc.get("source", ""),
        "updated": doc.get("updated", ""),
        "dimensions": list(ids),
        "missing_cells": n_missing,
    }
    return frame, meta

"""Reader of the PC-Axis / PX file format used by Statistics Finland's StatFin.

A PX file is a sequence of ``KEYWORD[lang]("sub","keys")=value;`` statements.
Values are comma-separated quoted strings (a long string may be split into
several adjacent quoted parts, possibly on several lines), bare numbers/words or
``TLIST(...)``.  ``DATA=`` comes last: the cells of the full cross product of
the ``STUB`` then ``HEADING`` variables, the last heading variable varying
fastest, separated by white space, with ``"."`` … ``"......"`` for missing values
and ``"-"`` for nil.  Text is encoded in ``CODEPAGE`` (ISO-8859-1 by default).
Format reference: Statistics Sweden, *PX-file format specification* (2013).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from soteplan.errors import DataError, DataProblem

from ._common import Problems, decode_text

__all__ = ["PX_MISSING", "parse_px"]

#: Data symbols meaning "value missing" in PX files (DATASYMBOL1…6).
PX_MISSING = frozenset({".", "..", "...", "....", ".....", "......"})
_KEY_RE = re.compile(
    r"^\s*(?P<kw>[A-Za-z][A-Za-z0-9_-]*)\s*(?:\[(?P<lang>[^\]]*)\])?\s*(?:\((?P<sub>.*)\))?\s*$",
    re.DOTALL,
)


@dataclass
class PxFile:
    """The parsed header of a PX file (values are lists of strings)."""

    keywords: dict[tuple[str, str | None, tuple[str, ...]], list[str]] = field(default_factory=dict)
    data: str = ""

    def get(self, kw: str, sub: tuple[str, ...] = (), lang: str | None = None) -> list[str] | None:
        return self.keywords.get((kw, lang, sub))


def _split_statements(text: str) -> tuple[list[str], str | None]:
    """Split the header into statements at ``;`` outside quotes; return the DATA body."""
    statements: list[str] = []
    in_q = False
    i = 0
    n = len(text)
    start = 0
    while i < n:
        c = text[i]
        if c == '"':
            in_q = not in_q
        elif c == ";" and not in_q:
            statements.append(text[start:i])
            start = i + 1
        elif c == "=" and not in_q:
            head = text[start:i].strip()
            if head == "DATA":
                end = text.find(";", i + 1)
                body = text[i + 1 : end if end >= 0 else n]
                return statements, body
        i += 1
    return statements, None


def _split_keyword(stmt: str) -> tuple[str, str] | None:
    in_q = False
    depth = 0
    for i, c in enumerate(stmt):
        if c == '"':
            in_q = not in_q
        elif not in_q and c == "(":
            depth += 1
        elif not in_q and c == ")":
            depth -= 1
        elif not in_q and depth == 0 and c == "=":
            return stmt[:i], stmt[i + 1 :]
    return None


def _parse_values(value: str) -> list[str]:
    """Comma-separated items; adjacent quoted parts of one item are concatenated."""
    items: list[str] = []
    cur: list[str] = []
    i, n = 0, len(value)
    bare: list[str] = []
    while i < n:
        c = value[i]
        if c == '"':
            j = value.find('"', i + 1)
            if j < 0:
                j = n
            cur.append(value[i + 1 : j])
            i = j + 1
            continue
        if c == ",":
            items.append("".join(cur) if cur else "".join(bare).strip())
            cur, bare = [], []
        elif c == "(" and not cur:
            j = value.find(")", i)
            j = n if j < 0 else j
            bare.append(value[i : j + 1])
            i = j + 1
            continue
        elif (not c.isspace() or bare) and not cur:
            bare.append(c)
        i += 1
    if cur or bare:
        items.append("".join(cur) if cur else "".join(bare).strip())
    return items


def _sub_keys(sub: str | None) -> tuple[str, ...]:
    if not sub:
        return ()
    return tuple(re.findall(r'"([^"]*)"', sub))


def _read_header(text: str, source: str) -> PxFile:
    statements, data = _split_statements(text)
    px = PxFile()
    problems = Problems(source)
    for stmt in statements:
        if not stmt.strip():
            continue
        parts = _split_keyword(stmt)
        m = _KEY_RE.match(parts[0]) if parts else None
        if parts is None or m is None:
            line = text[: text.find(stmt)].count("\n") + 1
            problems.add(None, None, f"line {line}: cannot parse statement {stmt.strip()[:60]!r}")
            continue
        key = (m["kw"].upper(), m["lang"], _sub_keys(m["sub"]))
        px.keywords[key] = _parse_values(parts[1])
    if data is None:
        problems.add(None, "DATA", "no DATA= section; a PX file ends with DATA=<values>;")
    problems.raise_if_any()
    px.data = data or ""
    return px


def parse_px(
    raw: bytes,
    source: str,
    *,
    language: str | None = None,
    labels: Literal["text", "code"] = "text",
    dash: Literal["missing", "zero"] = "missing",
    encoding: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Parse the bytes of a PX file into a tidy long frame.

    Parameters
    ----------
    raw
        File contents.
    source
        File name for error messages.
    language
        Language of variable names and labels (``"fi"``, ``"sv"``, ``"en"``); the
        file's default ``LANGUAGE`` when ``None``.
    labels
        ``"text"`` for value texts (``"Miehet"``), ``"code"`` for ``CODES``
        (``"1"``) where the file gives them.
    dash
        How to read the ``"-"`` symbol (PX *nil*): as missing (default) or 0.
    encoding
        Override ``CODEPAGE``.

    Returns
    -------
    tuple
        ``(frame, meta)``: one column per variable (stub then heading order) plus
        ``value`` (float64, NaN for missing); ``meta`` has the title, source,
        units, codepage and counts of missing cells.
    """
    head = raw[:4000].decode("ascii", errors="replace")
    m = re.search(r'CODEPAGE\s*=\s*"([^"]+)"', head)
    codepage = encoding or (m.group(1) if m else "iso-8859-1")
    text, used = decode_text(raw, source, codepage)
    px = _read_header(text, source)
    langs = px.get("LANGUAGE")
    default_lang = langs[0] if langs else None
    lang = None if language in (None, default_lang) else language
    problems = Problems(source)
    if any(k[0] == "KEYS" for k in px.keywords):
        problems.add(
            None,
            "KEYS",
            "the DATA section uses the KEYS (sparse) layout, which soteplan does not read; "
            "re-export the table from PxWeb as a full PX, CSV or JSON-stat file",
        )
        problems.raise_if_any()
    stub = px.get("STUB", lang=lang) or []
    heading = px.get("HEADING", lang=lang) or []
    if not stub and not heading:
        if lang is not None and px.get("STUB") is not None:
            raise DataError(
                [DataProblem(source, None, "LANGUAGE", f"the file has no language {language!r}")]
            )
        problems.add(None, "STUB", "neither STUB nor HEADING is given; the table has no variables")
        problems.raise_if_any()
    variables = [*stub, *heading]
    cats: list[list[str]] = []
    for var in variables:
        values = px.get("VALUES", (var,), lang)
        if values is None:
            problems.add(None, f"VALUES({var})", f'missing VALUES("{var}") for variable {var!r}')
            cats.append([])
            continue
        if labels == "code":
            codes = px.get("CODES", (var,), lang)
            if codes is not None and len(codes) == len(values):
                values = codes
        cats.append(values)
    problems.raise_if_any()
    tokens = re.findall(r'"[^"]*"|[^\s,;"]+', px.data)
    expected = int(np.prod([len(c) for c in cats]))
    if len(tokens) != expected:
        sizes = " × ".join(f"{len(c)} {v}" for v, c in zip(variables, cats, strict=True))
        raise DataError(
            [
                DataProblem(
                    source,
                    None,
                    "DATA",
                    f"DATA has {len(tokens)} values but the variables ({sizes}) "
                    f"define {expected} cells",
                )
            ]
        )
    values_arr = np.empty(expected, dtype=np.float64)
    n_missing = n_nil = 0
    width = int(np.prod([len(c) for c in cats[len(stub) :]])) if heading else 1
    for i, tok in enumerate(tokens):
        t = tok.strip('"')
        if t in PX_MISSING:
            values_arr[i] = np.nan
            n_missing += 1
        elif t == "-":
            values_arr[i] = 0.0 if dash == "zero" else np.nan
            n_nil += 1
        else:
            try:
                values_arr[i] = float(t)
            except ValueError:
                values_arr[i] = np.nan
                cell = i % width
                combo = (
                    np.unravel_index(cell, [len(c) for c in cats[len(stub) :]]) if heading else ()
                )
                field_name = (
                    " ".join(cats[len(stub) + k][int(j)] for k, j in enumerate(combo)) or "DATA"
                )
                problems.add(
                    i // width + 1,
                    field_name,
                    f"{t!r} is not a number nor a PX missing-value symbol "
                    "('.', '..', …, '......', '-')",
                )
    problems.raise_if_any()
    grid = list(itertools.product(*cats))
    frame = (
        pd.DataFrame(grid, columns=pd.Index(variables)) if grid else pd.DataFrame(columns=variables)
    )
    frame["value"] = values_arr
    for col in variables:
        frame[col] = frame[col].astype("string")
    title = (px.get("TITLE", lang=lang) or px.get("TITLE") or [""])[0]
    meta: dict[str, object] = {
        "source": source,
        "format": "PX",
        "table_id": (px.get("TABLEID") or px.get("MATRIX") or [""])[0],
        "title": title,
        "publisher": (px.get("SOURCE", lang=lang) or px.get("SOURCE") or [""])[0],
        "units": (px.get("UNITS", lang=lang) or [""])[0],
        "codepage": used,
        "language": language or default_lang,
        "stub": list(stub),
        "heading": list(heading),
        "missing_cells": n_missing,
        "nil_cells": n_nil,
        "nil_as": dash,
    }
    return frame, meta

"""Shared helpers of the loaders: problem collection, text decoding, Finland's extent."""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import DataError, DataProblem, MissingColumnError

__all__ = [
    "FINLAND_BBOX_3067",
    "Problems",
    "decode_text",
    "read_bytes",
    "read_csv_file",
    "read_csv_text",
    "safe_message",
    "source_name",
]

#: Bounding box of Finland (incl. Åland and territorial waters) in EPSG:3067, metres:
#: (min x, min y, max x, max y).  Generous by ~20 km on every side of the national
#: borders (MML 1:4.5M outline incl. sea areas: 61 700–732 900 E, 6 605 900–7 776 400 N).
FINLAND_BBOX_3067: tuple[float, float, float, float] = (
    40_000.0,
    6_580_000.0,
    780_000.0,
    7_820_000.0,
)

#: At most this many problems of one kind are listed before the loader gives up on that kind.
MAX_PER_KIND = 50


def source_name(path: str | Path) -> str:
    """The file name used in :class:`DataProblem` (``source``)."""
    return Path(path).name


class Problems:
    """Collects :class:`DataProblem` items for one source and raises them at once.

    Parameters
    ----------
    source
        File name reported in every problem.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[DataProblem] = []
        self._counts: dict[tuple[str | None, str], int] = {}

    def add(self, row: int | None, field: str | None, message: str, *, kind: str = "") -> None:
        """Record one problem (``row`` is 1-based, header excluded)."""
        key = (field, kind)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < MAX_PER_KIND:
            self.items.append(DataProblem(self.source, row, field, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise one :class:`DataError` carrying every collected problem."""
        if not self.items:
            return
        extra = sum(max(0, n - MAX_PER_KIND) for n in self._counts.values())
        items = list(self.items)
        if extra:
            items.append(
                DataProblem(
                    self.source, None, None, f"{extra} further problem(s) of the same kinds"
                )
            )
        raise DataError(items)

    def missing_columns(self, found: Iterable[Any], missing: list[str], hint: str = "") -> None:
        """Raise :class:`MissingColumnError` naming every missing column."""
        found_s = ", ".join(repr(str(c)) for c in found)
        msg = (
            f"{self.source}: missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"found {found_s}"
        )
        if hint:
            msg += f". {hint}"
        err = MissingColumnError(msg)
        err.problems = tuple(DataProblem(self.source, None, m, "missing column") for m in missing)
        raise err


_MOJIBAKE = re.compile(
    "Ã[\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u017d\u017e\u0178]"
)


def _detect_decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "iso-8859-1/cp1252"
    except UnicodeDecodeError:
        return raw.decode("iso-8859-1"), "iso-8859-1"


def _check_mojibake(text: str, source: str, used: str) -> None:
    m = _MOJIBAKE.search(text)
    if m is None:
        return
    line = text[: m.start()].count("\n") + 1
    raise DataError(
        [
            DataProblem(
                source,
                None,
                "encoding",
                f"line {line} contains {m.group(0)!r} when read as {used}: UTF-8 text read in a "
                "single-byte encoding, or re-saved mojibake ('Ã¤' for 'ä'); declare the right "
                "encoding (CODEPAGE / encoding=...) or re-export the file from PxWeb",
            )
        ]
    )


def decode_text(raw: bytes, source: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file, detecting UTF-8 vs ISO-8859-1 when ``encoding`` is not given.

    Parameters
    ----------
    raw
        File contents.
    source
        File name for error messages.
    encoding
        Encoding to use; ``None`` auto-detects: a UTF-8 BOM or valid UTF-8 means
        UTF-8, otherwise ISO-8859-15 / Windows-1252 style single-byte text
        (decoded as ``cp1252``, a superset of ISO-8859-1's printable range).

    Returns
    -------
    tuple
        ``(text, encoding_used)``.

    Raises
    ------
    DataError
        If the bytes are not valid in the requested encoding (the message
        names the byte offset and the line).
    """
    if encoding is None:
        text, used = _detect_decode(raw)
        _check_mojibake(text, source, used)
        return text, used
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            [DataProblem(source, None, "encoding", f"unknown encoding {encoding!r}")]
        ) from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [
                DataProblem(
                    source,
                    None,
                    "encoding",
                    f"byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}) is not valid "
                    f"{encoding}; the file is probably in another encoding (StatFin exports are "
                    "ISO-8859-1 or UTF-8) — pass encoding=... or re-export as UTF-8",
                )
            ]
        ) from None
    _check_mojibake(text, source, encoding)
    return text, encoding


def read_bytes(path: str | Path, source: str | None = None) -> bytes:
    """The bytes of a file, or :class:`DataError` naming the file (not its directory)."""
    p = Path(path)
    source = source or source_name(p)
    try:
        return p.read_bytes()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise DataError([DataProblem(source, None, None, f"cannot read file: {why}")]) from None


def _binary(raw: bytes) -> bool:
    """Whether bytes look like a binary file rather than text (NUL bytes, magic numbers)."""
    head = raw[:8192]
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"\x1f\x8b", b"%PDF", b"\x89PNG"))


def read_csv_text(text: str, source: str, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_csv`` of decoded text; empty or malformed CSV as :class:`DataError`.

    Parameters
    ----------
    text
        The file's text.
    source
        File name for the problems.
    **kwargs
        Passed to :func:`pandas.read_csv`.
    """
    if not text.strip():
        raise DataError([DataProblem(source, None, None, "the file is empty (no header row)")])
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.EmptyDataError:
        raise DataError(
            [DataProblem(source, None, None, "the file is empty (no header row)")]
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        row = int(m.group(1)) - 1 if m else None  # pandas counts the header as line 1
        raise DataError(
            [DataProblem(source, row, None, "not a well-formed CSV table (wrong field count)")]
        ) from None


def read_csv_file(
    path: str | Path, *, encoding: str | None = "utf-8", **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV file; unreadable, binary, mis-encoded, empty or malformed files as DataError.

    Parameters
    ----------
    path
        The file.
    encoding
        Text encoding (``None``: detect UTF-8 vs ISO-8859-1).
    **kwargs
        Passed to :func:`pandas.read_csv`.
    """
    source = source_name(path)
    raw = read_bytes(path, source)
    if _binary(raw):
        raise DataError([DataProblem(source, None, None, "a binary file, not CSV text")])
    text, _ = decode_text(raw, source, encoding)
    return read_csv_text(text, source, **kwargs)


def safe_message(exc: BaseException, path: str | Path) -> str:
    """An exception's text with the file's directory left out (only its name remains)."""
    p = Path(path)
    msg = str(exc)
    for s in {str(p.resolve()), str(p.absolute()), str(p)}:
        if s and s != p.name:
            msg = msg.replace(s, p.name)
    return msg[:500]

"""Shared pieces of the CLI: consoles, progress bars, error handling, output formats."""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from soteplan.errors import SoteplanError

if TYPE_CHECKING:
    import pandas as pd


class LazyModule:
    """A module imported on first attribute access, so that ``--help`` stays fast.

    ``pd = lazy_module("pandas")`` at the top of a command module behaves as ``import pandas as
    pd`` inside its functions, but pandas is only imported when a command actually runs.
    """

    def __init__(self, name: str) -> None:
        self._lazy_name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._lazy_name), attr)


def lazy_module(name: str) -> Any:
    """A :class:`LazyModule` for ``name``."""
    return LazyModule(name)


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """``module.name`` called through a wrapper that imports ``module`` at the first call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = name
    return call


console = Console()
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """How a command prints a table."""

    table = "table"
    csv = "csv"
    json = "json"


def run_guarded(app: typer.Typer) -> int:
    """Run the Typer app; turn soteplan errors into a clear message and exit code 2."""
    try:
        app(standalone_mode=False)
    except SoteplanError as exc:
        err_console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err_console.print("Aborted.")
        return 1
    except Exception as exc:  # usage errors (click's, or the click that Typer vendors)
        import click

        usage = (click.ClickException, typer.TyperException)
        if isinstance(exc, usage) and hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return int(exc.exit_code)
        raise
    return 0


@contextmanager
def progress_bar(description: str, total: int | None = None) -> Iterator[Any]:
    """A rich progress bar on stderr; yields ``advance(done, total)``-style callback."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task(description, total=total)

        def update(done: int, total_: int | None = None) -> None:
            prog.update(task, completed=done, total=total_ if total_ is not None else total)

        yield update


def _cells(df: pd.DataFrame, float_digits: int) -> tuple[list[str], list[bool], list[list[str]]]:
    """Headers, right-justify flags and string cells of ``df`` (a named index becomes columns)."""
    import pandas as pd

    show_index = df.index.name is not None or any(n is not None for n in df.index.names)
    flat = df.reset_index() if show_index else df
    headers = [str(c) for c in flat.columns]

    def fmt(v: Any) -> str:
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:,.{float_digits}f}".replace(",", " ")
        if isinstance(v, int):
            return f"{v:,}".replace(",", " ")
        return "" if v is None else str(v)

    right = []
    for c in flat.columns:
        col = flat[c]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if not numeric and col.dtype == object and len(col):
            numeric = all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in col.dropna()
            )
        right.append(bool(numeric))
    # years are labels, not quantities: no thousands separator ("2020", not "2 020")
    plain = [h == "year" or h.endswith("_year") or h.endswith(" year") for h in headers]
    rows = [
        [str(v) if p and isinstance(v, int) else fmt(v) for v, p in zip(row, plain, strict=True)]
        for row in flat.itertuples(index=False, name=None)
    ]
    return headers, right, rows


def _build_table(
    headers: list[str],
    right: list[bool],
    rows: list[list[str]],
    keep: list[int],
    title: str | None,
    compact: bool,
    wrap_text: bool = False,
    slack: int | None = None,
) -> Table:
    from rich import box

    table = Table(
        title=title,
        show_lines=False,
        header_style="bold",
        box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
        show_edge=not compact,
        pad_edge=not compact,
        collapse_padding=compact,
    )
    spare = slack
    for i in keep:
        # numbers and names are never split over lines (a column too wide is left out instead);
        # a long header may wrap at its spaces
        if wrap_text and not right[i]:
            # the last resort: a text column wraps at its spaces (numbers never do)
            cell = max((len(w) for r in rows for w in r[i].split()), default=0)
        else:
            cell = max((len(r[i]) for r in rows), default=0)
        word = max((len(w) for w in headers[i].split()), default=0)
        width = max(cell, word)
        cap = None
        if spare is not None and len(headers[i]) > width:
            # the headers do not all fit whole: this one gets what room is left, then wraps
            extra = min(spare, len(headers[i]) - width)
            spare -= extra
            cap = width + extra
        table.add_column(
            headers[i], justify="right" if right[i] else "left", min_width=width, max_width=cap
        )
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table


def fit_table(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    float_digits: int = 1,
    width: int | None = None,
    droppable: tuple[str, ...] = (),
) -> tuple[Table, list[str]]:
    """A rich table of ``df`` that fits ``width`` columns (default: the terminal's).

    Too wide in the usual framed style, the table is drawn compact (no side borders, single
    spaces between columns); still too wide, the columns named in ``droppable`` are left out in
    that order, and then text columns wrap at their spaces (numbers are never split).
    Returns the table and the names of the columns left out (say them to the user).
    """
    headers, right, rows = _cells(df, float_digits)
    width = width or console.width
    keep = list(range(len(headers)))
    dropped: list[str] = []
    queue = [headers.index(c) for c in droppable if c in headers]

    def natural(compact: bool, whole_headers: bool = True) -> int:
        """Width of the table drawn without a width limit (headers whole or wrapped at spaces)."""
        heads = headers if whole_headers else [max(h.split() or [h], key=len) for h in headers]
        probe = Console(width=10_000, file=io.StringIO(), color_system=None)
        probe.print(_build_table(heads, right, rows, keep, None, compact))
        text = probe.file.getvalue()  # type: ignore[attr-defined]
        return max((len(line.rstrip()) for line in text.splitlines()), default=0)

    def narrowest() -> int:
        """The least width the compact table can be drawn in, every text column wrapped."""
        from rich.measure import Measurement

        heads = [max(h.split() or [h], key=len) for h in headers]
        probe = Console(width=10_000, file=io.StringIO(), color_system=None)
        table = _build_table(heads, right, rows, keep, None, True, True)
        return Measurement.get(probe, probe.options, table).minimum

    compact = natural(False) > width
    while compact and natural(True, whole_headers=False) > width and queue:
        i = queue.pop(0)
        keep.remove(i)
        dropped.append(headers[i])
    wrap_text = compact and natural(True, whole_headers=False) > width
    # still too wide with every text column wrapped: leave out columns from the right (never
    # the first), rather than let the terminal crop them unsaid
    while wrap_text and len(keep) > 1 and narrowest() > width:
        dropped.append(headers[keep.pop()])
    slack = None
    if compact and natural(True) > width:
        slack = max(0, width - natural(True, whole_headers=False))
    table = _build_table(headers, right, rows, keep, title, compact, wrap_text, slack)
    title_width = len(title or "")
    if title_width > width:
        table.title_justify = "left"
    return table, dropped


def frame_to_table(df: pd.DataFrame, *, title: str | None = None, float_digits: int = 1) -> Table:
    """Render a DataFrame as a rich table (index shown when it is named), fitted to the terminal."""
    return fit_table(df, title=title, float_digits=float_digits)[0]


def plain_text(value: Any) -> str:
    """A meta value as a reader sees it: ``a: x; b: y`` for a mapping, ``x; y`` for a list."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(plain_text(v) for v in value)
    return str(value)


def print_frame(
    df: pd.DataFrame,
    fmt: OutputFormat,
    *,
    title: str | None = None,
    meta: dict[str, Any] | None = None,
    float_digits: int = 1,
    droppable: tuple[str, ...] = (),
) -> None:
    """Print a result table as a rich table, CSV or JSON (records + meta).

    As a table it fits the terminal: compact when needed, then without the ``droppable``
    columns (in that order), saying which were left out.
    """
    if fmt is OutputFormat.csv:
        typer.echo(df.to_csv(), nl=False)
    elif fmt is OutputFormat.json:
        records = json.loads(df.reset_index().to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps({"meta": meta or {}, "rows": records}, ensure_ascii=False, indent=2))
    else:
        table, dropped = fit_table(df, title=title, float_digits=float_digits, droppable=droppable)
        console.print(table)
        if meta:
            for key in ("units", "source", "sources", "note", "approximation"):
                if meta.get(key):
                    console.print(f"[dim]{key}: {plain_text(meta[key])}[/]", highlight=False)
        if dropped:
            console.print(
                f"[dim]left out at {console.width} columns: {', '.join(dropped)} "
                "(wider terminal or --format csv shows all)[/]",
                highlight=False,
            )


def ensure_dir(path: Path) -> Path:
    """Create an output directory (and parents) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_map(fig: Any, path: Path, notes: list[str], *, dpi: int = 120) -> None:
    """Write a map figure with its notes (approximations, attribution) wrapped under it."""
    import textwrap

    import matplotlib.pyplot as plt

    lines = [w for note in notes if note for w in textwrap.wrap(str(note), 150)]
    fig.text(0.01, 0.0, "\n".join(lines), fontsize=5.5, va="top")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)

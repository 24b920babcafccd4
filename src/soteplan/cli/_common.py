"""Shared pieces of the CLI: consoles, progress bars, error handling, output formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
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
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
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


def frame_to_table(df: pd.DataFrame, *, title: str | None = None, float_digits: int = 1) -> Table:
    """Render a DataFrame as a rich table (index shown when it is named)."""
    table = Table(title=title, show_lines=False, header_style="bold")
    show_index = df.index.name is not None or any(n is not None for n in df.index.names)
    if show_index:
        for name in df.index.names:
            table.add_column(str(name))
    for col in df.columns:
        justify = "right" if pd.api.types.is_numeric_dtype(df[col]) else "left"
        table.add_column(str(col), justify=justify)  # type: ignore[arg-type]
    for idx, row in df.iterrows():
        cells: list[str] = []
        if show_index:
            cells.extend(str(v) for v in (idx if isinstance(idx, tuple) else (idx,)))
        for v in row:
            if isinstance(v, float):
                cells.append("" if pd.isna(v) else f"{v:,.{float_digits}f}".replace(",", " "))
            elif isinstance(v, int):
                cells.append(f"{v:,}".replace(",", " "))
            else:
                cells.append(str(v))
        table.add_row(*cells)
    return table


def print_frame(
    df: pd.DataFrame,
    fmt: OutputFormat,
    *,
    title: str | None = None,
    meta: dict[str, Any] | None = None,
    float_digits: int = 1,
) -> None:
    """Print a result table as a rich table, CSV or JSON (records + meta)."""
    if fmt is OutputFormat.csv:
        typer.echo(df.to_csv(), nl=False)
    elif fmt is OutputFormat.json:
        records = json.loads(df.reset_index().to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps({"meta": meta or {}, "rows": records}, ensure_ascii=False, indent=2))
    else:
        console.print(frame_to_table(df, title=title, float_digits=float_digits))
        if meta:
            for key in ("source", "sources", "note", "approximation"):
                if meta.get(key):
                    console.print(f"[dim]{key}: {meta[key]}[/]")


def ensure_dir(path: Path) -> Path:
    """Create an output directory (and parents) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path

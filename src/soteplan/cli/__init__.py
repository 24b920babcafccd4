"""The ``soteplan`` command line: a thin layer over the Python API.

Each command group lives in its own module (``cli/<group>.py``) and is
registered below.  Commands parse their options, call one Python API function
and print or write the result; no planning logic lives here.
"""

from __future__ import annotations

import sys

import typer

from soteplan.cli._common import console, err_console, run_guarded

app = typer.Typer(
    name="soteplan",
    help="Plan a region's social and health care services (default region: Keski-Suomi).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    """Attach every command group, in the order ``soteplan --help`` lists them."""
    from soteplan.cli import (
        access,
        choice,
        data,
        demography,
        guidance,
        locate,
        national,
        organise,
        pathways,
        region,
        scenario,
        web,
    )

    groups = (
        demography,
        access,
        choice,
        locate,
        organise,
        scenario,
        pathways,
        guidance,
        web,
        region,
        national,
        data,
    )
    for group in groups:
        group.register(app)


_register()


def main() -> None:
    """Entry point of the ``soteplan`` console script."""
    sys.exit(run_guarded(app))


__all__ = ["app", "console", "err_console", "main"]

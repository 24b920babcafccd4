"""The command line starts without the heavy libraries: they load when a command runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "pandas",
    "numpy",
    "geopandas",
    "shapely",
    "pyproj",
    "scipy",
    "matplotlib",
    "fastapi",
    "sqlalchemy",
    "weasyprint",
)


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\nimport json\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        f"print(json.dumps(sorted(top & set({list(HEAVY)!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert _loaded_after("import soteplan.cli") == []


@pytest.mark.parametrize("args", [[], ["demography"], ["run"], ["serve"], ["organise", "compare"]])
def test_help_loads_no_heavy_library(args):
    code = (
        "from typer.testing import CliRunner\n"
        "from soteplan.cli import app\n"
        f"r = CliRunner().invoke(app, {[*args, '--help']!r})\n"
        "assert r.exit_code == 0, r.output\n"
    )
    assert _loaded_after(code) == []


def test_a_command_still_imports_what_it_needs():
    code = (
        "from typer.testing import CliRunner\n"
        "from soteplan.cli import app\n"
        "r = CliRunner().invoke(app, ['region', 'list'])\n"
        "assert r.exit_code == 0, r.output\n"
    )
    assert "pandas" in _loaded_after(code)

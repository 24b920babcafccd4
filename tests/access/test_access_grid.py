"""Grid-cell origins for a region: ``region_grid_origins`` and ``soteplan access --grid``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from soteplan.access import region_grid_origins
from soteplan.cli import app
from soteplan.errors import DataError
from soteplan.region import read_population_grid

LOADERS = Path(__file__).resolve().parents[1] / "data" / "loaders"


def _ks_grid(path: Path, *, with_kunta: bool) -> Path:
    """A small 1 km grid file in the Statistics Finland column format.

    The cells are made up for this test (placed around Jyväskylä and Jämsä, with one cell
    in Kuhmoinen and one empty cell); they only exercise the wiring, not real figures.
    """
    cells = [  # lower-left corner x, y, kunta, vaesto, ika_65_
        (432000, 6900000, "179", 1200, 300),
        (433000, 6900000, "179", 800, -1),
        (404000, 6860000, "182", 400, 120),
        (403000, 6826000, "291", 500, 200),  # Kuhmoinen: left the region in 2021
        (440000, 6950000, "992", 0, 0),
    ]
    head = (
        "grd_id,euref_x,euref_y,kunta,vaesto,ika_65_"
        if with_kunta
        else ("grd_id,euref_x,euref_y,vaesto,ika_65_")
    )
    rows = [head]
    for x, y, kunta, pop, old in cells:
        gid = f"1kmN{y // 1000}E{x // 1000}"
        rows.append(
            f"{gid},{x},{y},{kunta},{pop},{old}" if with_kunta else f"{gid},{x},{y},{pop},{old}"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("with_kunta", [True, False])
def test_grid_cells_inside_the_current_division(ks, tmp_path: Path, with_kunta: bool) -> None:
    cells = read_population_grid(_ks_grid(tmp_path / "grid.csv", with_kunta=with_kunta))
    o = region_grid_origins(ks, cells)
    # Kuhmoinen's cell and the empty cell are left out
    assert sorted(o.municipality.tolist()) == ["179", "179", "182"]
    assert o.population["all"].sum() == 2400
    assert o.population["65+"].sum() == 420  # the suppressed (-1) count is taken as 0
    assert o.xy[:, 0].min() > 400_000  # EPSG:3067 cell points


def test_grid_of_another_area_is_a_clear_error(ks) -> None:
    cells = read_population_grid(LOADERS / "grid_250m_helsinki.csv")  # real HSY-based cells
    with pytest.raises(DataError, match="no populated cell lies in region keski-suomi"):
        region_grid_origins(ks, cells)


def test_cli_access_with_a_grid_file(tmp_path: Path) -> None:
    grid = _ks_grid(tmp_path / "grid.csv", with_kunta=True)
    res = CliRunner().invoke(app, ["access", "--grid", str(grid), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert "179" in res.output and "182" in res.output
    assert "291" not in res.output

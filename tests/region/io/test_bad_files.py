"""Every loader turns a broken file into a DataError naming the file (never a traceback).

The corpus is ``tests/data/bad/`` (rebuilt by ``build_bad_files.py``): empty, blank,
binary, mis-encoded, ragged, truncated and garbage files of every kind a planner
hands to soteplan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteplan.errors import DataError

BAD = Path(__file__).resolve().parents[2] / "data" / "bad"


def _rates(p: Path) -> object:
    from soteplan.demand import ServiceRates

    return ServiceRates.from_files(p, p)


def _osm(p: Path) -> object:
    from soteplan.network import from_osm

    return from_osm(p, cache=False)


def _scenario(p: Path) -> object:
    from soteplan.scenario import load_scenario

    return load_scenario(p)


def _loaders() -> dict[str, object]:
    from soteplan.region.io import read_boundaries, read_population_grid, read_service_points

    return {
        "service_points": read_service_points,
        "grid": read_population_grid,
        "rates": _rates,
        "boundaries": read_boundaries,
        "osm": _osm,
        "scenario": _scenario,
    }


# Only the cases that escaped as library errors (or named the directory) before the
# loaders wrapped them; the PxWeb reader and binary CSVs were already handled.
CASES = (
    [(k, f) for k in ("service_points", "grid", "rates") for f in ("empty.csv", "blank.csv")]
    + [(k, "ragged.csv") for k in ("service_points", "grid", "rates")]
    + [("rates", f) for f in ("binary.csv", "zip_as.csv", "latin1.csv")]
    + [("osm", f) for f in ("empty.osm.pbf", "garbage.osm.pbf", "truncated.osm.pbf")]
    + [("scenario", f) for f in ("latin1.yaml", "garbage.yaml")]
    + [(k, "empty.geojson") for k in ("boundaries", "grid")]
    + [(k, "garbage.gpkg") for k in ("boundaries", "grid")]
)


@pytest.mark.parametrize(("loader", "name"), CASES)
def test_bad_file_is_a_data_error_naming_the_file_not_its_directory(loader, name):
    with pytest.raises(DataError) as info:
        _loaders()[loader](BAD / name)  # type: ignore[operator]
    err = info.value
    text = str(err)
    assert name in text
    if err.problems:
        assert all(p.source == name for p in err.problems)
    assert str(BAD) not in text and "Traceback" not in text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_never_escape_as_library_errors(tmp_path, data):
    from soteplan.demand import ServiceRates
    from soteplan.region.io import read_service_points

    p = tmp_path / "fuzz.csv"
    p.write_bytes(data)
    for read in (read_service_points, lambda q: ServiceRates.from_files(q, q)):
        try:
            read(p)
        except DataError as exc:
            assert str(tmp_path) not in str(exc)

"""RoadGraph construction, CSR invariants and the disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from soteplan.errors import CacheError, DataError, ParameterError
from soteplan.network import RoadGraph, cached_graph, content_hash, grid_graph


def test_from_edges_builds_csr_and_merges_parallel_edges():
    g = RoadGraph.from_edges(
        tail=[0, 0, 1, 2, 2, 1],
        head=[1, 1, 2, 0, 2, 0],
        minutes=[5.0, 3.0, 2.0, 1.0, 9.0, 4.0],
        length_m=[500, 300, 200, 100, 900, 400],
        x=[0.0, 1.0, 2.0],
        y=[0.0, 0.0, 0.0],
    )
    # parallel 0->1 keeps the faster (3 min, 300 m); self loop 2->2 dropped
    assert g.n_edges == 4
    m = g.csr().toarray()
    assert m[0, 1] == pytest.approx(3.0)
    assert g.csr(weight="length").toarray()[0, 1] == pytest.approx(300.0)
    assert m[2, 2] == 0.0
    assert g.csr(reverse=True).toarray()[1, 0] == pytest.approx(3.0)
    assert list(g.tails()) == [0, 1, 1, 2]
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.travel_time_min.dtype == np.float32


def test_from_edges_reports_every_bad_edge():
    with pytest.raises(DataError) as err:
        RoadGraph.from_edges([0, 5, 1], [1, 0, -1], [1.0, np.nan, -2.0], [1, 1, 1], [0, 1], [0, 1])
    text = str(err.value)
    assert "row 2" in text and "row 3" in text and "invalid travel time" in text
    assert len(err.value.problems) == 4


def test_access_parameters_validated():
    with pytest.raises(ParameterError):
        RoadGraph.from_edges([0], [1], [1.0], [1.0], [0, 1], [0, 1], access_speed_kmh=0)


def test_save_load_round_trip(tmp_path):
    g = grid_graph(6, 5, seed=3)
    g.meta["note"] = "åäö"
    path = g.save(tmp_path / "g.npz")
    h = RoadGraph.load(path)
    for name in ("indptr", "indices", "travel_time_min", "length_m", "x", "y", "node_id"):
        np.testing.assert_array_equal(getattr(g, name), getattr(h, name))
        assert getattr(g, name).dtype == getattr(h, name).dtype
    assert h.meta["note"] == "åäö"
    assert (h.access_speed_kmh, h.access_detour, h.direct_legs) == (
        g.access_speed_kmh,
        g.access_detour,
        g.direct_legs,
    )


def test_load_rejects_garbage(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CacheError, match="delete"):
        RoadGraph.load(bad)


def test_cached_graph_builds_once_and_rebuilds_corrupt_entries(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return grid_graph(4, 4, seed=1)

    key = content_hash([], {"k": 1})
    a = cached_graph("t", key, build, cache=tmp_path)
    b = cached_graph("t", key, build, cache=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(a.travel_time_min, b.travel_time_min)
    assert b.meta["content_hash"] == key
    # corrupt the entry: it is rebuilt, not trusted
    (tmp_path / f"t-{key[:24]}.npz").write_bytes(b"junk")
    cached_graph("t", key, build, cache=tmp_path)
    assert len(calls) == 2
    # other parameters -> other key
    assert content_hash([], {"k": 2}) != key


def test_content_hash_depends_on_file_bytes(tmp_path):
    f = tmp_path / "roads.geojson"
    f.write_text("a")
    h1 = content_hash([f], {})
    f.write_text("b")
    assert content_hash([f], {}) != h1


def test_cache_dir_env(tmp_path, monkeypatch):
    from soteplan.network import cache_dir

    monkeypatch.setenv("SOTEPLAN_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "graphs"

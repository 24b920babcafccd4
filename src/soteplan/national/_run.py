"""Run every county on Dask (or serially), store the results, write the table and map."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import ParameterError
from soteplan.national._county import CountyParams, county_figures

__all__ = ["NationalResult", "run_national"]

#: Columns of the national table (and of the map panels).
TABLE_COLUMNS = (
    "name",
    "population",
    "dependency_ratio",
    "share_75_plus_pct",
    "health_stations",
    "coverage_15_min_pct",
    "coverage_30_min_pct",
    "mean_minutes",
    "gini_minutes",
    "pmedian_gain_min",
    "pmedian_gain_pct",
    "cost_per_resident_eur",
)


@dataclass(frozen=True)
class NationalResult:
    """Figures of every county that finished, and why the others failed."""

    figures: dict[str, dict[str, Any]]
    failures: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per county (index: region id), columns :data:`TABLE_COLUMNS` first."""
        if not self.figures:
            return pd.DataFrame(columns=list(TABLE_COLUMNS))
        df = pd.DataFrame.from_dict(self.figures, orient="index").drop(
            columns=["region", "curve", "curve_gap", "approximation"], errors="ignore"
        )
        df.index.name = "region"
        first = [c for c in TABLE_COLUMNS if c in df.columns]
        return df[first + [c for c in df.columns if c not in first]]

    def curves(self) -> pd.DataFrame:
        """The p-median curves: region, p, mean minutes, gap."""
        rows = [
            {"region": k, "p": p, "mean_minutes": m, "gap": v["curve_gap"].get(p)}
            for k, v in self.figures.items()
            for p, m in v["curve"].items()
        ]
        return pd.DataFrame(rows, columns=["region", "p", "mean_minutes", "gap"])


def _task(region_dir: str, params: CountyParams) -> dict[str, Any]:
    return county_figures(region_dir, params)


def run_national(
    regions: Sequence[str] | None = None,
    *,
    params: CountyParams | None = None,
    scheduler: Any = "local",
    workers: int = 2,
    retries: int = 1,
    store: Any = None,
    raw: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NationalResult:
    """Run the county analyses for ``regions`` (default: the 21 counties and Helsinki).

    Parameters
    ----------
    regions
        Region ids or directories.
    params
        What each county computes (:class:`CountyParams`).
    scheduler
        ``"local"``: a new :class:`distributed.LocalCluster` of ``workers`` processes bound
        to 127.0.0.1 (closed at the end); ``"tcp://HOST:PORT"``: an existing scheduler
        (dask-jobqueue, the Dask Kubernetes operator, ``dask scheduler``); ``None`` or
        ``"serial"``: in this process; or a :class:`distributed.Client` (left open).
    retries
        Times a failed county task is retried on the cluster before it counts as failed.
    store
        A :class:`soteplan.store.Store` to record the run in (``None``: not stored).
    raw
        Raw data directory for counties not yet in the user cache.
    progress
        ``progress(done, total)`` after every county.
    """
    from soteplan.region.build import COUNTIES, cached_region_dir

    params = params or CountyParams()
    ids = list(regions) if regions is not None else [c.id for c in COUNTIES]
    if not ids:
        raise ParameterError("no regions to run")
    dirs: dict[str, str] = {}
    failures: dict[str, str] = {}
    for rid in ids:
        try:
            p = Path(rid)
            dirs[rid] = str(p if p.is_dir() else _region_path(rid, raw, cached_region_dir))
        except Exception as exc:  # a county that cannot be built says why
            failures[rid] = f"{type(exc).__name__}: {exc}"
    t0 = time.perf_counter()
    figures: dict[str, dict[str, Any]] = {}
    done = 0
    total = len(ids)
    if progress:
        progress(len(failures), total)
    done = len(failures)
    how = "serial"
    if scheduler in (None, "serial"):
        for rid, d in dirs.items():
            try:
                figures[rid] = _task(d, params)
            except Exception as exc:
                failures[rid] = f"{type(exc).__name__}: {exc}"
            done += 1
            if progress:
                progress(done, total)
    else:
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        own_client = True
        if hasattr(scheduler, "submit"):  # a distributed.Client the caller owns
            client, own_client = scheduler, False
            n = len(scheduler.scheduler_info().get("workers", {}))
            how = f"dask client, {n} workers"
        elif scheduler == "local":
            if workers < 1:
                raise ParameterError(f"workers must be at least 1, got {workers}")
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
            how = f"dask LocalCluster, {workers} worker processes"
        elif isinstance(scheduler, str) and scheduler.startswith(("tcp://", "dask://")):
            address = "tcp://" + scheduler.split("://", 1)[1]
            try:
                client = Client(address, timeout=10)
            except OSError as exc:
                raise ParameterError(f"cannot reach Dask scheduler at {address}: {exc}") from exc
            how = f"dask scheduler {address}"
        else:
            raise ParameterError(
                f"scheduler must be 'local', 'serial' or tcp://HOST:PORT, got {scheduler!r}"
            )
        try:
            futs = {
                client.submit(_task, d, params, key=f"county-{rid}", retries=retries): rid
                for rid, d in dirs.items()
            }
            for fut in as_completed(futs):
                rid = futs[fut]
                try:
                    figures[rid] = fut.result()
                except Exception as exc:
                    failures[rid] = f"{type(exc).__name__}: {exc}"
                done += 1
                if progress:
                    progress(done, total)
        finally:
            if own_client:
                client.close()
            if cluster is not None:
                cluster.close()
    ordered = {rid: figures[rid] for rid in ids if rid in figures}
    meta = {
        "executor": how,
        "retries": retries,
        "seconds": round(time.perf_counter() - t0, 2),
        "params": params.__dict__,
        "approximation": list(
            dict.fromkeys(p for v in ordered.values() for p in v["approximation"].split("; "))
        ),
        "notes": "cost per resident: soteplan.demand default (uncalibrated) use rates and unit "
        "costs; coverage: approximate main-road network; p-median gain: mean minutes of the "
        "existing stations minus the optimal same number of sites among existing stations and "
        "municipal centres (when the heuristic finds nothing better than the existing layout, "
        "the curve keeps the existing layout and pmedian_existing_is_best_known says so)",
    }
    res = NationalResult(figures=ordered, failures=failures, meta=meta)
    if store is not None:
        _store(store, res)
    return res


def _region_path(rid: str, raw: str | Path | None, cached: Callable[..., Path]) -> Path:
    from importlib import resources

    emb = resources.files("soteplan") / "data" / rid
    if emb.is_dir() and (emb / "region.yaml").is_file():
        return Path(str(emb))
    return cached(rid, raw=raw)


def _store(store: Any, res: NationalResult) -> str:
    """Record the run: the table and the curves as result tables (JSON-safe meta)."""
    import json

    from soteplan.store import RunRecord

    spec = json.loads(json.dumps(res.meta["params"], default=list))
    table = res.to_frame().reset_index()
    table = table.astype({c: "string" for c in table.columns if table[c].dtype == object})
    run = RunRecord(
        name=f"national-{time.strftime('%Y%m%dT%H%M%S')}",
        spec=spec,
        spec_yaml=json.dumps(spec),
        meta=json.loads(json.dumps(res.meta, default=str)),
        summary={"counties": len(res.figures), "failures": res.failures},
        tables={"national": table, "curves": res.curves()},
    )
    return str(store.save(run))

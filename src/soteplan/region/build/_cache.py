"""Region directories of the counties, built on first use into the user cache."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from soteplan.errors import NotFoundError
from soteplan.region.build._counties import County, find_county

__all__ = ["cache_dir", "cached_region_dir"]

_LOCK = threading.Lock()


def cache_dir() -> Path:
    """``$SOTEPLAN_REGION_CACHE``, else ``$XDG_CACHE_HOME/soteplan/regions`` (``~/.cache``)."""
    env = os.environ.get("SOTEPLAN_REGION_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "soteplan" / "regions"


def cached_region_dir(county: str | County, *, raw: str | Path | None = None) -> Path:
    """The cached directory of a county, building it from the raw data when absent.

    Raises
    ------
    NotFoundError
        If the name is no county, or the cache is empty and no raw data is found.
    """
    from soteplan.region.build._build import build_region, default_raw_dir

    c = county if isinstance(county, County) else find_county(county)
    d = cache_dir() / c.id
    if (d / "region.yaml").is_file():
        return d
    root = Path(raw) if raw is not None else default_raw_dir()
    if root is None or not root.is_dir():
        raise NotFoundError(
            f"region {c.id!r} is not built yet and no raw data directory was found: run "
            "'soteplan region build --county "
            f"{c.id} --raw DIR' or set SOTEPLAN_RAW_DATA"
        )
    with _LOCK:
        if not (d / "region.yaml").is_file():
            tmp = d.with_name(f".{c.id}.partial-{os.getpid()}")
            try:
                build_region(c, tmp, raw=root)
                if d.exists():  # an unfinished directory from an earlier attempt
                    shutil.rmtree(d)
                tmp.replace(d)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp)
    return d

"""The built-in pathways shipped as YAML files in ``soteplan/pathways/builtin/``."""

from __future__ import annotations

import functools
from importlib import resources

from soteplan.errors import NotFoundError
from soteplan.pathways._spec import Pathway, parse_pathway

__all__ = ["builtin_ids", "load_builtin"]


def builtin_ids() -> list[str]:
    """Ids of the built-in pathways, sorted."""
    files = resources.files("soteplan.pathways").joinpath("builtin")
    return sorted(f.name[:-5] for f in files.iterdir() if f.name.endswith(".yaml"))


@functools.cache
def load_builtin(pathway_id: str) -> Pathway:
    """A built-in pathway by id (validated; service types are checked by the caller)."""
    if pathway_id not in builtin_ids():
        raise NotFoundError(
            f"no built-in pathway {pathway_id!r}; available: {', '.join(builtin_ids())}"
        )
    f = resources.files("soteplan.pathways").joinpath("builtin", f"{pathway_id}.yaml")
    return parse_pathway(f.read_text(encoding="utf-8"), source=f"{pathway_id}.yaml")

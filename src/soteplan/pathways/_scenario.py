"""The scenario ``pathways:`` block and its run step (tables, summary, meta, comparison).

>>> block = PathwaysBlock.model_validate({"run": [{"id": "memory-disorders"}]})
>>> block.run[0].id
'memory-disorders'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from soteplan.pathways._builtin import load_builtin
from soteplan.pathways._cohort import run_cohort
from soteplan.pathways._levers import levers_from_mappings
from soteplan.pathways._spec import Pathway, parse_pathway

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["PathwayRun", "PathwaysBlock", "compare_pathway_tables", "run_pathways_block"]

_POP_COLUMNS = {"municipality", "year", "sex", "age", "population"}
_MEASURES = ["persons", "contacts", "cost_eur", "trips", "travel_minutes"]


class PathwayRun(BaseModel):
    """One pathway of a scenario: a built-in ``id`` or a YAML ``file``, with levers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    file: str | None = None
    levers: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> PathwayRun:
        if (self.id is None) == (self.file is None):
            raise ValueError("give exactly one of id (a built-in pathway) or file")
        if self.id is not None:  # a built-in: check the id and the levers when the file is read
            from soteplan.errors import SoteplanError

            try:
                levers_from_mappings(load_builtin(self.id), self.levers)
            except SoteplanError as exc:
                raise ValueError(str(exc)) from None
        return self

    def pathway(self, base_dir: Path | None = None) -> Pathway:
        """The pathway spec (a relative ``file`` is read next to the scenario)."""
        if self.id is not None:
            return load_builtin(self.id)
        p = Path(str(self.file))
        if base_dir is not None and not p.is_absolute():
            p = base_dir / p
        return parse_pathway(p)


class PathwaysBlock(BaseModel):
    """The ``pathways:`` block of a scenario: pathways to run and their first year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: list[PathwayRun] = Field(min_length=1)
    start_year: int | None = None
    travel: bool = True


def run_pathways_block(
    block: PathwaysBlock,
    region: Region,
    *,
    base_year: int,
    target_year: int,
    population: pd.DataFrame | None = None,
    base_dir: Path | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]:
    """Run every pathway of the block; return (tables, summary, meta) for the scenario.

    ``population`` is the scenario's projection when it has single ages and
    sexes; otherwise the cohort projection of :mod:`soteplan.demography` is used.

    Tables: ``pathways`` (``pathway, year, stage, provider, channel`` and the
    measures) and ``pathways_summary`` (``pathway, year`` and the summary).
    """
    from soteplan.pathways._region import region_inputs

    start = block.start_year if block.start_year is not None else base_year + 1
    specs = [(item, item.pathway(base_dir)) for item in block.run]
    pop = population
    if pop is None or not set(pop.columns) >= _POP_COLUMNS:
        pop = None
    popf, travel = region_inputs(
        region,
        [p for _, p in specs],
        to_year=target_year,
        travel=block.travel,
        population=pop,
    )
    rows, sums, meta = [], [], {}
    summary: dict[str, Any] = {}
    for item, p in specs:
        levers = levers_from_mappings(p, item.levers)
        res = run_cohort(
            p, popf, start_year=start, end_year=target_year, travel=travel, levers=levers
        )
        rows.append(res.to_frame().assign(pathway=p.id))
        s = res.summary().reset_index().assign(pathway=p.id)
        sums.append(s)
        last = s.iloc[-1]
        summary[p.id] = {
            "year": int(last["year"]),
            **{c: float(last[c]) for c in [*_MEASURES, "third_sector_share"] if c != "persons"},
            "persons": float(last["persons"]),
            "levers": len(levers),
        }
        meta[p.id] = {
            k: res.meta[k]
            for k in ("name", "name_fi", "price_year", "sources", "assumptions", "levers", "years")
        }
        meta[p.id]["approximation"] = res.meta["approximation"]
    cols = ["pathway", "year", "stage", "provider", "channel", *_MEASURES]
    tables = {
        "pathways": pd.concat(rows, ignore_index=True)[cols],
        "pathways_summary": pd.concat(sums, ignore_index=True)[
            ["pathway", "year", *_MEASURES, "third_sector_share"]
        ],
    }
    return tables, summary, meta


def compare_pathway_tables(
    a: dict[str, pd.DataFrame] | Any, b: dict[str, pd.DataFrame] | Any
) -> pd.DataFrame:
    """Pathway differences B − A by ``pathway, year`` (empty when a run has no pathways)."""
    cols = ["pathway", "year"]
    if "pathways_summary" not in a or "pathways_summary" not in b:
        return pd.DataFrame(columns=cols)
    sa = a["pathways_summary"].assign(year=lambda x: x["year"].astype(int)).set_index(cols)
    sb = b["pathways_summary"].assign(year=lambda x: x["year"].astype(int)).set_index(cols)
    out = pd.DataFrame(index=sa.index.union(sb.index))
    for c in [*_MEASURES, "third_sector_share"]:
        out[f"{c}_a"] = sa[c]
        out[f"{c}_b"] = sb[c]
        out[f"{c}_diff"] = out[f"{c}_b"] - out[f"{c}_a"]
    return out.reset_index()

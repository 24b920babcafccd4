"""The data behind the seed's two demography charts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from soteplan.demography._indicators import dependency_ratio, working_age_index
from soteplan.errors import NotFoundError, ParameterError
from soteplan.region import Region

__all__ = ["dependency_then_and_projected", "working_age_by_subregion"]


def dependency_then_and_projected(
    region: Region,
    *,
    then: int = 2009,
    future: int = 2030,
    projection: str = "statfin-2019",
    projected: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Dependency ratio by municipality: published value in ``then`` vs projected in ``future``.

    Parameters
    ----------
    region
        The region (needs the ``published_indicators`` table).
    then
        Year of the published Sotkanet indicator 761 value.
    future
        Projected year.
    projection
        Official projection used for ``future`` (ignored if ``projected`` is given).
    projected
        Optional own projection (long ``municipality, year, age, population``).

    Returns
    -------
    (pandas.DataFrame, dict)
        Indexed by municipality code for the current members: ``name``,
        ``then`` and ``future`` (dependants per 100 aged 15–64); and meta.
    """
    codes = region.municipality_codes()
    pub = region.table("published_indicators")
    sel = pub[(pub["indicator"] == "dependency_ratio_sotkanet") & (pub["year"] == then)]
    if sel.empty:
        raise NotFoundError(f"no published dependency ratio (Sotkanet 761) for {then}")
    past = sel.set_index("municipality")["value"].astype(float)
    src = projected if projected is not None else region.projection(projection)
    fut = src[(src["year"] == future) & src["municipality"].isin(codes)]
    if fut.empty:
        raise ParameterError(f"the projection has no year {future}")
    fut_ratio = dependency_ratio(fut.drop(columns=["year"]))
    out = pd.DataFrame(
        {
            "name": [region.name(c) for c in codes],
            "then": past.reindex(codes).to_numpy(),
            "future": fut_ratio.reindex(codes).to_numpy(),
        },
        index=pd.Index(codes, name="municipality"),
    )
    meta = {
        "then": then,
        "future": future,
        "units": "persons aged 0-14 and 65+ per 100 aged 15-64",
        "source_then": f"THL Sotkanet indicator 761 (published), {then}",
        "source_future": (
            "own cohort-component projection"
            if projected is not None
            else f"Statistics Finland population projection 2019 ({projection})"
        ),
        "region_then": float(past.get("KS", float("nan"))),
    }
    return out, meta


def working_age_by_subregion(
    region: Region,
    *,
    base_year: int = 2008,
    last_year: int = 2030,
    projection: str = "statfin-2019",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Working-age (15–64) population index by subregion, ``base_year`` = 100.

    Observed years come from the ``working_age_population`` table (Statistics
    Finland); later years from the official projection, **chain-linked** at the
    last observed year ``J``: ``I(y) = I(J) · W_proj(y) / W_obs(J)`` where
    ``W_obs(J)`` is the observed single-year population aged 15–64 (StatFin
    11re), which is also the base of the official projection.

    Returns
    -------
    (pandas.DataFrame, dict)
        Wide frame: index ``year``, one column per subregion (plus the region),
        values = index (base year = 100); and meta incl. the join year.
    """
    codes = region.municipality_codes()
    subregions = region.subregions()
    groups: dict[str, str] = {c: subregions[c] for c in codes}
    wap = region.table("working_age_population")
    wap = wap[wap["municipality"].isin(codes)]
    join = int(wap["year"].max())
    obs = wap[(wap["year"] >= base_year) & (wap["year"] <= join)]
    series = []
    for grp in (groups, region.name_fi):
        idx = working_age_index(obs, base_year=base_year, groups=grp).rename("index")
        series.append(idx)
        proj = region.projection(projection)
        proj = proj[proj["municipality"].isin(codes) & (proj["year"] > join)]
        proj = proj[proj["year"] <= last_year]
        if join in region.age_sex_years:
            link = region.population_by_age(join, members_only=False)
            link = link[link["municipality"].isin(codes)]
            w_link = working_age_index(
                pd.concat([link.drop(columns=["sex"]), proj]), base_year=join, groups=grp
            )
        else:  # fall back to the table's own value at the join year
            w_link = working_age_index(
                pd.concat(
                    [
                        obs[obs["year"] == join],
                        proj.assign(
                            population_15_64=proj["population"].where(
                                proj["age"].between(15, 64), 0
                            )
                        )[["municipality", "year", "population_15_64"]],
                    ]
                ),
                base_year=join,
                groups=grp,
            )
        at_join = idx.xs(join, level="year")
        future = w_link[w_link.index.get_level_values("year") > join]
        g = future.index.get_level_values("group")
        series.append((future / 100.0 * at_join.reindex(g).to_numpy()).rename("index"))
    wide = pd.concat(series).reset_index().pivot(index="year", columns="group", values="index")
    meta = {
        "base_year": base_year,
        "join_year": join,
        "units": f"index, {base_year} = 100",
        "source_observed": f"Statistics Finland, population aged 15-64, {base_year}-{join}",
        "source_projected": (
            f"Statistics Finland population projection 2019, {join + 1}-{last_year}"
        ),
        "approximation": f"chain-linked at {join}: projected growth applied to the observed index",
    }
    return wide, meta

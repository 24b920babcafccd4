"""Turn a region's subregions or organisation models into a grouping spec."""

from __future__ import annotations

from soteplan.demography._indicators import GroupSpec
from soteplan.errors import ParameterError
from soteplan.region import Region

__all__ = ["GROUP_KINDS", "region_groups"]

GROUP_KINDS = ("municipality", "subregion", "region", "model")


def region_groups(
    region: Region, kind: str, *, model: str | None = None, year: int | None = None
) -> GroupSpec:
    """Grouping spec for the indicator functions.

    Parameters
    ----------
    region
        The region.
    kind
        ``municipality`` (each its own group), ``subregion``, ``region`` (one
        group named after the region) or ``model`` (an organisation model;
        groups are labelled with the area names).
    model
        Organisation model id when ``kind == "model"``.
    year
        Membership year for subregions (municipalities of the region that year).

    Raises
    ------
    ParameterError
        On an unknown kind or a missing model id.
    NotFoundError
        When the organisation model does not exist.
    """
    if kind == "municipality":
        return None
    if kind == "region":
        return region.name_fi
    if kind == "subregion":
        sub = region.subregions()
        codes = region.municipality_codes(year)
        return {c: sub[c] for c in codes}
    if kind == "model":
        if not model:
            raise ParameterError("grouping 'model' needs an organisation model id")
        grouping = region.grouping(model)
        return {code: area.name for area in grouping.areas for code in area.members}
    raise ParameterError(f"unknown grouping {kind!r}; use one of {', '.join(GROUP_KINDS)}")

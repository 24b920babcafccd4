"""Compare two scenario runs: demand, cost and access differences, as tables and a PNG."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import ParameterError
from soteplan.scenario._run import ScenarioResult
from soteplan.store import RunRecord

__all__ = ["Comparison", "compare", "plot_comparison"]

Run = ScenarioResult | RunRecord


@dataclass(frozen=True, eq=False)
class Comparison:
    """Differences B − A between two runs.

    Attributes
    ----------
    a, b
        Names of the runs.
    demand
        By ``year, service``: ``volume_a, volume_b, volume_diff, volume_pct``
        and the same for ``cost_eur`` and ``trips`` (B − A; pct relative to A).
    cost
        By ``year``: total cost, population and cost per resident of both runs
        and the differences (euros at the price year).
    access
        Region-level access measures of each run's final network: ``measure,
        band, a, b, diff`` (empty when a run has no access results).
    pathways
        Care pathways by ``pathway, year``: persons, contacts, cost, trips,
        travel and third-sector share of both runs and B − A (empty without).
    meta
        Units, price year, years compared, approximations of both runs.
    """

    a: str
    b: str
    demand: pd.DataFrame
    cost: pd.DataFrame
    access: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    pathways: pd.DataFrame = field(default_factory=pd.DataFrame)


def _parts(r: Run) -> tuple[str, dict[str, pd.DataFrame], dict[str, Any]]:
    if isinstance(r, ScenarioResult):
        return r.scenario.name, r.tables, r.meta
    return r.name, dict(r.tables), r.meta


def _diff(a: pd.Series, b: pd.Series, name: str) -> pd.DataFrame:
    out = pd.DataFrame({f"{name}_a": a, f"{name}_b": b})
    out[f"{name}_diff"] = out[f"{name}_b"] - out[f"{name}_a"]
    out[f"{name}_pct"] = 100 * out[f"{name}_diff"] / out[f"{name}_a"].where(out[f"{name}_a"] != 0)
    return out


def compare(a: Run, b: Run) -> Comparison:
    """Differences of demand, cost and access between two runs (B − A).

    Raises
    ------
    ParameterError
        When a run has no demand table or the runs share no year.
    """
    na, ta, ma = _parts(a)
    nb, tb, mb = _parts(b)
    for n, t in ((na, ta), (nb, tb)):
        if "demand" not in t:
            raise ParameterError(f"run {n!r} has no demand results")
    da, db = ta["demand"], tb["demand"]
    years = sorted(set(da["year"].astype(int)) & set(db["year"].astype(int)))
    if not years:
        raise ParameterError(f"runs {na!r} and {nb!r} share no year")
    if ma.get("price_year") != mb.get("price_year"):
        raise ParameterError(
            f"price years differ ({ma.get('price_year')} vs {mb.get('price_year')})"
        )

    def agg(d: pd.DataFrame) -> pd.DataFrame:
        d = d[d["year"].astype(int).isin(years)].assign(year=lambda x: x["year"].astype(int))
        return d.groupby(["year", "service"])[["volume", "cost_eur", "trips"]].sum(min_count=1)

    ga, gb = agg(da), agg(db)
    demand = pd.concat(
        [_diff(ga[c], gb[c], c) for c in ("volume", "cost_eur", "trips")], axis=1
    ).reset_index()

    def per_year(t: dict[str, pd.DataFrame], g: pd.DataFrame) -> pd.DataFrame:
        pop = t["population"].assign(year=lambda x: x["year"].astype(int))
        p = pop[pop["year"].isin(years)].groupby("year")["population"].sum()
        c = g.groupby(level="year")["cost_eur"].sum()
        return pd.DataFrame({"population": p, "cost_eur": c, "per_resident": c / p})

    pa, pb = per_year(ta, ga), per_year(tb, gb)
    cost = pd.concat(
        [_diff(pa[c], pb[c], c) for c in ("population", "cost_eur", "per_resident")], axis=1
    ).reset_index()

    def acc(t: dict[str, pd.DataFrame]) -> pd.Series | None:
        if "access" not in t:
            return None
        x = t["access"]
        x = x[(x["level"].astype(str) == "region")]
        return x.set_index(["measure", "band"])["after"].astype(float)

    xa, xb = acc(ta), acc(tb)
    if xa is None or xb is None:
        access = pd.DataFrame(columns=["measure", "band", "a", "b", "diff"])
    else:
        access = pd.DataFrame({"a": xa, "b": xb}).dropna(how="all")
        access["diff"] = access["b"] - access["a"]
        access = access.reset_index()
    meta = {
        "units": {
            "volume": "service units per year",
            "cost_eur": f"euros per year at {ma.get('price_year')} prices",
            "trips": "in-person contacts per year",
            "access": "shares (coverage.share_*), minutes (nearest_min.*), persons (within_*)",
        },
        "price_year": ma.get("price_year"),
        "years": [years[0], years[-1]],
        "direction": f"diff = {nb} − {na}",
        "approximation": {na: ma.get("approximation"), nb: mb.get("approximation")},
    }
    from soteplan.pathways._scenario import compare_pathway_tables

    return Comparison(na, nb, demand, cost, access, meta, compare_pathway_tables(ta, tb))


def plot_comparison(cmp: Comparison, path: str | Path) -> Path:
    """Write a three-panel PNG: cost by year, volume change by service, access measures.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    p = Path(path)
    fig, axes = plt.subplots(1, 3, figsize=(16, 5), constrained_layout=True)
    c = cmp.cost
    ax = axes[0]
    ax.plot(c["year"], c["cost_eur_a"] / 1e6, label=cmp.a, lw=2)
    ax.plot(c["year"], c["cost_eur_b"] / 1e6, label=cmp.b, lw=2, ls="--")
    ax.set_title(f"Total cost, M€ ({cmp.meta['price_year']} prices)")
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    last = int(cmp.demand["year"].max())
    d = cmp.demand[cmp.demand["year"] == last].set_index("service")
    ax = axes[1]
    vals = d["volume_pct"].fillna(0.0)
    ax.barh(vals.index, vals.to_numpy(), color=["tab:red" if v > 0 else "tab:blue" for v in vals])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_title(f"Volume {cmp.b} vs {cmp.a}, {last}, %")
    ax.grid(alpha=0.3, axis="x")
    ax = axes[2]
    acc = cmp.access
    if len(acc):
        sel = acc[acc["measure"].astype(str).str.startswith("coverage.share_")]
        sel = sel[sel["band"].isin(["all", "75+"])]
        labels = [
            f"{m.removeprefix('coverage.share_')} min, {b}"
            for m, b in zip(sel["measure"], sel["band"], strict=True)
        ]
        y = range(len(sel))
        ax.barh([i - 0.2 for i in y], 100 * sel["a"].to_numpy(), height=0.4, label=cmp.a)
        ax.barh([i + 0.2 for i in y], 100 * sel["b"].to_numpy(), height=0.4, label=cmp.b)
        ax.set_yticks(list(y), labels)
        ax.set_xlim(0, 100)
        ax.legend(fontsize=8, loc="lower left")
        ax.set_title("Population within car time of a service point, %")
    else:
        ax.text(0.5, 0.5, "no access results", ha="center", va="center")
        ax.set_axis_off()
    fig.suptitle(f"{cmp.b} vs {cmp.a}", fontsize=12)
    fig.savefig(p, dpi=110)
    plt.close(fig)
    return p

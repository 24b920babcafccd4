"""``soteplan locate``: where services should be (p-median, max-cover) for a region."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from soteplan.cli._common import (
    OutputFormat,
    ensure_dir,
    err_console,
    lazy_module,
    print_frame,
    progress_bar,
)
from soteplan.errors import ParameterError

np = lazy_module("numpy")
pd = lazy_module("pandas")


def _parse_p(spec: str) -> list[int]:
    """``"10"``, ``"10..40"`` or ``"10..40:5"`` → list of p values."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*(?::\s*(\d+))?)?\s*", spec)
    if not m:
        raise ParameterError(f"--p {spec!r}: expected N, A..B or A..B:STEP (e.g. 10..40:5)")
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) else a
    step = int(m.group(3)) if m.group(3) else (1 if b - a <= 10 else max((b - a) // 10, 1))
    if a < 1 or b < a or step < 1:
        raise ParameterError(f"--p {spec!r}: need 1 ≤ A ≤ B and STEP ≥ 1")
    vals = list(range(a, b + 1, step))
    if vals[-1] != b:
        vals.append(b)
    return vals


def _summary(
    res: Any, minutes: np.ndarray, w: np.ndarray, threshold: float, assigned: bool = False
) -> dict[str, Any]:
    """Population-weighted mean / max minutes and share within ``threshold``: to the nearest
    chosen site, or with ``assigned`` to the site each demand point is assigned to (the
    capacitated model, where that need not be the nearest)."""
    if assigned:
        t = np.nan_to_num(res.cost_to_site, nan=np.inf)
    else:
        t = np.asarray(minutes, dtype=float)[:, res.site_indices].min(axis=1)
    tot = float(w.sum())
    return {
        "mean min": float(w @ np.nan_to_num(t, nan=0.0)) / tot if tot else float("nan"),
        "max min": float(np.nanmax(t[w > 0])) if (w > 0).any() else float("nan"),
        f"≤{threshold:g} min %": 100.0 * float(w[t <= threshold].sum()) / tot if tot else 0.0,
    }


def _wmean(values: pd.Series, w: np.ndarray, mask: np.ndarray) -> float:
    """Weighted mean of ``values`` over ``mask`` (nan when nobody is there)."""
    ws = float(w[mask].sum())
    return float(np.average(values.to_numpy()[mask], weights=w[mask])) if ws > 0 else float("nan")


def _save_map(
    path: Path, region: Any, li: Any, res: Any, title: str, highlight: dict[str, list[str]]
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 8.5))
    muni = region.municipalities.loc[region.municipality_codes()]
    muni.boundary.plot(ax=ax, color="#999999", linewidth=0.5)
    t = res.cost_to_site
    w = res.weights
    sc = ax.scatter(
        li.demand_xy[:, 0],
        li.demand_xy[:, 1],
        c=t,
        s=8 + 60 * np.sqrt(w / w.max()),
        cmap="viridis_r",
        vmin=0,
        vmax=max(float(np.nanmax(t)), 1.0),
        alpha=0.85,
        edgecolor="none",
    )
    fig.colorbar(sc, ax=ax, shrink=0.6, label="minutes to assigned site")
    c = li.candidates
    chosen = c.iloc[res.site_indices]
    ax.scatter(
        chosen["x"],
        chosen["y"],
        marker="^",
        s=60,
        color="#d62728",
        edgecolor="k",
        linewidth=0.5,
        label="chosen site",
    )
    styles = {"closed": ("x", "#000000"), "new": ("*", "#ff7f0e")}
    for key, ids in highlight.items():
        if ids:
            sub = c.loc[ids]
            mk, col = styles.get(key, ("o", "#1f77b4"))
            ax.scatter(sub["x"], sub["y"], marker=mk, s=140, color=col, label=key, zorder=5)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.legend(loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    import textwrap

    # the footer is wrapped in full (not cut at a character count) and kept inside the figure
    footer = "Dots: demand points (size = residents, colour = minutes to the assigned site). "
    footer += "EPSG:3067. " + str(li.meta.get("approximation", "") or "")
    lines = textwrap.wrap(footer, 120)
    fig.subplots_adjust(bottom=0.02 + 0.018 * len(lines))
    fig.text(0.01, 0.005, "\n".join(lines), fontsize=6, va="bottom", wrap=False)
    fig.savefig(path, dpi=130, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)


def _save_curve(
    path: Path, df: pd.DataFrame, title: str, existing: tuple[int, float] | None = None
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(df.index, df["mean min"], marker="o", label="optimal sites (p-median)")
    if existing is not None:
        ax.scatter(
            [existing[0]],
            [existing[1]],
            marker="s",
            color="#d62728",
            zorder=5,
            label="existing sites",
        )
    ax.legend(fontsize=8)
    ax.set_xlabel("number of sites p")
    ax.set_ylabel("population-weighted mean minutes")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def register(app: typer.Typer) -> None:
    """Attach ``soteplan locate``."""

    @app.command("locate")
    def locate(
        service: Annotated[
            str, typer.Option(help="Service type, e.g. health_station, home_care_base.")
        ] = "health_station",
        p: Annotated[
            str | None, typer.Option("--p", help="Sites: N, A..B or A..B:STEP (objective curve).")
        ] = None,
        keep_existing: Annotated[
            bool, typer.Option("--keep-existing", help="Existing sites stay open.")
        ] = False,
        add: Annotated[
            int | None, typer.Option(help="Add K new sites (with --keep-existing).")
        ] = None,
        close: Annotated[
            int | None, typer.Option(help="Close the K existing sites whose closure costs least.")
        ] = None,
        maxcover: Annotated[
            bool, typer.Option("--maxcover", help="Maximise population within --minutes instead.")
        ] = False,
        minutes: Annotated[
            float, typer.Option(help="Coverage limit / reported threshold, minutes.")
        ] = 30.0,
        weights: Annotated[str, typer.Option(help="Population weights: all, 65+, 75+.")] = "all",
        capacity: Annotated[
            float | None,
            typer.Option(
                help="Persons (of --weights) one site may serve: capacitated p-median, every "
                "demand point to one site (with --p or --keep-existing --add)."
            ),
        ] = None,
        method: Annotated[str, typer.Option(help="exact or heuristic.")] = "exact",
        time_limit: Annotated[float, typer.Option(help="Seconds per solve.")] = 60.0,
        year: Annotated[
            int | None, typer.Option(help="Service points operating in this year.")
        ] = None,
        out: Annotated[Path | None, typer.Option(help="Write CSV + PNG (map, curve) here.")] = None,
        osm_pbf: Annotated[
            Path | None, typer.Option("--osm-pbf", help="Real OSM drive network from this PBF.")
        ] = None,
        region: Annotated[
            str, typer.Option("--region", "-r", help="Region id or directory.")
        ] = "keski-suomi",
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Where services should be: p-median objective curve (--p A..B), new sites next to the
        existing ones (--keep-existing --add K), least-harm closures (--close K) or maximal
        coverage within --minutes (--maxcover). --capacity limits the persons per site."""
        from soteplan.locate import CapacitatedPMedian, MaxCover, PMedian, region_location_input
        from soteplan.region import load_region

        modes = [
            p is not None and add is None and not maxcover,
            add is not None and not maxcover,
            close is not None,
            maxcover,
        ]
        if sum(bool(x) for x in modes) != 1:
            raise ParameterError(
                "choose one question: --p A..B, --keep-existing --add K, --close K, or "
                "--maxcover --minutes M [--p K | --add K]"
            )
        if add is not None and not keep_existing and not maxcover:
            raise ParameterError("--add K needs --keep-existing (new sites next to existing)")
        if capacity is not None and (maxcover or close is not None):
            raise ParameterError(
                "--capacity works with --p and with --keep-existing --add K, not with "
                "--maxcover or --close"
            )
        if capacity is not None and not capacity > 0:
            raise ParameterError(f"--capacity must be > 0 persons, got {capacity:g}")
        reg = load_region(region)
        extended = close is None
        with progress_bar("travel times") as _:
            li = region_location_input(reg, service, extended=extended, year=year, osm_pbf=osm_pbf)
        w = li.weights(weights)
        cost = li.minutes
        ids = list(li.candidates.index)
        existing = np.flatnonzero(li.existing)
        kw: dict[str, Any] = {"demand_ids": li.demand_ids, "site_ids": ids}
        c = li.candidates
        meta: dict[str, Any] = {**li.meta, "weights": weights, "method": method}
        capped = capacity is not None
        if capped:
            meta["capacity_persons_per_site"] = capacity
            meta["existing_network"] = "nearest site, no capacity"

        def pmedian(pv: int, fixed: Any = None) -> Any:
            """The p-median, or with --capacity the single-source capacitated one."""
            if capacity is None:
                return PMedian.from_cost_matrix(cost, w, p=pv, fixed=fixed, **kw)
            caps = np.full(len(ids), float(capacity))
            return CapacitatedPMedian.from_cost_matrix(
                cost, w, p=pv, capacity=caps, single_source=True, fixed=fixed, **kw
            )

        name = f"capacitated p-median ≤{capacity:g} persons/site" if capped else "p-median"
        base = PMedian.from_cost_matrix(cost, w, p=len(existing), fixed=existing, **kw).solve(
            method, time_limit
        )
        base_s = _summary(base, cost, w, minutes)
        if out is not None:
            ensure_dir(out)

        if modes[0]:
            assert p is not None
            rows, results = [], {}
            ps = _parse_p(p)
            with progress_bar(name, total=len(ps)) as adv:
                for k, pv in enumerate(ps):
                    r = pmedian(pv).solve(method, time_limit)
                    results[pv] = r
                    rows.append(
                        {
                            "p": pv,
                            "person-min": round(r.objective),
                            **_summary(r, cost, w, minutes, assigned=capped),
                            "existing kept": int(np.isin(r.site_indices, existing).sum()),
                            "gap %": 100 * r.gap,
                            "status": r.status.value,
                            "seconds": r.seconds,
                        }
                    )
                    adv(k + 1)
            df = pd.DataFrame(rows).set_index("p")
            meta["existing"] = {"p": len(existing), **base_s}
            print_frame(
                df,
                fmt,
                title=f"{name}, {service}, weights {weights} (existing "
                f"{len(existing)} sites: mean {base_s['mean min']:.2f} min)",
                meta=meta,
                float_digits=2,
            )
            if out is not None:
                df.to_csv(out / "locate_curve.csv")
                _save_curve(
                    out / "locate_curve.png",
                    df,
                    f"{service}: {name}, weights {weights}",
                    existing=(len(existing), base_s["mean min"]),
                )
                last = results[ps[-1]]
                last.to_frame().to_csv(out / f"locate_p{ps[-1]}_assignment.csv")
                _save_map(
                    out / f"locate_p{ps[-1]}_map.png",
                    reg,
                    li,
                    last,
                    f"{service}: best {ps[-1]} sites ({name}, {weights})",
                    {},
                )
                err_console.print(
                    f"[dim]wrote {out}/locate_curve.csv, .png and the p={ps[-1]} map[/]"
                )
            return

        if close is not None:
            if close < 1 or close >= len(existing):
                raise ParameterError(f"--close K needs 1 ≤ K < {len(existing)} existing sites")
            r = PMedian.from_cost_matrix(cost, w, p=len(existing) - close, **kw).solve(
                method, time_limit
            )
            closed = [ids[j] for j in existing if j not in set(r.site_indices.tolist())]
            after = _summary(r, cost, w, minutes)
            before_t = base.to_frame()["cost"]
            after_t = r.to_frame()["cost"]
            hit = pd.DataFrame(
                {
                    "population": w,
                    "minutes before": before_t.to_numpy(),
                    "minutes after": after_t.to_numpy(),
                },
                index=before_t.index,
            )
            rows = []
            for sid in closed:
                served = base.assignment == ids.index(sid)
                rows.append(
                    {
                        "site": sid,
                        "name": c.loc[sid, "name"],
                        "municipality": c.loc[sid, "municipality"],
                        "population served": float(w[served].sum()),
                        "their mean min before": _wmean(hit["minutes before"], w, served),
                        "their mean min after": _wmean(hit["minutes after"], w, served),
                    }
                )
            df = pd.DataFrame(rows).set_index("site")
            meta.update(
                objective_increase_person_min=r.objective - base.objective,
                mean_min_before=base_s["mean min"],
                mean_min_after=after["mean min"],
                status=r.status.value,
                gap=r.gap,
            )
            print_frame(
                df,
                fmt,
                title=(
                    f"close {close} of {len(existing)} {service} sites with least harm: mean "
                    f"{base_s['mean min']:.2f} → {after['mean min']:.2f} min (weights {weights}, "
                    f"+{r.objective - base.objective:,.0f} person-min, {r.status.value})"
                ),
                meta=meta,
                float_digits=2,
            )
            if out is not None:
                df.to_csv(out / "locate_close.csv")
                _save_map(
                    out / "locate_close_map.png",
                    reg,
                    li,
                    r,
                    f"{service}: close {close} (least increase in weighted time)",
                    {"closed": closed},
                )
            return

        # --add K (p-median or max-cover) / --maxcover --p K
        fixed = existing if keep_existing else None
        if add is not None:
            ptot = (len(existing) if keep_existing else 0) + add
        else:
            if p is None:
                raise ParameterError("--maxcover needs --p K or --keep-existing --add K")
            ptot = _parse_p(p)[0]
        if maxcover:
            r = MaxCover.from_cost_matrix(cost, w, p=ptot, radius=minutes, fixed=fixed, **kw).solve(
                method, time_limit
            )
        else:
            r = pmedian(ptot, fixed).solve(method, time_limit)
        new = [ids[j] for j in r.site_indices if j not in set(existing.tolist())]
        after = _summary(r, cost, w, minutes, assigned=capped)
        sf = r.sites_frame().loc[new] if new else r.sites_frame().iloc[:0]
        df = pd.DataFrame(
            {
                "name": c.loc[new, "name"],
                "kind": c.loc[new, "kind"],
                "municipality": c.loc[new, "municipality"],
                "population served": sf["served_weight"],
            },
            index=pd.Index(new, name="site"),
        )
        if not keep_existing:
            df = pd.DataFrame(
                {
                    "name": c.iloc[r.site_indices]["name"].to_numpy(),
                    "kind": c.iloc[r.site_indices]["kind"].to_numpy(),
                    "population served": r.sites_frame()["served_weight"].to_numpy(),
                },
                index=pd.Index(list(r.site_ids), name="site"),
            )
        model = f"max-cover ≤{minutes:g} min" if maxcover else name
        meta.update(
            before=base_s,
            after=after,
            status=r.status.value,
            gap=r.gap,
            objective=r.objective,
            bound=r.bound,
        )
        key = f"≤{minutes:g} min %"
        print_frame(
            df,
            fmt,
            title=(
                f"{model}, {service}, weights {weights}: {ptot} sites"
                + (f" ({len(existing)} existing kept + {add} new)" if keep_existing else "")
                + f"; mean {base_s['mean min']:.2f} → {after['mean min']:.2f} min, {key} "
                f"{base_s[key]:.1f} → {after[key]:.1f} ({r.status.value}, gap {100 * r.gap:.3g} %)"
            ),
            meta=meta,
            float_digits=1,
        )
        if out is not None:
            df.to_csv(out / "locate_sites.csv")
            r.to_frame().to_csv(out / "locate_assignment.csv")
            _save_map(
                out / "locate_map.png", reg, li, r, f"{service}: {model}, {weights}", {"new": new}
            )

"""Gather the report's content from the engines and render HTML and PDF."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from soteplan.api._errors import EngineUnavailableError
from soteplan.api._services import Services, engine
from soteplan.errors import ParameterError
from soteplan.i18n import normalise_lang, t
from soteplan.report import _figures as fig

__all__ = ["Report", "build_report"]

DEPENDENCY_YEARS = (2009, 2020, 2030, 2040)


@dataclass(frozen=True)
class Report:
    """A rendered report: ``html`` plus :meth:`pdf` and :meth:`write`."""

    region_id: str
    lang: str
    html: str
    sections: tuple[str, ...]
    approximations: tuple[str, ...] = field(default_factory=tuple)

    def pdf(self) -> bytes:
        """The report as PDF bytes (WeasyPrint)."""
        from weasyprint import HTML

        out: bytes = HTML(string=self.html, base_url=".").write_pdf()
        return out

    def document(self) -> Any:
        """The laid-out WeasyPrint document (``.pages`` lists the pages)."""
        from weasyprint import HTML

        return HTML(string=self.html, base_url=".").render()

    def write(self, path: str | Path) -> Path:
        """Write ``.pdf`` or ``.html`` (by suffix) and return the path."""
        p = Path(path)
        if p.suffix.lower() == ".pdf":
            p.write_bytes(self.pdf())
        elif p.suffix.lower() in (".html", ".htm"):
            p.write_text(self.html, encoding="utf-8")
        else:
            raise ParameterError(f"report file must end in .pdf or .html, got {p.name!r}")
        return p


def _fmt(x: float, digits: int = 0, lang: str = "fi") -> str:
    s = f"{x:,.{digits}f}"
    if lang == "fi":
        s = s.replace(",", " ").replace(".", ",")
    return s


def _pct(x: float | None, lang: str) -> str:
    return "–" if x is None else _fmt(100 * x, 1, lang) + " %"


def _scenario_spec(run: Any) -> dict[str, Any]:
    """The specification of a scenario run (result or stored record) as a dict."""
    sc = getattr(run, "scenario", None)
    if sc is not None and hasattr(sc, "model_dump"):
        spec: dict[str, Any] = sc.model_dump(mode="json")
        return spec
    raw = getattr(run, "spec", None)
    if isinstance(raw, dict):
        return raw
    raise ParameterError("scenario must be a ScenarioResult or a stored run record")


def _demand_rows(summary: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """Population, cost and cost per resident in the base and target years."""
    rows = []
    for year, d in sorted((summary.get("demand") or {}).items()):
        rows.append(
            {
                "year": str(year),
                "population": _fmt(float(d.get("population", 0)), 0, lang),
                "cost": _fmt(float(d.get("cost_eur", 0)) / 1e6, 1, lang),
                "per_resident": _fmt(float(d.get("cost_eur_per_resident", 0)), 0, lang),
            }
        )
    return rows


def build_report(
    services: Services | str | Path = "keski-suomi",
    *,
    lang: str = "fi",
    service: str = "health_station",
    close: list[str] | None = None,
    title: str | None = None,
    scenario: Any | None = None,
) -> Report:
    """Build the council report for a region, optionally with closed service points.

    Parameters
    ----------
    services
        A :class:`~soteplan.api._services.Services` or a region id / directory.
    lang
        ``"fi"`` (default) or ``"en"``.
    service
        Service type whose access is mapped (default health stations).
    close
        Ids of service points closed in the scenario (empty: the current network).
    title
        Scenario name printed on the cover.
    scenario
        A scenario run: a :class:`soteplan.scenario.ScenarioResult` or a stored
        :class:`soteplan.store.RunRecord`.  Its name, description, network
        change (closed points, service type) and demand/cost summary are used.
    """
    s = services if isinstance(services, Services) else Services(services)
    lang = normalise_lang(lang)
    r = s.region
    close = list(close or [])
    scenario_ctx: dict[str, Any] | None = None
    if scenario is not None:
        spec = _scenario_spec(scenario)
        net = spec.get("network") or {}
        close = close or [str(c) for c in net.get("close", [])]
        service = str(net.get("service_type") or service)
        title = title or str(spec.get("name", ""))
        scenario_ctx = {
            "description": str(spec.get("description") or "").strip(),
            "years": f"{spec.get('base_year')}–{spec.get('target_year')}",
            "demand_rows": _demand_rows(getattr(scenario, "summary", {}) or {}, lang),
            "price_year": (getattr(scenario, "meta", {}) or {}).get("price_year"),
        }
        run_meta = getattr(scenario, "meta", {}) or {}
        run_approx = run_meta.get("approximation") or []
        run_net = ((run_meta.get("engines") or {}).get("access") or {}).get("network")
        if isinstance(run_net, dict):
            scenario_ctx["network_note"] = _network_note(run_net, functools.partial(t, lang=lang))
        scenario_approx = [
            str(a) for a in (run_approx if isinstance(run_approx, list) else [run_approx])
        ]
    else:
        scenario_approx = []
    summary = s.summary()
    year = summary["year"]
    names = {c: str(r.municipalities.at[c, "name_fi"]) for c in r.municipalities.index}
    tr = functools.partial(t, lang=lang)
    svc_labels = {k: tr(f"svc.{k}") for k in ("health_station", "hospital", "emergency_department")}
    approx: list[str] = ["municipal boundaries are generalised for display"]
    unavailable: list[str] = []
    ctx: dict[str, Any] = {
        "lang": lang,
        "t": tr,
        "summary": summary,
        "year": year,
        "region_name": r.label(lang),
        "scenario_title": title,
        "closed": close,
        "service_label": tr(f"svc.{service}"),
        "scenario": scenario_ctx,
    }
    ctx["date"] = dt.date.today().isoformat()

    codes = r.municipality_codes()
    munis = r.municipalities.loc[codes]
    pop = r.population_total(year)
    ctx["population_map"] = fig.population_map(
        munis, pop, r.service_points_in(None), svc_labels, tr("report.population")
    )
    ctx["population_rows"] = [
        {"code": c, "name": names[c], "population": _fmt(float(pop.get(c, 0)), 0, lang)}
        for c in pop.sort_values(ascending=False).index
    ]

    pyr_year = r.age_sex_years[-1] if r.age_sex_years else None
    if pyr_year is not None:
        p = s.pyramid(pyr_year)
        ctx["pyramid_year"] = pyr_year
        ctx["pyramid"] = fig.pyramid_chart(
            p["groups"], p["male"], p["female"], tr("demo.men"), tr("demo.women")
        )
    try:
        import pandas as pd

        dr = s.dependency_ratio(list(DEPENDENCY_YEARS))
        frame = pd.DataFrame(dr["by_municipality"])
        ctx["dependency"] = fig.dependency_chart(frame, names, tr("demo.dependency"))
        ctx["dependency_years"] = dr["years"]
        ctx["dependency_missing"] = dr["missing_years"]
        ctx["dependency_source"] = dr["source"]
    except EngineUnavailableError as exc:
        unavailable.append(str(exc))

    try:
        acc = engine("access", "assess", "what_if", "region_groupings")
        graph, origins = s._access_inputs
        fac = engine("access", "service_points").service_points(r, service, None)
        kw = {"service": service, "groupings": acc.region_groupings(r)}
        if close:
            w = acc.what_if(graph, origins, fac, close=close, **kw)
            before, after = w.before, w.after
            d = w.delta
            d = d[
                (d["band"] == "all")
                & d["level"].isin(["region", "municipality"])
                & d["measure"].isin(["coverage.share_15", "coverage.share_30"])
            ]
            ctx["whatif_rows"] = [
                {
                    "area": tr("net.region_total")
                    if row.level == "region"
                    else names.get(row.area, row.area),
                    "measure": row.measure.replace("coverage.share_", "≤ ") + " min",
                    "before": _pct(row.before, lang),
                    "after": _pct(row.after, lang),
                    "change": _pct(row.change, lang),
                }
                for row in d.itertuples()
                if abs(row.change) > 1e-9 or row.level == "region"
            ]
            ctx["losers_population"] = _fmt(float(w.meta.get("losers_population", 0)), 0, lang)
            ctx["closed_names"] = [str(fac.at[c, "name"]) if c in fac.index else c for c in close]
        else:
            before = after = acc.assess(graph, origins, fac, **kw)
        cov = after.coverage
        cov = cov[(cov["band"] == "all") & cov["level"].isin(["region", "municipality"])]
        reg = cov[cov["level"] == "region"].iloc[0]
        ctx["coverage_text"] = tr(
            "report.coverage_text",
            share15=_pct(reg["share_15"], lang),
            share30=_pct(reg["share_30"], lang),
        )
        ctx["coverage_rows"] = [
            {
                "area": tr("net.region_total")
                if row.level == "region"
                else names.get(row.area, row.area),
                "population": _fmt(row.population, 0, lang),
                "s15": _pct(row.share_15, lang),
                "s30": _pct(row.share_30, lang),
                "s45": _pct(row.share_45, lang),
            }
            for row in cov.itertuples()
        ]
        ctx["access_map"] = fig.access_map(
            munis, after.origins_frame(), fac, close, tr("report.access_map")
        )
        meta_approx = after.meta.get("approximation")
        if meta_approx:
            approx.extend(a.strip() for a in str(meta_approx).split(";"))
        approx.extend(after.meta.get("notes", []))
        ctx["access_method"] = after.meta.get("travel_time", {}).get("method", "")
        ctx["network_note"] = _network_note(after.meta.get("network"), tr)
        del before
    except EngineUnavailableError as exc:
        unavailable.append(str(exc))
        ctx["coverage_text"] = ""

    ctx["summary_text"] = tr(
        "report.summary_text",
        population=_fmt(summary["population"], 0, lang),
        year=year,
        n=summary["municipalities"],
        hs=summary["service_points"].get("health_station", 0),
        cov=ctx.get("coverage_text", ""),
    )
    approx.extend(scenario_approx)
    ctx["approximations"] = list(dict.fromkeys(a for a in approx if a))
    ctx["unavailable"] = unavailable
    ctx["sources"] = list(r.provenance.values())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("soteplan.report") / "templates")),
        autoescape=True,
    )
    html = env.get_template("report.html").render(**ctx)
    sections = ("summary", "population", "access", "assumptions", "sources")
    return Report(
        region_id=r.id,
        lang=lang,
        html=html,
        sections=sections,
        approximations=tuple(ctx["approximations"]),
    )


def _network_note(net: Any, tr: Any) -> str:
    """The sentence saying which year's service list a result uses (empty when unknown)."""
    if not isinstance(net, dict) or net.get("network_year") is None:
        return ""
    last = net.get("last_data_year") or net["network_year"]
    text = str(tr("net.network_year", year=net["network_year"], last=last))
    if net.get("beyond_data"):
        text += " " + str(tr("net.network_beyond", asked=net.get("requested_year"), last=last))
    return text

"""Validation of a pathway specification: every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from soteplan.errors import DataError, DataProblem
from soteplan.pathways._spec import RECOVERY, Pathway, _Sourced

__all__ = ["validate_pathway"]


def _records(p: Pathway) -> Iterable[tuple[str, _Sourced]]:
    for s in p.stages:
        yield f"stages.{s.id}", s
    for i, tr in enumerate(p.transitions):
        yield f"transitions[{i}]", tr
    yield "entry", p.entry
    for i, r in enumerate(p.entry.rates):
        yield f"entry.rates[{i}]", r
    for i, r in enumerate(p.entry.initial):
        yield f"entry.initial[{i}]", r
    for i, d in enumerate(p.death):
        yield f"death[{i}]", d
    if p.peer_support is not None:
        yield "peer_support", p.peer_support


def _shares_problems(where: str, shares: Mapping[str, float]) -> list[str]:
    out = [
        f"{where}: share {k}={v} is outside [0, 1]" for k, v in shares.items() if not 0 <= v <= 1
    ]
    total = sum(shares.values())
    if shares and abs(total - 1.0) > 1e-6:
        out.append(f"{where}: shares sum to {total:.4g}, not 1")
    return out


def _cycles_without_exit(p: Pathway) -> list[list[str]]:
    """Strongly connected stage sets (with an internal edge) that nobody can leave."""
    ids = p.stage_ids
    index = {s: i for i, s in enumerate(ids)}
    succ: dict[str, set[str]] = {s: set() for s in ids}
    exits: set[str] = set()
    for tr in p.transitions:
        if tr.annual_probability <= 0 or tr.from_ not in index:
            continue
        if tr.to == RECOVERY:
            exits.add(tr.from_)
        elif tr.to in index:
            succ[tr.from_].add(tr.to)
    deaths = {d.band: d.probability for d in p.death}
    if any(v > 0 for v in deaths.values()):
        exits |= {s.id for s in p.stages if s.death_multiplier > 0}
    # Tarjan's strongly connected components
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps: list[list[str]] = []

    def visit(v: str) -> None:
        order[v] = low[v] = len(order)
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in order:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], order[w])
        if low[v] == order[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for v in ids:
        if v not in order:
            visit(v)
    bad = []
    for comp in comps:
        cs = set(comp)
        cyclic = len(comp) > 1 or comp[0] in succ[comp[0]]
        leaves = any(succ[v] - cs for v in comp) or bool(cs & exits)
        if cyclic and not leaves:
            bad.append(sorted(comp, key=index.__getitem__))
    return bad


def validate_pathway(
    p: Pathway, *, service_types: Iterable[str] | None = None, source: str = "pathway"
) -> None:
    """Check a pathway; raise one :class:`~soteplan.errors.DataError` listing every problem.

    Checks: unique ids; known stages, bands and source keys; probabilities and
    rates in range; outgoing probabilities of every stage (with death at the
    highest death probability) summing to at most 1; provider and channel
    shares summing to 1; service types known (when ``service_types`` is
    given); every record sourced or marked ``assumed``; no cycle of stages
    without an exit.
    """
    probs: list[str] = []
    ids = p.stage_ids
    dup = sorted({s for s in ids if ids.count(s) > 1})
    if dup:
        probs.append(f"stages: duplicate stage ids {', '.join(dup)}")
    if RECOVERY in ids:
        probs.append(f"stages: {RECOVERY!r} is reserved for the recovery exit")
    bands = [b.id for b in p.age_bands]
    if not bands:
        probs.append("age_bands: at least one band is needed")
    if len(set(bands)) != len(bands):
        probs.append("age_bands: duplicate band ids")
    prev_hi: int | None = None
    for b in p.age_bands:
        if b.hi < b.lo:
            probs.append(f"age_bands.{b.id}: hi {b.hi} < lo {b.lo}")
        if prev_hi is not None and b.lo != prev_hi + 1:
            probs.append(f"age_bands.{b.id}: starts at {b.lo}, not right after {prev_hi}")
        prev_hi = b.hi
    keys = {s.key for s in p.sources}
    for where, rec in _records(p):
        if rec.source is not None and rec.source not in keys:
            probs.append(f"{where}: unknown source {rec.source!r}")
        if rec.source is None and not rec.assumed:
            probs.append(f"{where}: give a source or mark the numbers assumed: true")
    types = set(service_types) if service_types is not None else None
    for s in p.stages:
        probs += _shares_problems(f"stages.{s.id}.provider", s.provider_shares())
        probs += _shares_problems(f"stages.{s.id}.channel", s.channel_shares())
        if types is not None and s.service_type is not None and s.service_type not in types:
            probs.append(
                f"stages.{s.id}: unknown service type {s.service_type!r} "
                f"(known: {', '.join(sorted(types))})"
            )
    out: dict[str, float] = dict.fromkeys(ids, 0.0)
    for i, tr in enumerate(p.transitions):
        where = f"transitions[{i}] {tr.from_}->{tr.to}"
        if tr.from_ not in ids:
            probs.append(f"{where}: unknown stage {tr.from_!r}")
        if tr.to not in ids and tr.to != RECOVERY:
            probs.append(f"{where}: unknown stage {tr.to!r}")
        if tr.from_ == tr.to:
            probs.append(f"{where}: a transition must change stage")
        if (tr.probability is None) == (tr.rate is None):
            probs.append(f"{where}: give exactly one of probability or rate")
            continue
        if tr.probability is not None and not 0 <= tr.probability <= 1:
            probs.append(f"{where}: probability {tr.probability} is outside [0, 1]")
        if tr.rate is not None and tr.rate < 0:
            probs.append(f"{where}: rate {tr.rate} is negative")
        if tr.from_ in out:
            out[tr.from_] += tr.annual_probability
    death = {d.band: d.probability for d in p.death}
    for i, d in enumerate(p.death):
        if d.band not in bands:
            probs.append(f"death[{i}]: unknown age band {d.band!r}")
        if not 0 <= d.probability <= 1:
            probs.append(f"death[{i}]: probability {d.probability} is outside [0, 1]")
    qmax = max((v for v in death.values() if 0 <= v <= 1), default=0.0)
    for s in p.stages:
        total = out.get(s.id, 0.0) + min(1.0, qmax * s.death_multiplier)
        if total > 1 + 1e-9:
            probs.append(
                f"stages.{s.id}: outgoing probabilities sum to {total:.4g} > 1 "
                f"(transitions {out.get(s.id, 0.0):.4g} + death up to "
                f"{min(1.0, qmax * s.death_multiplier):.4g})"
            )
    years = sorted({s.price_year for s in p.stages})
    if len(years) > 1:
        probs.append(f"stages: one price year is needed for every unit cost, got {years}")
    e = p.entry
    if e.stage not in ids:
        probs.append(f"entry.stage: unknown stage {e.stage!r}")
    if not e.rates:
        probs.append("entry.rates: at least one rate is needed")
    for name, rows in (("rates", e.rates), ("initial", e.initial)):
        seen: set[tuple[str, str]] = set()
        for i, r in enumerate(rows):
            where = f"entry.{name}[{i}]"
            if r.band not in bands:
                probs.append(f"{where}: unknown age band {r.band!r}")
            if not 0 <= r.value <= 1:
                probs.append(f"{where}: value {r.value} is outside [0, 1]")
            sexes = ("male", "female") if r.sex == "both" else (r.sex,)
            for sx in sexes:
                if (r.band, sx) in seen:
                    probs.append(f"{where}: band {r.band} / {sx} given twice")
                seen.add((r.band, sx))
    if e.initial:
        unknown = sorted(set(e.initial_shares) - set(ids))
        if unknown:
            probs.append(f"entry.initial_shares: unknown stages {', '.join(unknown)}")
        if not e.initial_shares:
            probs.append("entry.initial_shares: give the split of the initial stock over stages")
        probs += _shares_problems("entry.initial_shares", e.initial_shares)
    for comp in _cycles_without_exit(p):
        probs.append(
            f"stages {', '.join(comp)}: a cycle without exit (no transition out, no death)"
        )
    ps = p.peer_support
    if ps is not None:
        if ps.stage not in ids:
            probs.append(f"peer_support.stage: unknown stage {ps.stage!r}")
        elif not any(t.from_ == ps.stage and t.to == ps.target for t in p.transitions):
            probs.append(f"peer_support: the pathway has no transition {ps.stage} -> {ps.target}")
    if p.heavy_users is not None:
        hu = p.heavy_users
        for k in ("person_share", "contact_share"):
            if k not in hu or not 0 < hu[k] < 1:
                probs.append(f"heavy_users.{k}: give a share strictly between 0 and 1")
    if probs:
        raise DataError([DataProblem(source, None, None, m) for m in probs])

"""The pathway specification: stages, transitions, entry and exits (pydantic, YAML).

A care or service pathway (palvelu- tai hoitoketju) is a set of stages a person
passes through.  Every stage names its provider kind (public / private /
third sector), its channel (in person / remote / digital self-service), the
service-point type where in-person contacts happen (for travel), a unit cost
with its price year, contacts per person-year and, where known, a capacity.
Transitions between stages carry annual probabilities (or rates per
person-year, converted with ``p = 1 - exp(-rate)``); people enter by incidence
or prevalence per age band and sex and leave by recovery or death.

Every number carries its provenance: a ``source`` key into the pathway's
``sources`` list, or ``assumed: true`` (an assumption, reported in the output
``meta``).  :func:`validate_pathway` reports every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from soteplan.errors import DataError, DataProblem

__all__ = [
    "CHANNELS",
    "PROVIDERS",
    "AgeBand",
    "Entry",
    "EntryRate",
    "Pathway",
    "Source",
    "Stage",
    "Transition",
    "parse_pathway",
    "validate_pathway",
]

#: Provider kinds.
PROVIDERS = ("public", "private", "third_sector")
#: Contact channels.
CHANNELS = ("in_person", "remote", "digital")

Provider = Literal["public", "private", "third_sector"]
Channel = Literal["in_person", "remote", "digital"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A user-visible text in Finnish and English."""

    fi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (Finnish unless ``"en"``)."""
        return self.en if lang == "en" else self.fi


class Source(_Strict):
    """A published source the pathway's numbers come from."""

    key: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    url: str | None = None


class _Sourced(_Strict):
    """A record whose numbers come from ``source`` or are ``assumed``."""

    source: str | None = None
    assumed: bool = False
    note: str | None = None


class AgeBand(_Strict):
    """An age band ``[lo, hi]`` in whole years (``hi`` inclusive, at most 100)."""

    id: str
    lo: int = Field(ge=0, le=100)
    hi: int = Field(ge=0, le=100)

    @property
    def width(self) -> int:
        """Number of single years in the band."""
        return self.hi - self.lo + 1


class Stage(_Sourced):
    """One stage of a pathway.

    Attributes
    ----------
    provider
        Provider kind, or shares by kind summing to 1.
    channel
        Channel of the contacts, or shares by channel summing to 1.
    service_type
        Service-point type where in-person contacts happen (``None``: none, e.g.
        24-hour housing where the person lives); ``home_care_base`` means staff
        travel from the base to the home.
    unit_cost_eur
        Cost of one contact (in-person price), euros of ``price_year``.
    contacts_per_year
        Contacts per person-year in the stage (for housing: care days).
    capacity
        Places (persons at a time) where known; ``None`` = unlimited.
    death_multiplier
        Relative mortality of people in the stage against the pathway's
        death probability by age band.
    """

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    label: Label
    provider: Provider | dict[Provider, float] = "public"
    channel: Channel | dict[Channel, float] = "in_person"
    service_type: str | None = None
    unit_cost_eur: float = Field(ge=0)
    price_year: int = Field(ge=1990, le=2100)
    contacts_per_year: float = Field(ge=0)
    capacity: float | None = Field(default=None, gt=0)
    death_multiplier: float = Field(default=1.0, ge=0)

    def provider_shares(self) -> dict[str, float]:
        """Provider kind → share of the stage's contacts."""
        p = self.provider
        return {p: 1.0} if isinstance(p, str) else {str(k): float(v) for k, v in p.items()}

    def channel_shares(self) -> dict[str, float]:
        """Channel → share of the stage's contacts."""
        c = self.channel
        return {c: 1.0} if isinstance(c, str) else {str(k): float(v) for k, v in c.items()}


class Transition(_Sourced):
    """A move between stages (``to`` may be ``recovery``): annual probability or rate."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    probability: float | None = None
    rate: float | None = None

    @property
    def annual_probability(self) -> float:
        """The annual probability (a rate per person-year becomes ``1 - exp(-rate)``)."""
        if self.probability is not None:
            return float(self.probability)
        return 1.0 - math.exp(-float(self.rate or 0.0))


class EntryRate(_Sourced):
    """Entry rate (incidence per person-year or prevalence share) of one age band and sex."""

    band: str
    sex: Literal["male", "female", "both"] = "both"
    value: float


class Entry(_Sourced):
    """How people enter the pathway.

    ``mode: incidence`` — new entrants per year = rate × population of the band;
    ``mode: prevalence`` — each year, entrants top the pathway up to the share
    ``value`` of the band's population.  ``initial`` gives the base stock as a
    prevalence share per band and sex, spread over stages by ``initial_shares``.
    """

    mode: Literal["incidence", "prevalence"] = "incidence"
    stage: str
    rates: list[EntryRate]
    initial: list[EntryRate] = Field(default_factory=list)
    initial_shares: dict[str, float] = Field(default_factory=dict)


class DeathRate(_Sourced):
    """Annual death probability of one age band (both sexes)."""

    band: str
    probability: float


class ChannelCost(_Sourced):
    """Cost of a remote or digital contact relative to an in-person one."""

    remote: float = Field(default=1.0, ge=0)
    digital: float = Field(default=1.0, ge=0)


class PeerSupportDefault(_Sourced):
    """The pathway's suggested NGO peer-support lever (parameters with provenance)."""

    stage: str
    target: str
    label: Label
    coverage: float = Field(ge=0, le=1)
    effect: float = Field(ge=0, le=1)
    contacts_per_year: float = Field(ge=0)
    unit_cost_eur: float = Field(ge=0)
    channel: Channel = "in_person"
    service_type: str | None = None


class Pathway(_Strict):
    """A care or service pathway (see the module docstring)."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    name: Label
    description: Label
    population: Label | None = None
    sources: list[Source]
    age_bands: list[AgeBand]
    stages: list[Stage]
    transitions: list[Transition] = Field(default_factory=list)
    entry: Entry
    death: list[DeathRate] = Field(default_factory=list)
    channel_cost: ChannelCost = Field(default_factory=ChannelCost)
    heavy_users: dict[str, float] | None = None
    peer_support: PeerSupportDefault | None = None

    @field_validator("stages")
    @classmethod
    def _some_stages(cls, v: list[Stage]) -> list[Stage]:
        if not v:
            raise ValueError("a pathway needs at least one stage")
        return v

    @property
    def stage_ids(self) -> list[str]:
        """Stage ids in spec order."""
        return [s.id for s in self.stages]

    def stage(self, stage_id: str) -> Stage:
        """The stage ``stage_id`` (KeyError if absent)."""
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)

    def assumptions(self) -> list[str]:
        """Every assumed number, as ``"where: note"`` strings (for ``meta``)."""
        out: list[str] = []

        def add(where: str, rec: _Sourced) -> None:
            if rec.assumed:
                out.append(f"{where}: {rec.note or 'assumption'}")

        for s in self.stages:
            add(f"stage {s.id}", s)
        for tr in self.transitions:
            add(f"transition {tr.from_}->{tr.to}", tr)
        add("entry", self.entry)
        for r in [*self.entry.rates, *self.entry.initial]:
            add(f"entry {r.band}/{r.sex}", r)
        for d in self.death:
            add(f"death {d.band}", d)
        add("channel cost", self.channel_cost)
        if self.peer_support is not None:
            add("peer support lever", self.peer_support)
        return out

    def cited(self) -> list[str]:
        """Citations of every source the pathway names."""
        return [s.citation + (f" <{s.url}>" if s.url else "") for s in self.sources]


#: Exit target of a transition that ends the pathway by recovery.
RECOVERY = "recovery"


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


def parse_pathway(
    data: Mapping[str, Any] | str | Path,
    *,
    service_types: Iterable[str] | None = None,
    source: str | None = None,
) -> Pathway:
    """Build and validate a :class:`Pathway` from a mapping, YAML text or a YAML file.

    Raises
    ------
    DataError
        Listing every schema and consistency problem at once.
    """
    name = source or "pathway"
    if isinstance(data, Path):
        name = source or data.name
        text = data.read_text(encoding="utf-8")
        raw: Any = yaml.safe_load(text)
    elif isinstance(data, str):
        raw = yaml.safe_load(data)
    else:
        raw = data
    if not isinstance(raw, Mapping):
        raise DataError([DataProblem(name, None, None, "a pathway must be a YAML mapping")])
    try:
        p = Pathway.model_validate(raw)
    except ValidationError as exc:
        raise DataError(
            [
                DataProblem(name, None, ".".join(str(x) for x in err["loc"]) or None, err["msg"])
                for err in exc.errors()
            ]
        ) from None
    validate_pathway(p, service_types=service_types, source=name)
    return p

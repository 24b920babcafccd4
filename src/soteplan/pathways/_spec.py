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
    from soteplan.pathways._validate import validate_pathway

    validate_pathway(p, service_types=service_types, source=name)
    return p

"""Pathway levers: channel shifts, NGO peer support and heavy-user (CCM) targeting.

Every lever starts in ``start_year`` and is checked against the pathway by
:func:`check_levers` (one error listing every problem).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from soteplan.errors import ParameterError
from soteplan.pathways._spec import RECOVERY, Pathway

__all__ = [
    "ChannelShift",
    "HeavyUserTargeting",
    "Lever",
    "PeerSupport",
    "check_levers",
    "levers_from_mappings",
]


@dataclass(frozen=True)
class ChannelShift:
    """Move ``share`` of a stage's in-person contacts to a remote or digital channel.

    The moved contacts cost ``pathway.channel_cost`` × the in-person unit cost and
    make no trip.
    """

    stage: str
    share: float
    to: Literal["remote", "digital"] = "remote"
    start_year: int = 2026

    kind = "channel_shift"


@dataclass(frozen=True)
class PeerSupport:
    """An NGO peer-support stage alongside ``stage`` that lowers one progression.

    A share ``coverage`` of the people in ``stage`` take part (third-sector
    contacts at ``unit_cost_eur``); their annual probability of the transition
    ``stage → target`` is cut by the relative ``effect``, so the pathway-wide
    probability falls by ``coverage × effect``.  Participants stay in
    ``stage``: the peer-support stage is a companion, not a separate state.
    """

    stage: str
    target: str
    coverage: float
    effect: float
    contacts_per_year: float = 10.0
    unit_cost_eur: float = 0.0
    channel: Literal["in_person", "remote", "digital"] = "in_person"
    service_type: str | None = None
    start_year: int = 2026

    kind = "peer_support"


@dataclass(frozen=True)
class HeavyUserTargeting:
    """Target the heavy users of ``stages`` with chronic-care-model case management.

    The top ``person_share`` of a stage's people make ``contact_share`` of its
    contacts (the pathway's ``heavy_users`` figures); case management cuts
    their contacts by ``contact_reduction`` (relative) and adds
    ``case_manager_contacts`` remote contacts a year at ``case_manager_cost_eur``.
    """

    stages: tuple[str, ...]
    contact_reduction: float
    person_share: float | None = None
    contact_share: float | None = None
    case_manager_contacts: float = 12.0
    case_manager_cost_eur: float = 0.0
    start_year: int = 2026

    kind = "heavy_users"


Lever = ChannelShift | PeerSupport | HeavyUserTargeting


def _share(v: float, name: str, probs: list[str], *, open_: bool = False) -> None:
    ok = 0 < v < 1 if open_ else 0 <= v <= 1
    if not ok:
        probs.append(f"{name} = {v} is outside {'(0, 1)' if open_ else '[0, 1]'}")


def check_levers(pathway: Pathway, levers: Sequence[Lever]) -> None:
    """Raise one :class:`~soteplan.errors.ParameterError` listing every lever problem."""
    probs: list[str] = []
    ids = set(pathway.stage_ids)
    shifted: dict[str, float] = {}
    for i, lv in enumerate(levers):
        w = f"lever {i + 1} ({lv.kind})"
        if isinstance(lv, ChannelShift):
            if lv.stage not in ids:
                probs.append(f"{w}: unknown stage {lv.stage!r}")
            _share(lv.share, f"{w}: share", probs)
            shifted[lv.stage] = shifted.get(lv.stage, 0.0) + lv.share
            if shifted[lv.stage] > 1 + 1e-9:
                probs.append(f"{w}: shifts of stage {lv.stage} add up to more than 1")
        elif isinstance(lv, PeerSupport):
            if lv.stage not in ids:
                probs.append(f"{w}: unknown stage {lv.stage!r}")
            if lv.target not in ids and lv.target != RECOVERY:
                probs.append(f"{w}: unknown target stage {lv.target!r}")
            elif lv.stage in ids and not any(
                t.from_ == lv.stage and t.to == lv.target for t in pathway.transitions
            ):
                probs.append(f"{w}: the pathway has no transition {lv.stage} -> {lv.target}")
            _share(lv.coverage, f"{w}: coverage", probs)
            _share(lv.effect, f"{w}: effect", probs)
            if lv.contacts_per_year < 0 or lv.unit_cost_eur < 0:
                probs.append(f"{w}: contacts and unit cost must be >= 0")
        elif isinstance(lv, HeavyUserTargeting):
            unknown = [s for s in lv.stages if s not in ids]
            if unknown or not lv.stages:
                probs.append(f"{w}: unknown or no stages {unknown}")
            _share(lv.contact_reduction, f"{w}: contact_reduction", probs)
            hu = pathway.heavy_users or {}
            ps = lv.person_share if lv.person_share is not None else hu.get("person_share")
            cs = lv.contact_share if lv.contact_share is not None else hu.get("contact_share")
            if ps is None or cs is None:
                probs.append(f"{w}: the pathway states no heavy-user shares; give them")
            else:
                _share(ps, f"{w}: person_share", probs, open_=True)
                _share(cs, f"{w}: contact_share", probs, open_=True)
            if lv.case_manager_contacts < 0 or lv.case_manager_cost_eur < 0:
                probs.append(f"{w}: case-manager contacts and cost must be >= 0")
        else:
            probs.append(f"{w}: not a pathway lever")
    if probs:
        raise ParameterError("invalid pathway levers:\n  " + "\n  ".join(probs))


def levers_from_mappings(pathway: Pathway, items: Sequence[Mapping[str, Any]]) -> list[Lever]:
    """Levers from plain mappings (scenario YAML, REST bodies, CLI options).

    Each mapping has ``kind`` = ``channel_shift`` (``stage, share, to, start_year``),
    ``peer_support`` (``stage, target, coverage, effect, ...``; missing
    parameters come from the pathway's ``peer_support`` suggestion) or
    ``heavy_users`` (``stages, contact_reduction, ...``).

    Raises
    ------
    ParameterError
        Listing every problem of every lever.
    """
    out: list[Lever] = []
    probs: list[str] = []
    kinds: dict[str, Any] = {
        "channel_shift": ChannelShift,
        "peer_support": PeerSupport,
        "heavy_users": HeavyUserTargeting,
    }
    for i, raw in enumerate(items):
        d = dict(raw)
        kind = d.pop("kind", None)
        cls = kinds.get(str(kind))
        if cls is None:
            probs.append(f"lever {i + 1}: kind must be one of {', '.join(kinds)}, got {kind!r}")
            continue
        if kind == "peer_support" and pathway.peer_support is not None:
            ps = pathway.peer_support
            for k in ("stage", "target", "coverage", "effect", "contacts_per_year"):
                d.setdefault(k, getattr(ps, k))
            d.setdefault("unit_cost_eur", ps.unit_cost_eur)
            d.setdefault("channel", ps.channel)
            d.setdefault("service_type", ps.service_type)
        if kind == "heavy_users" and isinstance(d.get("stages"), (list, str)):
            st = d["stages"]
            d["stages"] = tuple([st] if isinstance(st, str) else st)
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            probs.append(f"lever {i + 1} ({kind}): unknown fields {', '.join(unknown)}")
            continue
        try:
            out.append(cls(**d))
        except TypeError as exc:
            probs.append(f"lever {i + 1} ({kind}): {exc}")
    if probs:
        raise ParameterError("invalid pathway levers:\n  " + "\n  ".join(probs))
    check_levers(pathway, out)
    return out

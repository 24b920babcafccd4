"""The engines' method and approximation notes in the reader's language.

Engines write their ``meta`` notes in English (they are part of the result, also for the JSON
API). The report and the web pages show them through this table: each known note is matched by
a regular expression (anchored, in the subset that Python and JavaScript read alike) and
replaced by a catalogue message, its captured numbers passed on as ``{0}``, ``{1}``, ... A note
that matches nothing is shown as written, and :func:`translate_notes` says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from soteplan.i18n import t

__all__ = ["NOTE_PATTERNS", "translate_note", "translate_notes"]

#: (regular expression of the English note, message key)
NOTE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^municipal boundaries are generalised for display$", "note.boundaries_display"),
    (
        r"^approximate road network: main roads \(valtatie ([0-9.]+), kantatie ([0-9.]+) km/h\) "
        r"\+ connecting roads \(Gabriel graph, straight line × ([0-9.]+) at ([0-9.]+) km/h\) "
        r"\+ straight-line access legs$",
        "note.approx_road_network",
    ),
    (
        r"^approximate road network: main roads \(valtatie ([0-9.]+), kantatie ([0-9.]+) km/h\) "
        r"\+ connecting roads \(Gabriel graph, straight line × ([0-9.]+) at ([0-9.]+) km/h\) "
        r"\+ straight-line access legs, speeds fitted to ([0-9]+) published Keski-Suomi car "
        r"times$",
        "note.approx_road_network_fitted",
    ),
    (r"^lakes not modelled$", "note.lakes"),
    (
        r"^opening days unknown \(missing or 0 in the data\) for ([0-9]+) station\(s\): "
        r"median ([0-9.]+) used$",
        "note.choice_days_unknown",
    ),
    (
        r"^65\+ and 75\+ of each postal area = its total × its municipality's share of that age "
        r"band in ([0-9]{4}) \(municipal age structure distributed uniformly to postal areas\)$",
        "note.postal_age_bands",
    ),
    (r"^no capacity data: every point counts as capacity 1$", "note.no_capacity"),
    (
        r"^Dijkstra \(scipy\.sparse\.csgraph\) on the road graph; points snapped to the nearest "
        r"node with a straight-line access leg; one multi-source pass \(virtual facility nodes, "
        r"min_only\)$",
        "note.method_dijkstra",
    ),
    (
        r"^municipal boundaries are generalised \(1:4\.5M\)$",
        "note.boundaries_display",
    ),
    (
        r"^origins are DERIVED resident points \(dasymetric estimate from postal totals, YKR "
        r"settlements and the WorldPop grid, not register locations\)$",
        "note.resident_points",
    ),
    (
        r"^65\+ and 75\+ from each postal area's Paavo ([0-9]{4}) share scaled to the municipal "
        r"age structure of ([0-9]{4})$",
        "note.paavo_age_bands",
    ),
    (
        r"^today's areas approximated by assigning every origin to its nearest health station by "
        r"car time \(no open catchment-area data\)$",
        "note.choice_today_areas",
    ),
    (
        r"^residents = postal-area persons \(postal totals ([0-9]{4}), derived points\) with the "
        r"stations open in ([0-9]{4}) \(no postal-area population of that year in the package\)$",
        "note.choice_residents",
    ),
)

_COMPILED = tuple((re.compile(p), k) for p, k in NOTE_PATTERNS)


def translate_note(text: str, lang: str) -> tuple[str, bool]:
    """``text`` in ``lang`` and whether it was found in the table."""
    s = str(text).strip()
    for pat, key in _COMPILED:
        m = pat.match(s)
        if m:
            return t(key, lang).format(*m.groups()), True
    return s, False


def translate_notes(notes: Iterable[str], lang: str) -> tuple[list[str], bool]:
    """Translate every note; the flag is true when some note had to stay as written."""
    out, untranslated = [], False
    for n in notes:
        text, ok = translate_note(n, lang)
        out.append(text)
        untranslated |= not ok
    return out, untranslated

"""One message catalogue for the web app and the report, in Finnish and English.

>>> from soteplan.i18n import t
>>> t("nav.overview", "en")
'Overview'
>>> t("nav.overview", "fi")
'Yleiskuva'
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from soteplan.errors import ParameterError

__all__ = ["DEFAULT_LANG", "LANGS", "RESIDENT_LANGS", "catalogue", "normalise_lang", "t"]

#: Supported interface languages; Finnish is the default.
LANGS = ("fi", "en")
#: Languages of the resident pages (``/palveluohjaus``); their keys have all three.
RESIDENT_LANGS = ("fi", "sv", "en")
DEFAULT_LANG = "fi"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """The message catalogue: key → {"fi": text, "en": text, ...}.

    Every ``*.json`` file of this package is one part of the catalogue (``messages.json`` for the
    planner pages and the report, one file per engine for its own pages); a key defined in two
    files is a programming error.
    """
    data: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}
    parts = sorted(
        (f for f in resources.files("soteplan.i18n").iterdir() if f.name.endswith(".json")),
        key=lambda f: f.name,
    )
    for part in parts:
        entries: dict[str, dict[str, str]] = json.loads(part.read_text(encoding="utf-8"))
        for key, entry in entries.items():
            if key in seen:
                raise ParameterError(
                    f"message {key!r} is defined in both {seen[key]} and {part.name}"
                )
            seen[key] = part.name
            data[key] = entry
    return data


def normalise_lang(lang: str | None) -> str:
    """``lang`` when it is supported, else the default (Finnish)."""
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt: Any) -> str:
    """The message ``key`` in ``lang``, formatted with ``fmt``.

    Raises
    ------
    ParameterError
        When the key is not in the catalogue (a programming error caught by the tests).
    """
    entry = catalogue().get(key)
    if entry is None:
        raise ParameterError(f"no message {key!r} in the catalogue")
    text = entry.get(lang if lang in RESIDENT_LANGS else DEFAULT_LANG) or entry[DEFAULT_LANG]
    return text.format(**fmt) if fmt else text

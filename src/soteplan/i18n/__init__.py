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

__all__ = ["DEFAULT_LANG", "LANGS", "catalogue", "normalise_lang", "t"]

#: Supported interface languages; Finnish is the default.
LANGS = ("fi", "en")
DEFAULT_LANG = "fi"


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """The message catalogue: key → {"fi": text, "en": text}."""
    raw = (resources.files("soteplan.i18n") / "messages.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = json.loads(raw)
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
    text = entry.get(normalise_lang(lang)) or entry[DEFAULT_LANG]
    return text.format(**fmt) if fmt else text

"""Every message key used by the templates and ES modules exists in both languages."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from soteplan.errors import ParameterError
from soteplan.i18n import LANGS, catalogue, t

WEB = Path(str(resources.files("soteplan.web")))
REPORT = Path(str(resources.files("soteplan.report")))


def _used_keys() -> set[str]:
    keys: set[str] = set()
    pat = re.compile(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""")
    for path in [
        *WEB.rglob("*.html"),
        *WEB.glob("static/js/*.js"),
        *REPORT.rglob("*.html"),
        *REPORT.glob("*.py"),
        *WEB.glob("*.py"),
    ]:
        keys |= set(pat.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_used_key_is_translated():
    cat = catalogue()
    used = _used_keys()
    assert len(used) > 50
    missing = sorted(k for k in used if k not in cat)
    assert missing == []
    untranslated = sorted(
        k
        for k, v in cat.items()
        if any(not v.get(lang) for lang in LANGS) and not k.endswith("source_")
    )
    assert untranslated == []


def test_t_formats_and_rejects_unknown_keys():
    assert t("overview.on_31_dec", "en", year=2022) == "31 Dec 2022"
    assert t("nav.overview", "sv") == t("nav.overview", "fi")  # unsupported → Finnish
    with pytest.raises(ParameterError):
        t("no.such.key", "fi")

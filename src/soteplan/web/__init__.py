"""Server-rendered pages (Jinja2) with small ES modules, mounted on the API app.

Pages: Overview ``/``, Demography ``/demography``, Service network ``/network``,
Optimise ``/optimise``, Organisation models ``/organisation``, Scenarios
``/scenarios`` and the council report ``/report.pdf`` / ``/report.html``.
Language: ``?lang=fi|en`` (remembered in a cookie); Finnish by default.
MapLibre GL JS and ECharts are vendored under ``static/vendor`` (no CDN).
"""

from __future__ import annotations

from soteplan.web._pages import PAGES, mount_web

__all__ = ["PAGES", "mount_web"]

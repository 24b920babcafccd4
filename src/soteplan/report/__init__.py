"""The council report: an HTML document and its PDF (WeasyPrint).

>>> from soteplan.report import build_report
>>> rep = build_report("keski-suomi", lang="fi", close=["hs-077-hankasalmi"])  # doctest: +SKIP
>>> rep.write("report.pdf")                                                    # doctest: +SKIP

Maps and charts are drawn server-side with matplotlib and embedded as images.
"""

from __future__ import annotations

from soteplan.report._build import Report, build_report

__all__ = ["Report", "build_report"]

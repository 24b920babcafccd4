"""National runs: every wellbeing services county and Helsinki, as Dask tasks.

>>> from soteplan.national import run_national, CountyParams    # doctest: +SKIP
>>> res = run_national(["kainuu", "etela-savo"], workers=2)      # doctest: +SKIP
>>> res.to_frame()                                               # doctest: +SKIP
"""

from __future__ import annotations

from soteplan.national._county import CountyParams, county_figures
from soteplan.national._divide import Division, divide
from soteplan.national._map import save_map
from soteplan.national._run import TABLE_COLUMNS, NationalResult, run_national

__all__ = [
    "TABLE_COLUMNS",
    "CountyParams",
    "Division",
    "NationalResult",
    "county_figures",
    "divide",
    "run_national",
    "save_map",
]

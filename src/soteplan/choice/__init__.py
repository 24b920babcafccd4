"""Freedom of choice (valinnanvapaus): where residents choose to list, and what it does.

Huff / multinomial-logit shares from car travel time (power or exponential
decay) and station attractiveness built from named attributes (opening days
per week, private provider, a size); expected list sizes and primary-care
visits per station by age band; capacity limits by balancing factors with
the residents pushed to their next choice; calibration (maximum likelihood,
MCI log-centred regression, attractiveness fitted to observed totals); and
what-if for a station that enters, closes or changes its opening days.

>>> import numpy as np
>>> from soteplan.choice import ChoiceModel, ChoiceParams
>>> m = ChoiceModel.build(origin_ids=["a"], station_ids=["s1", "s2"],
...     minutes=[[5.0, 10.0]], population={"all": [100.0]},
...     params=ChoiceParams(decay="exponential", beta=0.2))
>>> round(float(m.solve().stations["list_choice"].iloc[0]), 1)
73.1
"""

from __future__ import annotations

from soteplan.choice._calibrate import (
    CalibrationResult,
    calibrate_mci,
    calibrate_ml,
    fit_attractiveness,
)
from soteplan.choice._edit import add_station, change_stations
from soteplan.choice._feeds import scenario_step, station_workload, summary_of
from soteplan.choice._huff import DECAYS, ChoiceParams, list_sizes, shares
from soteplan.choice._model import ChoiceModel, ChoiceResult
from soteplan.choice._region import (
    BANDS,
    DEFAULT_PARAMS,
    PILOTS,
    TODAY_APPROXIMATION,
    ChoiceSetup,
    Pilot,
    band_population,
    band_visit_rates,
    entrant_at,
    entrant_in,
    pilot_setup,
    region_setup,
)
from soteplan.choice._whatif import ChoiceWhatIf, Entrant, compare, switch_flows, what_if

__all__ = [
    "BANDS",
    "DECAYS",
    "DEFAULT_PARAMS",
    "PILOTS",
    "TODAY_APPROXIMATION",
    "CalibrationResult",
    "ChoiceModel",
    "ChoiceParams",
    "ChoiceResult",
    "ChoiceSetup",
    "ChoiceWhatIf",
    "Entrant",
    "Pilot",
    "add_station",
    "band_population",
    "band_visit_rates",
    "calibrate_mci",
    "calibrate_ml",
    "change_stations",
    "compare",
    "entrant_at",
    "entrant_in",
    "fit_attractiveness",
    "list_sizes",
    "pilot_setup",
    "region_setup",
    "scenario_step",
    "shares",
    "station_workload",
    "summary_of",
    "switch_flows",
    "what_if",
]

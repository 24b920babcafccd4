"""Service demand and cost: use rates × population × need × unit cost, with levers.

>>> from soteplan.demand import ServiceRates, forecast_demand, calibrate
>>> rates = ServiceRates.default()
>>> rates.service_names[:3]
['primary_care', 'home_care', 'housing_24h']
"""

from __future__ import annotations

from soteplan.demand._forecast import DemandForecast, calibrate, forecast_demand, population_array
from soteplan.demand._levers import (
    DemandLevers,
    HeavyUserTargeting,
    HomeCareShift,
    Prevention,
    RemoteServices,
    heavy_user_sigma,
    top_share_of_cost,
)
from soteplan.demand._prices import PriceIndex, to_price_year
from soteplan.demand._rates import SERVICES, ServiceRates

__all__ = [
    "SERVICES",
    "DemandForecast",
    "DemandLevers",
    "HeavyUserTargeting",
    "HomeCareShift",
    "Prevention",
    "PriceIndex",
    "RemoteServices",
    "ServiceRates",
    "calibrate",
    "forecast_demand",
    "heavy_user_sigma",
    "population_array",
    "to_price_year",
    "top_share_of_cost",
]

"""Organisation models: split a region into service areas, check them, find the best.

* :class:`OrganisationModel` / :class:`ServiceArea` — a named partition of the
  municipalities into areas with a hub each and the service levels they produce;
  from YAML (:func:`models_from_yaml`), a region grouping
  (:func:`model_from_grouping`) or code; validated by :func:`validate_model`.
* :func:`evaluate` — population now and projected, 65+/75+, dependency ratio,
  travel to the hub and the central hospital, share within X minutes,
  contiguity, net cost and population-base criteria; :func:`compare` puts
  several side by side, :func:`plot_models` maps them.
* :func:`regionalise` — optimal contiguous ``k``-area partitions (exact HiGHS
  MILP with flow contiguity; tabu-search heuristic for large instances).
* :func:`builtin_models` — the region's groupings, the derived province-wide
  production area and optimised 3–6-area models.
"""

from __future__ import annotations

from soteplan.organise._builtin import (
    OPTIMISED_K,
    OPTIMISED_MIN_POPULATION,
    builtin_model,
    builtin_models,
    model_names,
    optimised_model,
    region_travel,
)
from soteplan.organise._evaluate import (
    DEFAULT_CRITERIA,
    DEFAULT_WITHIN_MINUTES,
    Criterion,
    Evaluation,
    compare,
    evaluate,
)
from soteplan.organise._model import (
    LEVELS,
    OrganisationModel,
    ServiceArea,
    model_from_grouping,
    model_from_mapping,
    models_from_yaml,
    models_to_yaml,
    validate_model,
)
from soteplan.organise._plot import plot_models
from soteplan.organise._regionalise import (
    OBJECTIVES,
    RegionalisationResult,
    regionalise,
    regionalise_arrays,
)
from soteplan.organise._spatial import (
    ADJACENCY_BUFFER_M,
    DETOUR,
    SPEED_KMH,
    OriginTravel,
    TravelMatrix,
    adjacency,
    default_travel,
    is_connected,
    postal_travel,
    straight_line_travel,
)

__all__ = [
    "ADJACENCY_BUFFER_M",
    "DEFAULT_CRITERIA",
    "DEFAULT_WITHIN_MINUTES",
    "DETOUR",
    "LEVELS",
    "OBJECTIVES",
    "OPTIMISED_K",
    "OPTIMISED_MIN_POPULATION",
    "SPEED_KMH",
    "Criterion",
    "Evaluation",
    "OrganisationModel",
    "OriginTravel",
    "RegionalisationResult",
    "ServiceArea",
    "TravelMatrix",
    "adjacency",
    "builtin_model",
    "builtin_models",
    "compare",
    "default_travel",
    "evaluate",
    "is_connected",
    "model_from_grouping",
    "model_from_mapping",
    "model_names",
    "models_from_yaml",
    "models_to_yaml",
    "optimised_model",
    "plot_models",
    "postal_travel",
    "region_travel",
    "regionalise",
    "regionalise_arrays",
    "straight_line_travel",
    "validate_model",
]

"""Service guidance for residents: a service directory and needs answered by travel time.

* :class:`Directory` — an HSDS-compatible directory (organisation, service, location,
  service at location, channels: in person, phone, e-service, remote appointment), built
  from the region's service points (:func:`region_directory`) plus imported files
  (:func:`read_hsds_datapackage`, :func:`read_ptv_json`);
* :class:`Guide` / :func:`region_guide` — from a need (:data:`NEEDS`) and a place (postcode,
  municipality or point) the services that answer it, ranked by car travel time, with opening
  days and the phone, e-service and remote alternatives; emergencies answer 112 first;
* :meth:`Guide.unmet_needs` — for planners, the time to the nearest answering service per need
  and postal area;
* :func:`read_survey` / :func:`survey_by_area` — residents' survey and customer-panel results
  by area, beside the access figures.

Needs map to service types in the editable table ``guidance/data/needs.csv``.
"""

from __future__ import annotations

from soteplan.guidance._engine import (
    GuidanceResult,
    Guide,
    Place,
    RankedService,
    UnmetNeedsResult,
    region_guide,
)
from soteplan.guidance._files import read_directories, read_service_class_map, wgs84_to_3067
from soteplan.guidance._hsds import read_hsds_datapackage
from soteplan.guidance._model import (
    CHANNEL_KINDS,
    DAYS,
    Channel,
    Directory,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
)
from soteplan.guidance._ptv import read_ptv_json
from soteplan.guidance._region import assign_municipalities, region_directory
from soteplan.guidance._survey import FORM_TITLES, Survey, read_survey, survey_by_area
from soteplan.guidance._tables import NEEDS, NeedRule, Needs, load_needs

__all__ = [
    "CHANNEL_KINDS",
    "DAYS",
    "FORM_TITLES",
    "NEEDS",
    "Channel",
    "Directory",
    "GuidanceResult",
    "Guide",
    "Location",
    "NeedRule",
    "Needs",
    "Organization",
    "Place",
    "RankedService",
    "Service",
    "ServiceAtLocation",
    "Survey",
    "UnmetNeedsResult",
    "assign_municipalities",
    "load_needs",
    "read_directories",
    "read_hsds_datapackage",
    "read_ptv_json",
    "read_service_class_map",
    "read_survey",
    "region_directory",
    "region_guide",
    "survey_by_area",
    "wgs84_to_3067",
]

"""Current data for users with a connection: ``soteplan data fetch``.

:func:`fetch_region` brings a region's population by age (Statistics Finland, StatFin 11re,
latest year), the latest official population projection, THL Sotkanet indicators and, on
request, the OpenStreetMap road network clipped from Geofabrik's Finland extract into a user
region directory, with provenance and the fetch date, validated before it replaces
anything.  Requests go through a :class:`Transport`: :class:`HttpTransport` for the real
services, :class:`RecordedTransport` to replay a recording offline (the tests do), and
:class:`RecordingTransport` to write one.
"""

from __future__ import annotations

from soteplan.fetch._osm import (
    GEOFABRIK_FINLAND,
    OSM_ATTRIBUTION,
    OSM_FILE,
    clip_extract,
    download_extract,
    osm_cache_dir,
    region_bbox,
)
from soteplan.fetch._region import FetchResult, fetch_region, user_regions_dir
from soteplan.fetch._sotkanet import KNOWN_INDICATORS, SOTKANET_BASE, fetch_indicators
from soteplan.fetch._statfin import (
    PXWEB_BASE,
    TABLE_11RE,
    TABLE_PROJECTION,
    PxTable,
    fetch_population,
    fetch_projection,
    table_metadata,
)
from soteplan.fetch._transport import (
    HttpTransport,
    RecordedTransport,
    RecordingTransport,
    Transport,
)

__all__ = [
    "GEOFABRIK_FINLAND",
    "KNOWN_INDICATORS",
    "OSM_ATTRIBUTION",
    "OSM_FILE",
    "PXWEB_BASE",
    "SOTKANET_BASE",
    "TABLE_11RE",
    "TABLE_PROJECTION",
    "FetchResult",
    "HttpTransport",
    "PxTable",
    "RecordedTransport",
    "RecordingTransport",
    "Transport",
    "clip_extract",
    "download_extract",
    "fetch_indicators",
    "fetch_population",
    "fetch_projection",
    "fetch_region",
    "osm_cache_dir",
    "region_bbox",
    "table_metadata",
    "user_regions_dir",
]

"""Current data for users with a connection: ``soteplan data fetch``.

:func:`fetch_region` brings a region's population by age (Statistics Finland, StatFin 11re,
latest year), the latest official population projection and THL Sotkanet indicators into a
user region directory, with provenance and the fetch date, validated before it replaces
anything.  Requests go through a :class:`Transport`: :class:`HttpTransport` for the real
services, :class:`RecordedTransport` to replay a recording offline (the tests do), and
:class:`RecordingTransport` to write one.
"""

from __future__ import annotations

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
    "KNOWN_INDICATORS",
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
    "fetch_indicators",
    "fetch_population",
    "fetch_projection",
    "fetch_region",
    "table_metadata",
    "user_regions_dir",
]

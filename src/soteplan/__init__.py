"""soteplan: planning a Finnish region's social and health care services."""

from __future__ import annotations

from soteplan.errors import (
    DataError,
    InfeasibleError,
    NotFoundError,
    ParameterError,
    SoteplanError,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "InfeasibleError",
    "NotFoundError",
    "ParameterError",
    "SoteplanError",
    "__version__",
]

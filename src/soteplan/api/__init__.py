"""The soteplan REST API and web app in one FastAPI application.

>>> from soteplan.api import create_app
>>> app = create_app("keski-suomi")     # doctest: +SKIP

Run it with ``soteplan serve`` (uvicorn); the OpenAPI document is at
``/api/v1/openapi.json`` and the interactive docs at ``/api/docs``.
"""

from __future__ import annotations

from soteplan.api._app import create_app

__all__ = ["create_app"]

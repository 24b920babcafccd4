"""Interactive API documentation that works offline: Swagger UI vendored from npm.

FastAPI's default ``/api/docs`` loads Swagger UI from a CDN, so it is blank without a network.
Here the page loads ``swagger-ui-bundle.js`` and ``swagger-ui.css`` from the package
(``soteplan/web/static/vendor/swagger-ui/``, with their licence) and starts it from a small
script file rather than an inline one, so a strict ``script-src 'self'`` policy allows it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_PATH", "install_docs"]

#: Where the documentation page is served.
DOCS_PATH = "/api/docs"
_ASSETS = "/api/docs-assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>{title} – API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui" data-openapi="{openapi}"></main>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{init}"></script>
</body>
</html>
"""

_INIT = """// Start Swagger UI on the API's OpenAPI document (no CDN, no inline script).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""


def install_docs(app: FastAPI, openapi_url: str = "/api/v1/openapi.json") -> None:
    """Serve the offline Swagger UI at :data:`DOCS_PATH` (create the app with ``docs_url=None``)."""
    vendor = Path(str(resources.files("soteplan.web"))) / "static" / "vendor" / "swagger-ui"
    app.mount(_ASSETS + "/vendor", StaticFiles(directory=str(vendor)), name="api-docs-assets")
    page = _PAGE.format(
        title=app.title, assets=_ASSETS + "/vendor", init=_ASSETS + "/init.js", openapi=openapi_url
    )

    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    def init() -> Response:
        return Response(_INIT, media_type="text/javascript")

    app.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{_ASSETS}/init.js", init, methods=["GET"], include_in_schema=False)

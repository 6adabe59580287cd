"""The API's browsable docs page (Swagger UI), its files served by finbots itself.

FastAPI's own docs page loads Swagger UI from a public CDN, which fails on a machine with
no internet. The files come from the ``fastapi-offline`` package instead (it ships a
current Swagger UI build in its ``static/`` folder) and are served under
:data:`ASSETS_URL`; Swagger UI's online validator is switched off, so the page contacts
no host but the orchestrator.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

from bots.runtime.errors import ConfigError

__all__ = ["ASSETS_DIR", "ASSETS_URL", "install"]

ASSETS_URL = "/static/api-docs"
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")


def install(app: FastAPI, docs_url: str, openapi_url: str) -> None:
    """Serve the docs page at ``docs_url`` and its files (mount before ``/static``)."""
    missing = [name for name in _FILES if not (ASSETS_DIR / name).is_file()]
    if missing:
        raise ConfigError(f"the API docs files {missing} are not in {ASSETS_DIR}: "
                          "reinstall fastapi-offline")
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")

    async def docs_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}", title=f"{app.title} - API docs",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no outside validator
        )

    app.add_route(docs_url, docs_page, include_in_schema=False)

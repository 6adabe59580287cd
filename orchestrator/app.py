"""The FastAPI application: pages, the ``/api/v1`` JSON API, static files, authentication."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from orchestrator.api import auth as api_auth
from orchestrator.api import billing_api as api_billing
from orchestrator.api import bot_config as api_bot_config
from orchestrator.api import bots as api_bots
from orchestrator.api import cases as api_cases
from orchestrator.api import collections_api as api_collections
from orchestrator.api import customers_api as api_customers
from orchestrator.api import dashboard as api_dashboard
from orchestrator.api import disputes as api_disputes
from orchestrator.api import fleet as api_fleet
from orchestrator.api import learned as api_learned
from orchestrator.api import reconciliation_api as api_reconciliation
from orchestrator.api import runs as api_runs
from orchestrator.store import Store
from orchestrator.web import (
    admin_pages,
    api_docs,
    auth_middleware,
    auth_pages,
    billing_pages,
    bot_config_pages,
    bot_pages,
    collections_pages,
    customer_pages,
    dashboard_pages,
    dispute_pages,
    fleet_pages,
    inbox_pages,
    learned_pages,
    reconciliation_pages,
    runs_pages,
)
from orchestrator.web.templating import STATIC_DIR

__all__ = ["create_app"]

API_PREFIX = "/api/v1"
_API_ROUTERS = (api_auth, api_cases, api_runs, api_fleet, api_dashboard, api_bots, api_learned,
                api_bot_config, api_collections, api_billing, api_reconciliation,
                api_customers, api_disputes)
_PAGE_ROUTERS = (auth_pages, dashboard_pages, inbox_pages, runs_pages, fleet_pages, bot_pages,
                 admin_pages, learned_pages, bot_config_pages, collections_pages,
                 billing_pages, reconciliation_pages, customer_pages, dispute_pages)


def create_app(store: Store | None = None) -> FastAPI:
    """The app on ``store`` (default: the store the environment configures)."""
    app = FastAPI(title="finbots orchestrator", version="1.0.0",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None)
    api_docs.install(app, f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json")  # no CDN
    app.state.store = store or Store.from_settings()
    for module in _API_ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    for module in _PAGE_ROUTERS:
        app.include_router(module.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR), check_dir=False), name="static")
    auth_middleware.install(app)
    app.add_exception_handler(RecursionError, _nested_too_deeply)
    return app


async def _nested_too_deeply(request: Request, exc: Exception) -> JSONResponse:
    """A JSON body nested thousands deep exhausts the parser's recursion: the caller's
    mistake (422), never the server's."""
    return JSONResponse({"detail": "the request is nested too deeply"}, status_code=422)

"""The billing-portal sandbox app: one HTML shell, a static script, the JSON API.

``create_app(db_path, scenario)`` seeds the SQLite ground truth and returns the ASGI app.
"""

from __future__ import annotations

import random
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.faults import Sessions, install_sandbox_routes
from sandbox.portal import api, billing, claims
from sandbox.portal.db import PortalDb
from sandbox.scenario import Scenario, build_scenario
from sandbox.slowness import ms_range

HERE = Path(__file__).parent


async def index(request: Request) -> Response:
    """The app shell; the layout flag is read once by the script at start."""
    templates: Jinja2Templates = request.app.state.templates
    alt = request.app.state.faults.alt_layout
    return templates.TemplateResponse(request, "index.html", {"alt": alt})


def create_app(db_path: Path, scenario: Scenario) -> Starlette:
    db = PortalDb(Path(db_path))
    extra = sum(1 for p in scenario.payments if p.key.startswith("X"))
    db.seed(scenario, extra)
    routes = [
        Route("/", index),
        *api.routes(),
        *billing.routes(),
        *claims.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    bills = billing.install(app, Path(db_path))
    desk = claims.install(app, Path(db_path), scenario)

    def reset(n: int) -> None:
        db.seed(scenario if n == extra else build_scenario(extra_exact=n), n)
        bills.seed()
        desk.seed()

    faults = install_sandbox_routes(
        app, name="billing_portal", reset=reset,
        truth=lambda: {**db.truth(), "billing": bills.truth(), **desk.truth()})
    app.state.db = db
    app.state.scenario = scenario
    app.state.sessions = Sessions(faults)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.delay_ms = ms_range("FINBOTS_PORTAL_DELAY_MS", "300-800")
    app.state.rng = random.Random(faults.seed)
    return app

"""The service-desk (CRM) sandbox app: accounts with their finance status and notes, and
tickets, where customer-facing teams work. Pages live in :mod:`.accounts` and
:mod:`.tickets`; the refusal knobs in :mod:`.knobs`.

``create_app(db_path, scenario)`` seeds the SQLite ground truth (one account per ERP
customer, same customer numbers) and returns the ASGI app.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.crm import accounts, tickets
from sandbox.crm.db import CrmDb
from sandbox.crm.knobs import CrmFaults
from sandbox.crm.users import USERS
from sandbox.crm.web import COOKIE, HERE, MESSAGES, current_user, display_name, render
from sandbox.faults import Sessions, install_sandbox_routes
from sandbox.scenario import Scenario, build_scenario

__all__ = ["create_app"]


async def login_page(request: Request) -> Response:
    return render(request, "login.html", message=MESSAGES.get(
        request.query_params.get("msg", ""), ""), error="")


async def login_submit(request: Request) -> Response:
    form = await request.form()
    user = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    known = USERS.get(user)
    if known is None or not hmac.compare_digest(password.encode(), known[0].encode()):
        return render(request, "login.html", message="",
                      error="Unknown user name or wrong password.", status_code=401)
    sid = request.app.state.sessions.create(user)
    response = RedirectResponse("/crm/accounts", status_code=303)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/")
    return response


async def logout(request: Request) -> Response:
    request.app.state.sessions.drop(request.cookies.get(COOKIE))
    response = RedirectResponse("/crm/login?msg=logout", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def root(request: Request) -> Response:
    user = current_user(request)
    return user if isinstance(user, RedirectResponse) else RedirectResponse("/crm/accounts")


def create_app(db_path: Path, scenario: Scenario | None = None) -> Starlette:
    scenario = scenario or build_scenario()
    db = CrmDb(Path(db_path))
    db.seed(scenario)
    app = Starlette(routes=[
        Route("/", root),
        Route("/crm/login", login_page, methods=["GET"]),
        Route("/crm/login", login_submit, methods=["POST"]),
        Route("/crm/logout", logout),
        *accounts.routes(),
        *tickets.routes(),
        Mount("/crm/static", StaticFiles(directory=HERE / "static"), name="static"),
    ])
    extra = sum(1 for p in scenario.payments if p.key.startswith("X"))
    faults = install_sandbox_routes(
        app, name="service_desk", truth=db.truth, faults=CrmFaults(),
        reset=lambda n: db.seed(scenario if n == extra else build_scenario(extra_exact=n)))
    app.state.db = db
    app.state.scenario = scenario
    app.state.sessions = Sessions(faults)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["display_name"] = display_name
    app.state.templates = templates
    return app

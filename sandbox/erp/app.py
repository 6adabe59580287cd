"""The legacy ERP sandbox app: login, frameset, menu; page routes live in ``pages``.

``create_app(db_path, scenario)`` seeds the SQLite ground truth and returns the ASGI app.
Server-side slowness of the open-items and posting pages comes from the environment
variable ``FINBOTS_ERP_SLOW_MS`` (``"150-400"`` by default, ``"0"`` turns it off).
"""

from __future__ import annotations

import hmac
import random
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from sandbox.erp import ext, pages
from sandbox.erp.db import ErpDb
from sandbox.erp.web import COOKIE, HERE, MESSAGES, current_user, layout, render
from sandbox.faults import Sessions, install_sandbox_routes
from sandbox.scenario import Scenario, build_scenario
from sandbox.slowness import ms_range


async def login_page(request: Request) -> Response:
    msg = MESSAGES.get(request.query_params.get("msg", ""), "")
    return render(request, "login.html", message=msg)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    L = layout(request)
    user = str(form.get(L.user_field) or form.get("userid") or form.get("j_username") or "")
    pw = str(form.get(L.password_field) or form.get("password") or form.get("j_password") or "")
    known = request.app.state.scenario.credentials.erp_users().get(user.strip())
    if known is None or not hmac.compare_digest(pw.encode(), known.encode()):
        return render(request, "login.html", status_code=200,
                      message="Invalid user id or password.")
    sid = request.app.state.sessions.create(user.strip())
    response = RedirectResponse("/ar/main.do", status_code=302)
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/")
    return response


async def logout(request: Request) -> Response:
    request.app.state.sessions.drop(request.cookies.get(COOKIE))
    response = RedirectResponse("/ar/login.do?msg=logout", status_code=302)
    response.delete_cookie(COOKIE, path="/")
    return response


async def root(request: Request) -> Response:
    return RedirectResponse("/ar/login.do", status_code=302)


async def simple_page(request: Request) -> Response:
    """Frameset, banner, menu and welcome pages: login required, no data."""
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    name = request.scope["route"].name
    if name == "main" and layout(request).alt:
        name = "main_alt"
    return render(request, f"{name}.html", user=user)


def create_app(db_path: Path, scenario: Scenario) -> Starlette:
    db = ErpDb(Path(db_path))
    extra = sum(1 for p in scenario.payments if p.key.startswith("X"))
    db.seed(scenario, extra)
    routes = [
        Route("/", root),
        Route("/ar/login.do", login_page, methods=["GET"]),
        Route("/ar/login.do", login_submit, methods=["POST"]),
        Route("/ar/logout.do", logout),
        Route("/ar/main.do", simple_page, name="main"),
        Route("/ar/banner.do", simple_page, name="banner"),
        Route("/ar/menu.do", simple_page, name="menu"),
        Route("/ar/welcome.do", simple_page, name="welcome"),
        *pages.routes(),
        *ext.routes(),
        Mount("/ar/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    faults = install_sandbox_routes(
        app, name="legacy_erp", truth=db.truth,
        reset=lambda n: db.seed(scenario if n == extra else build_scenario(extra_exact=n), n))
    app.state.db = db
    app.state.scenario = scenario
    app.state.sessions = Sessions(faults)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.slow_ms = ms_range("FINBOTS_ERP_SLOW_MS", "150-400")
    app.state.rng = random.Random(faults.seed)
    return app

"""Request helpers shared by the ERP's pages: layout, templates, login guard, slowness."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from sandbox.erp.layout import Layout, pick
from sandbox.faults import Sessions
from sandbox.slowness import pause

HERE = Path(__file__).parent
COOKIE = "JSESSIONID"
MESSAGES = {
    "expired": "Your session has expired. Please log in again.",
    "required": "Please log in.",
    "logout": "You have been logged off.",
}


async def slow(request: Request) -> None:
    """The extra server time of the heavy pages (``FINBOTS_ERP_SLOW_MS``)."""
    await pause(request.app.state.slow_ms, request.app.state.rng)


def layout(request: Request) -> Layout:
    return pick(request.app.state.faults.alt_layout)


def render(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, {"L": layout(request), **context},
                                      status_code=status_code)


def current_user(request: Request) -> str | RedirectResponse:
    """The logged-in user, or the redirect to the login page (expired or missing)."""
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(COOKIE)
    state = sessions.touch(sid)
    session = sessions.get(sid)
    if state == "ok" and session is not None:
        return session.user
    msg = "expired" if state == "expired" else "required"
    return RedirectResponse(f"/ar/login.do?msg={msg}", status_code=302)

"""What the claims pages share: sessions of the desk and of customers, forms, rendering."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from sandbox.faults import Sessions
from sandbox.portal.claims.db import ClaimsDb
from sandbox.portal.claims.rules import Refused

DESK_COOKIE = "claims_session"
CUSTOMER_COOKIE = "customer_session"
MESSAGES = {"expired": "Your session has expired. Please sign in again.",
            "required": "Please sign in.", "logout": "You have been signed out."}


@dataclass(frozen=True)
class Who:
    """The signed-in desk user or customer, and the session's form token."""

    user: str
    csrf: str
    name: str = ""


def db(request: Request) -> ClaimsDb:
    return request.app.state.claims_db


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates: Jinja2Templates = request.app.state.claims_templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def not_found(request: Request, who: Who | None, what: str) -> Response:
    return render(request, "not_found.html", status_code=404, who=who, what=what)


def session(request: Request, cookie: str, login: str) -> Who | RedirectResponse:
    """The signed-in user of ``cookie``, or the redirect to ``login`` (why in ``msg``)."""
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(cookie)
    state = sessions.touch(sid)
    found = sessions.get(sid)
    if state == "ok" and found is not None and found.data.get("kind") == cookie:
        return Who(found.user, found.data["csrf"], found.data.get("name", ""))
    msg = "expired" if state == "expired" else "required"
    return RedirectResponse(f"{login}?msg={msg}", status_code=302)


def desk_session(request: Request) -> Who | RedirectResponse:
    """The signed-in claims-desk user, or the redirect to ``/claims/login``."""
    return session(request, DESK_COOKIE, "/claims/login")


def customer_session(request: Request) -> Who | RedirectResponse:
    """The signed-in customer (``user`` is the customer id), or ``/customer/login``."""
    return session(request, CUSTOMER_COOKIE, "/customer/login")


def sign_in(request: Request, cookie: str, user: str, target: str, path: str,
            name: str = "") -> RedirectResponse:
    sid = request.app.state.sessions.create(user, csrf=secrets.token_urlsafe(16), kind=cookie,
                                            name=name)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(cookie, sid, httponly=True, samesite="lax", path=path)
    return response


def sign_out(request: Request, cookie: str, login: str, path: str) -> RedirectResponse:
    request.app.state.sessions.drop(request.cookies.get(cookie))
    response = RedirectResponse(f"{login}?msg=logout", status_code=303)
    response.delete_cookie(cookie, path=path)
    return response


async def checked_form(request: Request, who: Who, **limits: int) -> FormData:
    """The posted form, refused when its CSRF token is not the session's."""
    form = await request.form(**limits)
    if not secrets.compare_digest(str(form.get("csrf") or ""), who.csrf):
        raise Refused("The form has expired (CSRF token); reload the page.")
    return form


def see_other(path: str, **query: str) -> RedirectResponse:
    args = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    return RedirectResponse(path + (f"?{args}" if args else ""), status_code=303)


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{quote(filename)}"'})


def file_response(filename: str, media_type: str, data: bytes) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{quote(filename)}"'})

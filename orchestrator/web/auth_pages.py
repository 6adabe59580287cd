"""Sign-in and sign-out pages: ``GET/POST /login``, ``POST /logout``.

Every attempt goes to the audit trail (``auth.login``, ``auth.login_failed`` with the
reason, ``auth.logout``); the person only ever sees "wrong username or password". After
``FAILURE_LIMIT`` failures of one name within ``FAILURE_WINDOW``, that name must wait.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.errors import AuthenticationError
from orchestrator.auth import service as accounts
from orchestrator.services.deps import current_principal, get_store
from orchestrator.store import Store, utcnow
from orchestrator.store.sessions import session_lifetimes
from orchestrator.web.auth_middleware import COOKIE_NAME
from orchestrator.web.templating import render

__all__ = ["router", "safe_next", "too_many_failures"]

router = APIRouter()
_FAILED = "Wrong username or password."
_THROTTLED = "Too many failed sign-ins for this name. Wait a few minutes and try again."
FAILURE_LIMIT = 10
FAILURE_WINDOW = dt.timedelta(minutes=15)


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no ``//``) — never an open redirect."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def too_many_failures(store: Store, username: str) -> bool:
    """``FAILURE_LIMIT`` failed sign-ins of this name within ``FAILURE_WINDOW``: wait."""
    recent = store.list_audit(limit=FAILURE_LIMIT, action="auth.login_failed",
                              actor=username or "-")
    since = utcnow() - FAILURE_WINDOW
    return len(recent) >= FAILURE_LIMIT and all(r.at >= since for r in recent)


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("FINBOTS_SECURE_COOKIES") == "1"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    store = get_store(request)
    username = username.strip()[:100]
    if too_many_failures(store, username):
        store.record_audit(username or "-", "auth.login_failed", f"user:{username}",
                           {"reason": "throttled", "client": _client(request)})
        return render(request, "login.html", status_code=429, next=safe_next(next),
                      error=_THROTTLED, username=username)
    try:
        user = accounts.authenticate(store, username, password)
    except AuthenticationError as exc:
        store.record_audit(username or "-", "auth.login_failed", f"user:{username}",
                           {"reason": str(exc), "client": _client(request)})
        return render(request, "login.html", status_code=401, next=safe_next(next),
                      error=_FAILED, username=username)
    _session, raw = accounts.create_session(store, user.username)
    store.record_audit(user.username, "auth.login", f"user:{user.username}",
                       {"client": _client(request)})
    response = RedirectResponse(safe_next(next), status_code=303)
    absolute, _idle = session_lifetimes()
    response.set_cookie(COOKIE_NAME, raw, max_age=int(absolute.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session (the middleware has checked its CSRF token) and forget the cookie."""
    principal = current_principal(request)
    raw = request.cookies.get(COOKIE_NAME, "")
    store = get_store(request)
    if raw and accounts.revoke_session(store, raw) and principal is not None:
        store.record_audit(principal.name, "auth.logout", f"user:{principal.name}", {})
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request))
    return response


def _client(request: Request) -> str:
    return request.client.host if request.client else ""

"""Sign-in and sign-out pages: ``GET/POST /login``, ``POST /logout``.

Every attempt goes to the audit trail (``auth.login``, ``auth.login_failed`` with the
reason, ``auth.logout``); the person only ever sees "wrong username or password". Failed
sign-ins slow down the client that made them (:mod:`orchestrator.auth.throttle`): per name
and client, per client across names, and per name from everywhere, never locking out the
person whose name it is.

The sign-in form carries a CSRF token bound to a pre-session cookie (``finbots_login``,
set by ``GET /login``), so another site cannot sign a browser in to an account of its
choosing: a ``POST /login`` without the cookie and its token is refused (403).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.errors import AuthenticationError
from orchestrator.auth import service as accounts
from orchestrator.auth.throttle import wait_before_login
from orchestrator.auth.tokens import digest, new_session_id, same_secret
from orchestrator.services.deps import current_principal, get_store
from orchestrator.store.sessions import session_lifetimes
from orchestrator.web.auth_middleware import COOKIE_NAME
from orchestrator.web.templating import render

__all__ = ["LOGIN_COOKIE", "login_form_token", "router", "safe_next"]

router = APIRouter()
LOGIN_COOKIE = "finbots_login"
_LOGIN_COOKIE_AGE = 12 * 3600
_FAILED = "Wrong username or password."
_THROTTLED = "Too many failed sign-ins. Wait {wait} and try again."
_STALE_FORM = "This sign-in form has expired or did not come from this site. Sign in again."


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no ``//``) — never an open redirect."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def login_form_token(pre_session: str) -> str:
    """The sign-in form's CSRF token for a pre-session cookie (the cookie never leaves
    it: the page carries only this digest of it)."""
    return digest("login-form:" + pre_session)


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("FINBOTS_SECURE_COOKIES") == "1"


def _login_page(request: Request, status_code: int = 200, **context: object) -> Response:
    """The form, with the pre-session cookie (kept if the browser has one) and its token."""
    pre = request.cookies.get(LOGIN_COOKIE, "")
    fresh = len(pre) < 32
    if fresh:
        pre = new_session_id()
    context.setdefault("next", "/")
    context.setdefault("error", None)
    context.setdefault("username", "")
    response = render(request, "login.html", status_code=status_code,
                      login_csrf=login_form_token(pre), **context)
    if fresh:
        response.set_cookie(LOGIN_COOKIE, pre, max_age=_LOGIN_COOKIE_AGE, path="/login",
                            httponly=True, samesite="strict", secure=secure_cookies(request))
    return response


def _in_words(wait: dt.timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    store = get_store(request)
    username = username.strip()[:100]
    client = _client(request)
    target = safe_next(next)
    actor = username or "-"
    pre = request.cookies.get(LOGIN_COOKIE, "")
    if not pre or not same_secret(csrf_token, login_form_token(pre)):
        store.record_audit(actor, "auth.login_failed", f"user:{username}",
                           {"reason": "no valid sign-in form token", "client": client})
        return _login_page(request, 403, next=target, error=_STALE_FORM, username=username)
    wait = wait_before_login(store, username, client)
    if wait > dt.timedelta(0):
        store.record_audit(actor, "auth.login_failed", f"user:{username}",
                           {"reason": "throttled", "client": client})
        response = _login_page(request, 429, next=target, username=username,
                               error=_THROTTLED.format(wait=_in_words(wait)))
        response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
        return response
    try:
        user = accounts.authenticate(store, username, password)
    except AuthenticationError as exc:
        store.record_login_failure(username, client)
        store.record_audit(actor, "auth.login_failed", f"user:{username}",
                           {"reason": str(exc), "client": client})
        return _login_page(request, 401, next=target, error=_FAILED, username=username)
    store.clear_login_failures(username, client)
    _session, raw = accounts.create_session(store, user.username)
    store.record_audit(user.username, "auth.login", f"user:{user.username}",
                       {"client": client})
    response = RedirectResponse(target, status_code=303)
    absolute, _idle = session_lifetimes()
    response.set_cookie(COOKIE_NAME, raw, max_age=int(absolute.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict",
                           secure=secure_cookies(request))
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

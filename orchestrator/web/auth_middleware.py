"""Authentication of each request: browser session cookie or API bearer token.

For every HTTP request the middleware puts a :class:`~orchestrator.auth.principal.Principal`
(or ``None``) on ``request.state.principal``; routes check it with
:func:`orchestrator.services.deps.require`.

* ``Authorization: Bearer <token>`` — a robot or integration token (no CSRF check: a
  browser never sends it on its own). The caller is the token's owner with the roles the
  token may still use; audit records written meanwhile name the token (``via_token``).
* Cookie ``finbots_session`` — a person signed in with the browser. Every POST, PUT,
  PATCH and DELETE must bring the session's CSRF token back, in the header
  ``X-CSRF-Token`` (HTMX) or the form field ``csrf_token``; otherwise 403.

Refusals of the ``require`` check are turned into what the caller can use: pages answer
401 with a redirect (303) to ``/login?next=...``, the API answers JSON.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.auth import service as accounts
from orchestrator.auth.principal import Principal
from orchestrator.auth.tokens import same_secret
from orchestrator.store.acting import acting_via_token
from orchestrator.web.csrf import submitted_csrf_token

__all__ = ["COOKIE_NAME", "install", "is_api_path"]

COOKIE_NAME = "finbots_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_EXEMPT = frozenset({"/login"})  # no session yet: the form checks its own token


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _cookie(scope: Scope, name: str) -> str:
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class AuthMiddleware:
    """Pure ASGI (the body can be read for the CSRF field and replayed to the route)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        store = scope["app"].state.store
        principal: Principal | None = None
        from_cookie = False
        auth = _header(scope, b"authorization")
        if auth[:7].lower() == "bearer ":
            principal = await run_in_threadpool(accounts.token_principal, store,
                                                auth[7:].strip())
        else:
            found = await run_in_threadpool(accounts.session_user, store,
                                            _cookie(scope, COOKIE_NAME))
            if found is not None:
                session, user = found
                principal = Principal.of(user.username, user.roles, "user", session.csrf_token)
                from_cookie = True
        scope.setdefault("state", {})["principal"] = principal
        if (from_cookie and principal is not None and scope["method"] in UNSAFE_METHODS
                and scope["path"] not in CSRF_EXEMPT):
            sent, receive = await submitted_csrf_token(scope, receive)
            if not same_secret(sent, principal.csrf_token):
                await _refuse_csrf(scope, receive, send)
                return
        with acting_via_token(principal.via_token if principal else None):
            await self.app(scope, receive, _with_security_headers(send))


_SECURITY_HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
                     (b"referrer-policy", b"same-origin")]


def _with_security_headers(send: Send) -> Send:
    """No framing of our pages (clickjacking), no MIME sniffing, no paths leaked outside."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []),
                                              *_SECURITY_HEADERS]}
        await send(message)

    return sending


async def _refuse_csrf(scope: Scope, receive: Receive, send: Send) -> None:
    detail = "missing or wrong CSRF token: reload the page and try again"
    response: Response
    if is_api_path(scope["path"]):
        response = JSONResponse({"detail": detail}, status_code=403)
    else:
        response = HTMLResponse(f"<!doctype html><title>Refused</title><p>{detail}</p>", 403)
    await response(scope, receive, send)


async def _page_auth_errors(request: Request, exc: Exception) -> Response:
    """401 on a page → sign in first; 403 on a page → a short HTML refusal."""
    assert isinstance(exc, StarletteHTTPException)
    if not is_api_path(request.url.path):
        if exc.status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            login = f"/login?next={quote(target, safe='')}"
            if request.headers.get("hx-request"):  # a fragment: send the whole page there
                return Response(status_code=401, headers={"HX-Redirect": login})
            return RedirectResponse(login, status_code=303)
        if exc.status_code == 403:
            from orchestrator.web.templating import render

            return render(request, "denied.html", status_code=403, detail=str(exc.detail))
    return await http_exception_handler(request, exc)  # type: ignore[arg-type]


def install(app: FastAPI) -> None:
    """Put the caller's Principal on ``request.state.principal`` for every request."""
    app.add_middleware(AuthMiddleware)
    app.add_exception_handler(StarletteHTTPException, _page_auth_errors)



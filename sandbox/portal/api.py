"""The portal's JSON API under ``/api/``: session login, invoice search, detail, status change.

Answers come after a seeded random delay (``FINBOTS_PORTAL_DELAY_MS``, ``"300-800"`` by
default, ``"0"`` turns it off) so the single-page app shows its spinner like the real one.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.faults import Sessions
from sandbox.portal.db import STATUSES, PortalDb
from sandbox.slowness import pause

COOKIE = "portal_session"


async def _delay(request: Request) -> None:
    """Results render after a delay (``FINBOTS_PORTAL_DELAY_MS``)."""
    await pause(request.app.state.delay_ms, request.app.state.rng)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _user(request: Request) -> str | JSONResponse:
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(COOKIE)
    state = sessions.touch(sid)
    session = sessions.get(sid)
    if state == "ok" and session is not None:
        return session.user
    if state == "expired":
        return _error(401, "session_expired", "Your session has expired. Please sign in again.")
    return _error(401, "not_authenticated", "Please sign in.")


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def login(request: Request) -> Response:
    body = await _body(request)
    creds = request.app.state.scenario.credentials
    user = str(body.get("username", "")).strip()
    if user != creds.portal_username or body.get("password") != creds.portal_password:
        return _error(401, "invalid_credentials", "Invalid username or password.")
    sid = request.app.state.sessions.create(user)
    response = JSONResponse({"user": user})
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/")
    return response


async def logout(request: Request) -> Response:
    request.app.state.sessions.drop(request.cookies.get(COOKIE))
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/")
    return response


async def me(request: Request) -> Response:
    user = _user(request)
    return user if isinstance(user, JSONResponse) else JSONResponse({"user": user})


async def search(request: Request) -> Response:
    user = _user(request)
    if isinstance(user, JSONResponse):
        return user
    await _delay(request)
    q = request.query_params
    status = q.get("status", "")
    if status and status not in STATUSES:
        return _error(400, "bad_status", f"Unknown status '{status}'.")
    db: PortalDb = request.app.state.db
    rows = db.search(q.get("number", ""), q.get("customer", ""), status)
    return JSONResponse({"invoices": rows, "count": len(rows)})


async def detail(request: Request) -> Response:
    user = _user(request)
    if isinstance(user, JSONResponse):
        return user
    await _delay(request)
    inv = request.app.state.db.invoice(request.path_params["number"])
    if inv is None:
        return _error(404, "not_found", "Invoice not found.")
    return JSONResponse(inv)


async def change_status(request: Request) -> Response:
    user = _user(request)
    if isinstance(user, JSONResponse):
        return user
    body = await _body(request)
    db: PortalDb = request.app.state.db
    number = request.path_params["number"]
    status, note = str(body.get("status", "")), str(body.get("note", "")).strip()
    if db.invoice(number) is None:
        return _error(404, "not_found", "Invoice not found.")
    if status not in STATUSES:
        return _error(400, "bad_status", f"Unknown status '{status}'.")
    if not note:
        return _error(400, "note_required", "A note is required to change the status.")
    await _delay(request)
    db.set_status(number, status, note, user)
    return JSONResponse(db.invoice(number))


def routes() -> list[Route]:
    return [
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/invoices", search),
        Route("/api/invoices/{number}", detail),
        Route("/api/invoices/{number}/status", change_status, methods=["POST"]),
    ]

"""Login in two steps (password, then a TOTP code) and logout.

Both layouts post to the same URLs; the field names differ (``username``/``password``/
``otp`` in the classic layout, ``user_id``/``passwd``/``security_code`` in the alternate
one) and both are accepted. Three wrong codes end the attempt.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

import pyotp
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.bank.state import PRELOGIN_COOKIE, SESSION_COOKIE, state

MAX_CODE_ATTEMPTS = 3
PENDING_TTL_S = 300.0

NOTICES = {
    "expired": "Your session has expired. Please log in again.",
    "logged_out": "You have been logged out.",
    "locked": "Too many invalid security codes. Please log in again.",
}


def totp_ok(seed: str, code: str, now: float | None = None) -> bool:
    """True for the code of the current or the previous 30-second window."""
    totp = pyotp.TOTP(seed)
    at = time.time() if now is None else now
    code = code.strip().replace(" ", "")
    return any(hmac.compare_digest(code, totp.at(at - 30 * k)) for k in (0, 1))


def _field(form: FormData, *names: str) -> str:
    for name in names:
        value = form.get(name)
        if value:
            return str(value)
    return ""


async def login_page(request: Request) -> Response:
    key = next((k for k in NOTICES if k in request.query_params), None)
    return state(request).page(request, "login.html", notice_key=key,
                               notice=NOTICES.get(key or ""), error=None, username="")


async def login_submit(request: Request) -> Response:
    bank = state(request)
    form = await request.form()
    username = _field(form, "username", "user_id")
    password = _field(form, "password", "passwd")
    creds = bank.scenario.credentials
    user_ok = hmac.compare_digest(username, creds.bank_username)
    if not (user_ok and hmac.compare_digest(password, creds.bank_password)):
        bank.db.record_login(username, ok=False)
        return bank.page(request, "login.html", notice=None, notice_key=None, username=username,
                         error="The user ID or password you entered is incorrect.")
    token = secrets.token_urlsafe(24)
    bank.pending[token] = {"user": username, "attempts": 0, "at": time.monotonic()}
    response = RedirectResponse("/login/mfa", status_code=303)
    response.set_cookie(PRELOGIN_COOKIE, token, httponly=True, samesite="lax")
    return response


def _pending(request: Request) -> dict[str, Any] | None:
    bank = state(request)
    token = request.cookies.get(PRELOGIN_COOKIE, "")
    entry = bank.pending.get(token)
    if entry is None or time.monotonic() - float(entry["at"]) > PENDING_TTL_S:
        bank.pending.pop(token, None)
        return None
    return entry


async def mfa_page(request: Request) -> Response:
    if _pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    return state(request).page(request, "mfa.html", error=None)


async def mfa_submit(request: Request) -> Response:
    bank = state(request)
    entry = _pending(request)
    if entry is None:
        return RedirectResponse("/login?expired=1", status_code=303)
    form = await request.form()
    user: str = entry["user"]
    if not totp_ok(bank.scenario.credentials.bank_totp_seed, _field(form, "otp", "security_code")):
        bank.db.record_login(user, ok=False)
        entry["attempts"] += 1
        if entry["attempts"] >= MAX_CODE_ATTEMPTS:
            bank.pending.pop(request.cookies.get(PRELOGIN_COOKIE, ""), None)
            return RedirectResponse("/login?locked=1", status_code=303)
        return bank.page(request, "mfa.html", error="The security code is not valid.")
    bank.pending.pop(request.cookies.get(PRELOGIN_COOKIE, ""), None)
    bank.db.record_login(user, ok=True)
    response = RedirectResponse("/accounts", status_code=303)
    sid = bank.sessions.create(user, csrf=secrets.token_hex(16))
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax")
    response.delete_cookie(PRELOGIN_COOKIE)
    return response


async def logout(request: Request) -> Response:
    state(request).sessions.drop(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login?logged_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

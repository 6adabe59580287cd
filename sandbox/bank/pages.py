"""Pages behind the login: accounts overview, statements and the statement download.

The classic layout downloads with a GET form (``/statements/download``) or the per-format
links; the alternate layout posts a form with a CSRF token to ``/statements/export``.
Both accept the date as ``YYYY-MM-DD`` or ``DD.MM.YYYY``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.bank.formats import FORMATS, render
from sandbox.bank.state import SESSION_COOKIE, BankState, require_login, state


class InputError(ValueError):
    """A statement request the bank refuses (shown on the statements page)."""


def parse_day(text: str | None, default: dt.date) -> dt.date:
    text = (text or "").strip()
    if not text:
        return default
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputError(f"'{text}' is not a valid date.")


def _csrf(request: Request) -> str:
    session = state(request).sessions.get(request.cookies.get(SESSION_COOKIE))
    return str(session.data.get("csrf", "")) if session else ""


async def accounts(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    bank = state(request)
    return bank.page(request, "accounts.html", user=user, accounts=bank.db.accounts(),
                     as_of=bank.scenario.statement_date)


def _statement_page(request: Request, bank: BankState, user: str, params: dict[str, Any],
                    error: str | None = None) -> Response:
    today = bank.scenario.statement_date
    account = params.get("account") or bank.scenario.company_iban
    try:
        day = parse_day(params.get("date"), today)
    except InputError as exc:
        day, error = today, error or str(exc)
    statement = bank.db.statement(account, day) if day <= today else None
    if day > today:
        error = error or f"No statement is available for {day:%d.%m.%Y} yet."
    return bank.page(request, "statements.html", status_code=400 if error else 200,
                     user=user, accounts=bank.db.accounts(), account=account, day=day,
                     statement=statement, formats=FORMATS.values(), error=error,
                     csrf=_csrf(request))


async def statements(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    return _statement_page(request, state(request), user, dict(request.query_params))


def _file(request: Request, user: str, account: str, day_text: str | None,
          fmt: str) -> Response:
    bank = state(request)
    params = {"account": account, "date": day_text}
    try:
        day = parse_day(day_text, bank.scenario.statement_date)
        if fmt not in FORMATS:
            raise InputError("Please choose a file format.")
        if day > bank.scenario.statement_date:
            raise InputError(f"No statement is available for {day:%d.%m.%Y} yet.")
        statement = bank.db.statement(account, day)
        if statement is None:
            raise InputError("Unknown account.")
    except InputError as exc:
        return _statement_page(request, bank, user, params, error=str(exc))
    content, filename, media_type = render(fmt, statement)
    bank.db.record_download(account, fmt, day)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)


async def download(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    q = request.query_params
    account = q.get("account") or state(request).scenario.company_iban
    return _file(request, user, account, q.get("date"), q.get("format", ""))


async def export(request: Request) -> Response:
    user = require_login(request)
    if isinstance(user, Response):
        return user
    form = await request.form()
    account = str(form.get("account") or state(request).scenario.company_iban)
    if str(form.get("csrf", "")) != _csrf(request):
        return _statement_page(request, state(request), user, {"account": account},
                               error="Your request could not be verified. Please try again.")
    return _file(request, user, account, str(form.get("booking_date") or ""),
                 str(form.get("export_format") or ""))

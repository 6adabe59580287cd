"""What the bank's pages share: the app state, page rendering and the login guard."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from sandbox.bank.db import BankDB
from sandbox.faults import Faults, Sessions
from sandbox.scenario import Scenario, build_scenario

BANK_NAME = "Nordwest Bank"
SESSION_COOKIE = "NWB_SESSION"
PRELOGIN_COOKIE = "NWB_PRELOGIN"


def money_de(value: Decimal) -> str:
    """250000.5 -> '250.000,50' (the classic layout speaks German number format)."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def money_en(value: Decimal) -> str:
    return f"{value:,.2f}"


@dataclass
class BankState:
    db: BankDB
    scenario: Scenario
    faults: Faults
    sessions: Sessions
    templates: Jinja2Templates
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)  # awaiting TOTP

    def page(self, request: Request, name: str, status_code: int = 200,
             **context: Any) -> Response:
        """Render ``name`` from the classic or (fault knob) the alternate layout."""
        alt = self.faults.alt_layout
        context.update(bank_name=BANK_NAME, alt=alt)
        context.setdefault("user", None)
        template = f"alt/{name}" if alt else name
        return self.templates.TemplateResponse(request, template, context,
                                               status_code=status_code)

    def reset(self, extra_exact: int) -> None:
        self.scenario = build_scenario(extra_exact)
        self.db.seed(self.scenario)
        self.sessions.clear()
        self.pending.clear()


def state(request: Request) -> BankState:
    bank: BankState = request.app.state.bank
    return bank


def require_login(request: Request) -> str | Response:
    """The user of a live session (counted as one request), or a redirect to the login."""
    bank = state(request)
    sid = request.cookies.get(SESSION_COOKIE)
    status = bank.sessions.touch(sid)
    session = bank.sessions.get(sid)
    if status == "ok" and session is not None:
        return session.user
    url = "/login?expired=1" if sid else "/login"
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response

"""The sandbox online bank: login with TOTP, accounts, statement downloads.

``create_app(db_path, scenario)`` returns a Starlette app with its ground truth in SQLite
at ``db_path``, seeded from ``scenario``. Pages: ``/login`` → ``/login/mfa`` →
``/accounts`` → ``/statements`` (download as camt.053, MT940, BAI2 or CSV), ``/payments``
(upload a pain.001 credit-transfer file, :mod:`sandbox.bank.payments`), ``/logout``.
The machine endpoints and fault knobs come from :mod:`sandbox.faults`; with
``alt_layout`` every page is rendered from ``templates/alt/`` (same functions, other
markup).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from sandbox.bank import auth, pages, payments
from sandbox.bank.db import BankDB
from sandbox.bank.state import BankState, money_de, money_en, require_login
from sandbox.faults import Faults, Sessions, install_sandbox_routes
from sandbox.scenario import Scenario, build_scenario

__all__ = ["create_app"]

TEMPLATES = Path(__file__).parent / "templates"


async def home(request: Request) -> Response:
    user = require_login(request)
    return user if isinstance(user, Response) else RedirectResponse("/accounts", 303)


def create_app(db_path: Path, scenario: Scenario | None = None, *,
               idle_timeout_s: float = 600.0) -> Starlette:
    """The bank app; sessions end after ``idle_timeout_s`` without a request."""
    scenario = scenario or build_scenario()
    db = BankDB(Path(db_path))
    db.seed(scenario)
    routes = [
        Route("/", home),
        Route("/login", auth.login_page, methods=["GET"]),
        Route("/login", auth.login_submit, methods=["POST"]),
        Route("/login/mfa", auth.mfa_page, methods=["GET"]),
        Route("/login/mfa", auth.mfa_submit, methods=["POST"]),
        Route("/logout", auth.logout, methods=["GET", "POST"]),
        Route("/accounts", pages.accounts),
        Route("/statements", pages.statements),
        Route("/statements/download", pages.download, methods=["GET"]),
        Route("/statements/export", pages.export, methods=["POST"]),
        Route("/payments", payments.payments, methods=["GET"]),
        Route("/payments/upload", payments.upload, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["money_de"] = money_de
    templates.env.filters["money_en"] = money_en
    faults = Faults()
    bank = BankState(db, scenario, faults, Sessions(faults, idle_timeout_s), templates)
    app.state.bank = bank
    install_sandbox_routes(app, name="sandbox_bank", reset=bank.reset, truth=db.truth,
                           faults=faults)
    return app

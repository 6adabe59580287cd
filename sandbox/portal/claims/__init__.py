"""The billing portal's claims: the back office's claims desk, credit memo requests with
their billing block, invoice PDFs, and the customers' own pages with the dispute form.

:func:`install` keeps the claims tables in the portal's own SQLite file (after the
portal's seed, which recreates the invoices) and puts them on ``app.state``; :func:`routes`
are the pages (:mod:`.desk`, :mod:`.credit_memos`, :mod:`.customer`).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from sandbox.portal.claims import credit_memos, customer, desk
from sandbox.portal.claims.db import ClaimsDb
from sandbox.portal.claims.seed import ACCESS_CODES
from sandbox.scenario import Scenario

__all__ = ["ACCESS_CODES", "ClaimsDb", "install", "routes"]

HERE = Path(__file__).parent


def install(app: Starlette, portal_db_path: Path, scenario: Scenario) -> ClaimsDb:
    """Seed the claims next to the portal's invoices; the pages find them on ``app.state``."""
    names = {c.customer_id: c.name for c in scenario.customers}
    db = ClaimsDb(portal_db_path, names)
    db.seed()
    app.state.claims_db = db
    app.state.claims_templates = Jinja2Templates(directory=HERE / "templates")
    return db


def routes() -> list[BaseRoute]:
    return [*desk.routes(), *credit_memos.routes(), *customer.routes()]

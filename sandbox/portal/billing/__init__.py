"""The billing portal's billing pages: contracts, draft invoices, their release.

:func:`install` seeds the billing tables next to the portal's database and keeps them on
``app.state``; :func:`routes` are the pages (:mod:`sandbox.portal.billing.pages`).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.templating import Jinja2Templates

from sandbox.portal.billing.db import BillingDb
from sandbox.portal.billing.pages import routes

__all__ = ["BillingDb", "install", "routes"]

HERE = Path(__file__).parent


def install(app: Starlette, portal_db_path: Path) -> BillingDb:
    """Seed the billing run next to ``portal_db_path``; the pages find it on ``app.state``."""
    db = BillingDb(portal_db_path.with_name(portal_db_path.stem + "-billing.sqlite"))
    db.seed()
    app.state.billing_db = db
    app.state.billing_templates = Jinja2Templates(directory=HERE / "templates")
    return db

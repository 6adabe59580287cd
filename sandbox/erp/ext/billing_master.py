"""ERP extension: customers' billing master data and purchase orders (see
sandbox/erp/ext/__init__.py for the contract). Same customer ids as the customer master.

Pages (login required) and their stable element ids:

- ``GET /ar/billingmaster.do`` every customer's billing master: ``table#billingMaster``, one
  ``tr.billingMaster`` per customer (``data-customer``) with cells ``td.custId``,
  ``td.billingName``, ``td.street``, ``td.postcode``, ``td.city``, ``td.country`` (ISO
  code), ``td.vatId`` (empty: none on file), ``td.poRequired`` ("Yes"/"No").
- ``GET /ar/billing.do?id=C...`` one customer: ``#billCustId``, ``#billName``,
  ``#billStreet``, ``#billPostcode``, ``#billCity``, ``#billCountry``, ``#vatId``,
  ``#poRequired`` and the customer's purchase orders.
- ``GET /ar/purchaseorders.do[?customer=C...]`` purchase orders: ``table#purchaseOrders``,
  ``tr.purchaseOrder`` (``data-po``) with ``td.poNumber``, ``td.custId``, ``td.amount``,
  ``td.remaining`` (two places), ``td.currency``, ``td.expires`` (ISO date), ``td.poStatus``
  (open / expired / used up on the ERP's business date ``#businessDate``).

Tables ``ar_billing_master`` and ``ar_purchase_orders``, seeded from
:mod:`sandbox.billing_scenario`.
"""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.billing_scenario import BILLING_DAY, build_billing_run
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

SCHEMA = """
DROP TABLE IF EXISTS ar_billing_master; DROP TABLE IF EXISTS ar_purchase_orders;
CREATE TABLE ar_billing_master (customer_id TEXT PRIMARY KEY, billing_name TEXT NOT NULL,
  street TEXT NOT NULL, postcode TEXT NOT NULL, city TEXT NOT NULL, country TEXT NOT NULL,
  vat_id TEXT, po_required INTEGER NOT NULL);
CREATE TABLE ar_purchase_orders (po_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  amount TEXT NOT NULL, remaining TEXT NOT NULL, currency TEXT NOT NULL,
  expires TEXT NOT NULL);
"""

CUSTOMER_ID = re.compile(r"^C\d{1,6}$")


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    run = build_billing_run()
    for m in run.masters:
        conn.execute("INSERT INTO ar_billing_master VALUES (?,?,?,?,?,?,?,?)",
                     (m.customer_id, m.billing_name, m.street, m.postcode, m.city, m.country,
                      m.vat_id, int(m.po_required)))
    for po in run.purchase_orders:
        conn.execute("INSERT INTO ar_purchase_orders VALUES (?,?,?,?,?,?)",
                     (po.number, po.customer_id, str(po.amount), str(po.remaining),
                      scenario.currency, po.expires.isoformat()))


def _po_status(row: sqlite3.Row) -> str:
    if row["expires"] < BILLING_DAY.isoformat():
        return "expired"
    return "used up" if Decimal(row["remaining"]) <= 0 else "open"


def _orders(conn: sqlite3.Connection, customer_id: str = "") -> list[dict[str, Any]]:
    sql, args = "SELECT * FROM ar_purchase_orders", ()
    if customer_id:
        sql, args = sql + " WHERE customer_id = ?", (customer_id,)
    return [{**dict(r), "status": _po_status(r)}
            for r in conn.execute(sql + " ORDER BY customer_id, po_number", args)]


async def master_list(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    with request.app.state.db.connect() as conn:
        rows = conn.execute("SELECT * FROM ar_billing_master ORDER BY customer_id").fetchall()
    return render(request, "ext_billing_master.html", masters=rows)


async def customer_billing(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer_id = request.query_params.get("id", "").strip().upper()[:10]
    with request.app.state.db.connect() as conn:
        row = conn.execute("SELECT * FROM ar_billing_master WHERE customer_id = ?",
                           (customer_id,)).fetchone() if CUSTOMER_ID.match(customer_id) else None
        orders = _orders(conn, customer_id) if row is not None else []
    return render(request, "ext_billing_customer.html", master=row, customer_id=customer_id,
                  orders=orders, business_date=BILLING_DAY,
                  status_code=200 if row is not None else 404)


async def purchase_orders(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer_id = request.query_params.get("customer", "").strip().upper()[:10]
    if customer_id and not CUSTOMER_ID.match(customer_id):
        customer_id = "C0"  # matches nothing
    with request.app.state.db.connect() as conn:
        orders = _orders(conn, customer_id)
    return render(request, "ext_purchase_orders.html", orders=orders, customer_id=customer_id,
                  business_date=BILLING_DAY)


def routes() -> list[BaseRoute]:
    return [
        Route("/ar/billingmaster.do", master_list),
        Route("/ar/billing.do", customer_billing),
        Route("/ar/purchaseorders.do", purchase_orders),
    ]


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    masters = [dict(r) for r in conn.execute(
        "SELECT * FROM ar_billing_master ORDER BY customer_id")]
    return {"billing_master": masters, "purchase_orders": _orders(conn)}

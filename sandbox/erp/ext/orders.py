"""ERP extension: sales orders with their deliveries, and the invoices of the claims scenario
(:mod:`sandbox.disputes_scenario`; see sandbox/erp/ext/__init__.py for the contract).

The disputed invoices ``INV-2026-2xxx`` are seeded into the ERP's core ``invoices`` table
(gross amounts; ``amount_open`` 0 for those paid before the claims day, whose payment shows
on the customer's account statement as a paid item). Each was billed from a sales order
the ERP holds with its lines and its delivery: what left the warehouse (``shipped``), the
delivery date and the proof of delivery (who signed, what they noted). A service has no
delivery. Two invoices can bill the same order (a duplicate billing).

Page (login required, the legacy ERP's look) and its stable element ids:

- ``GET /orders/by-invoice/{invoice_number}`` the order an invoice bills: ``#invoice-number``,
  ``#customer-id``, ``#customer-name``, ``#order-number``, ``#order-date``,
  ``#delivery-date`` (empty: nothing delivered), ``#proof-of-delivery``; the order's lines
  ``table#order-lines`` with ``tr.line[data-line]`` and cells ``.sku``, ``.description``,
  ``.ordered``, ``.shipped`` (empty: no delivery), ``.unit-price``; every invoice billing the
  order ``#order-invoices li.order-invoice[data-invoice]``. An invoice no order is known
  for: the page with ``#error`` (status 404).

Tables ``ar_orders``, ``ar_order_lines``, ``ar_order_invoices``.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.disputes_scenario import INVOICES, DisputedInvoice
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

SCHEMA = """
DROP TABLE IF EXISTS ar_orders; DROP TABLE IF EXISTS ar_order_lines;
DROP TABLE IF EXISTS ar_order_invoices;
CREATE TABLE ar_orders (order_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  order_date TEXT NOT NULL, delivery_date TEXT, proof_of_delivery TEXT NOT NULL);
CREATE TABLE ar_order_lines (order_number TEXT NOT NULL, line_no INTEGER NOT NULL,
  sku TEXT NOT NULL, description TEXT NOT NULL, ordered TEXT NOT NULL, shipped TEXT,
  unit_price TEXT NOT NULL, PRIMARY KEY (order_number, line_no));
CREATE TABLE ar_order_invoices (invoice_number TEXT PRIMARY KEY,
  order_number TEXT NOT NULL);
"""

INVOICE_NUMBER = re.compile(r"^INV-\d{4}-[A-Z0-9]{1,10}$")
#: a sales order is taken this many days before the invoice is issued
ORDER_LEAD_DAYS = 14
#: a paid invoice of the scenario was paid this many days before it fell due
PAID_EARLY_DAYS = 5


def order_date(inv: DisputedInvoice) -> dt.date:
    return inv.issue_date - dt.timedelta(days=ORDER_LEAD_DAYS)


def paid_date(inv: DisputedInvoice) -> dt.date:
    return inv.due_date - dt.timedelta(days=PAID_EARLY_DAYS)


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    """The claims scenario's invoices (for customers the ERP holds), their orders with
    lines and deliveries, and the paid ones' payment history."""
    known = {r[0] for r in conn.execute("SELECT customer_id FROM customers")}
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for inv in INVOICES:
        if inv.customer_id not in known:
            continue
        conn.execute("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (inv.invoice_number, inv.customer_id, str(inv.gross),
                      "0.00" if inv.paid else str(inv.gross), scenario.currency,
                      inv.issue_date.isoformat(), inv.due_date.isoformat(), None, "0", None))
        if inv.paid and "ar_paid_items" in tables:
            conn.execute("INSERT INTO ar_paid_items VALUES (?,?,?,?,?,?)",
                         (inv.invoice_number, inv.customer_id, str(inv.gross),
                          inv.issue_date.isoformat(), inv.due_date.isoformat(),
                          paid_date(inv).isoformat()))
        conn.execute("INSERT INTO ar_order_invoices VALUES (?, ?)",
                     (inv.invoice_number, inv.order_number))
        if conn.execute("SELECT 1 FROM ar_orders WHERE order_number = ?",
                        (inv.order_number,)).fetchone():
            continue  # billed again: the order is on file already
        conn.execute("INSERT INTO ar_orders VALUES (?,?,?,?,?)",
                     (inv.order_number, inv.customer_id, order_date(inv).isoformat(),
                      inv.delivery_date.isoformat() if inv.delivery_date else None,
                      inv.proof_of_delivery))
        for line in inv.lines:
            shipped = (None if inv.delivery_date is None else
                       line.shipped if line.shipped is not None else line.quantity)
            conn.execute("INSERT INTO ar_order_lines VALUES (?,?,?,?,?,?,?)",
                         (inv.order_number, line.line_no, line.sku, line.description,
                          str(line.quantity), None if shipped is None else str(shipped),
                          str(line.unit_price)))


def _order(conn: sqlite3.Connection, invoice_number: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT o.*, c.name AS customer_name FROM ar_order_invoices oi "
        "JOIN ar_orders o USING (order_number) JOIN customers c USING (customer_id) "
        "WHERE oi.invoice_number = ?", (invoice_number,)).fetchone()
    if row is None:
        return None
    number = row["order_number"]
    lines = conn.execute("SELECT line_no, sku, description, ordered, shipped, unit_price "
                         "FROM ar_order_lines WHERE order_number = ? ORDER BY line_no",
                         (number,)).fetchall()
    invoices = conn.execute("SELECT invoice_number FROM ar_order_invoices WHERE "
                            "order_number = ? ORDER BY invoice_number", (number,)).fetchall()
    return {**dict(row), "lines": [dict(r) for r in lines],
            "invoices": [r[0] for r in invoices]}


async def by_invoice(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    number = str(request.path_params["invoice_number"]).strip().upper()[:40]
    order = None
    if INVOICE_NUMBER.match(number):
        with request.app.state.db.connect() as conn:
            order = _order(conn, number)
    return render(request, "ext_order.html", order=order, invoice_number=number,
                  status_code=200 if order is not None else 404)


def routes() -> list[BaseRoute]:
    return [Route("/orders/by-invoice/{invoice_number}", by_invoice)]


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    numbers = [r[0] for r in conn.execute(
        "SELECT MIN(invoice_number) FROM ar_order_invoices GROUP BY order_number "
        "ORDER BY order_number")]
    orders = [o for o in (_order(conn, n) for n in numbers) if o is not None]
    for o in orders:
        o.pop("customer_name", None)
    return {"orders": orders}

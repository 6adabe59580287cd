"""ERP extension: the customer master (see sandbox/erp/ext/__init__.py for the contract).

Pages (login required) and their stable element ids:

- ``GET /ar/customers.do`` customer list: table ``#customerList``, one ``tr.customer`` per
  customer with ``data-customer``; cells ``td.custId`` (link to the master page),
  ``td.custName``, ``td.riskClass``, ``td.collector``, ``td.dunningBlock`` ("Yes"/"No").
- ``GET /ar/customer.do?id=C...`` customer master: ``#custId``, ``#custName``,
  ``#custEmail`` (the accounts-payable contact: ``sandbox.mail.addresses.customer_mailbox``),
  ``#paymentTerms`` (e.g. NET30), ``#termsDays``, ``#creditLimit`` (decimal, two places),
  ``#currency``, ``#riskClass`` (A..D), ``#collector``, ``#language`` (en/de),
  ``#dunningBlock`` ("Yes"/"No"), ``#blockReason``; the dunning-block form ``#blockForm``
  (``select[name=blockAction]`` set/clear, ``textarea[name=blockReason]`` required,
  ``#blockSubmit``) posting to ``/ar/customer.do``; ``#message`` / ``#error`` after a post;
  the change log ``#masterLog`` (``tr.logEntry``: at, user, action, reason).

Tables: ``ar_customer_master`` (one row per customer) and ``ar_master_log``. Other extensions
and bots read the master through the page; ``master(conn, id)`` serves the other ERP
extensions (e.g. credit checks against ``credit_limit``).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.collections_scenario import TERMS_DAYS, build_month
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

SCHEMA = """
DROP TABLE IF EXISTS ar_customer_master; DROP TABLE IF EXISTS ar_master_log;
CREATE TABLE ar_customer_master (customer_id TEXT PRIMARY KEY, email TEXT NOT NULL,
  payment_terms TEXT NOT NULL, terms_days INTEGER NOT NULL, credit_limit TEXT NOT NULL,
  risk_class TEXT NOT NULL, collector TEXT NOT NULL, language TEXT NOT NULL,
  dunning_block INTEGER NOT NULL DEFAULT 0, block_reason TEXT NOT NULL DEFAULT '');
CREATE TABLE ar_master_log (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL);
"""

CUSTOMER_ID = re.compile(r"^C\d{1,6}$")
MAX_REASON = 500


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    """Master data of every customer, the seeded month's customers and their open items."""
    month = build_month(scenario)
    for cust in month.customers:
        conn.execute("INSERT INTO customers VALUES (?, ?)", (cust.customer_id, cust.name))
    for i in month.invoices:
        conn.execute(
            "INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?)",
            (i.invoice_number, i.customer_id, str(i.amount), str(i.amount), scenario.currency,
             i.issue_date.isoformat(), i.due_date.isoformat(), None, "0", None))
    for m in month.masters:
        conn.execute(
            "INSERT INTO ar_customer_master VALUES (?,?,?,?,?,?,?,?,?,?)",
            (m.customer_id, m.email, m.payment_terms, TERMS_DAYS[m.payment_terms],
             str(m.credit_limit), m.risk_class, m.collector, m.language,
             1 if m.dunning_block else 0, m.dunning_block))
        if m.dunning_block:
            conn.execute(
                "INSERT INTO ar_master_log (customer_id, at, user, action, reason) "
                "VALUES (?,?,?,?,?)",
                (m.customer_id, f"{month.as_of - dt.timedelta(days=21)}T09:12:00+00:00",
                 m.collector, "dunning block set", m.dunning_block))


def master(conn: sqlite3.Connection, customer_id: str) -> dict[str, Any] | None:
    """One customer's name and master data (credit limit as ``Decimal``), or None."""
    row = conn.execute(
        "SELECT c.name, m.* FROM customers c JOIN ar_customer_master m USING (customer_id) "
        "WHERE customer_id = ?", (customer_id,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["credit_limit"] = Decimal(out["credit_limit"])
    out["dunning_block"] = bool(out["dunning_block"])
    return out


def set_dunning_block(conn: sqlite3.Connection, customer_id: str, block: bool, reason: str,
                      user: str) -> None:
    """Set or clear a customer's dunning block, logged with who and why."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE ar_customer_master SET dunning_block = ?, block_reason = ? "
                 "WHERE customer_id = ?", (1 if block else 0, reason if block else "",
                                           customer_id))
    conn.execute("INSERT INTO ar_master_log (customer_id, at, user, action, reason) "
                 "VALUES (?,?,?,?,?)",
                 (customer_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), user,
                  "dunning block set" if block else "dunning block cleared", reason))
    conn.execute("COMMIT")


async def customer_list(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    q = request.query_params.get("q", "").strip()[:60]
    like = f"%{q}%"
    with request.app.state.db.connect() as conn:
        rows = conn.execute(
            "SELECT c.customer_id, c.name, m.risk_class, m.collector, m.dunning_block "
            "FROM customers c JOIN ar_customer_master m USING (customer_id) "
            "WHERE c.customer_id LIKE ? OR c.name LIKE ? ORDER BY c.customer_id",
            (like, like)).fetchall()
    return render(request, "ext_customers.html", customers=rows, q=q)


def _page(request: Request, customer_id: str, *, message: str = "", error: str = "",
          status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        found = master(conn, customer_id) if CUSTOMER_ID.match(customer_id) else None
        log = conn.execute("SELECT at, user, action, reason FROM ar_master_log "
                           "WHERE customer_id = ? ORDER BY id", (customer_id,)).fetchall()
    if found is None:
        return render(request, "ext_customer.html", customer=None, customer_id=customer_id,
                      status_code=404)
    return render(request, "ext_customer.html", customer=found, customer_id=customer_id,
                  log=log, message=message, error=error,
                  currency=request.app.state.scenario.currency, status_code=status_code)


async def customer_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    return _page(request, request.query_params.get("id", "").strip().upper())


async def customer_submit(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = await request.form()
    customer_id = str(form.get("id") or "").strip().upper()
    action = str(form.get("blockAction") or "")
    reason = " ".join(str(form.get("blockReason") or "").split())
    if action not in ("set", "clear"):
        return _page(request, customer_id, error="Field blockAction: choose set or clear.",
                     status_code=400)
    if not reason or len(reason) > MAX_REASON:
        return _page(request, customer_id, status_code=400,
                     error=f"Field blockReason: a reason of 1 to {MAX_REASON} characters "
                           "is required.")
    with request.app.state.db.connect() as conn:
        if not CUSTOMER_ID.match(customer_id) or master(conn, customer_id) is None:
            return _page(request, customer_id)
        set_dunning_block(conn, customer_id, action == "set", reason, user)
    done = "Dunning block set." if action == "set" else "Dunning block cleared."
    return _page(request, customer_id, message=done)


def routes() -> list[BaseRoute]:
    return [
        Route("/ar/customers.do", customer_list),
        Route("/ar/customer.do", customer_page, methods=["GET"]),
        Route("/ar/customer.do", customer_submit, methods=["POST"]),
    ]


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT customer_id, credit_limit, risk_class, collector, "
                        "dunning_block, block_reason FROM ar_customer_master "
                        "ORDER BY customer_id").fetchall()
    return {"customer_master": [dict(r) for r in rows]}

"""ERP extension: promises to pay (see sandbox/erp/ext/__init__.py for the contract).

``GET /ar/promises.do?id=C...`` (login required) lists a customer's promises and offers the
entry form; stable element ids:

- ``#promiseList`` with one ``tr.promise[data-promise-id]`` per promise: ``td.promisedDate``,
  ``td.amount``, ``td.invoices`` (comma separated), ``td.source``, ``td.enteredBy``,
  ``td.enteredOn``, ``td.status`` (open, kept, partially kept, broken, cancelled),
  ``td.reference``;
- ``#promiseForm`` (``POST /ar/promises.do``): ``input[name=promisedDate]`` YYYY-MM-DD,
  ``input[name=amount]`` (decimal), ``input[name=invoices]`` (the customer's open invoice
  numbers, comma separated), ``select[name=source]`` mail / call / letter / portal,
  ``input[name=reference]`` optional (e.g. the message a promise came in), ``#promiseSubmit``;
  the promise is entered by the logged-in user on the business date;
- ``#statusForm`` (``POST /ar/promises.do`` with ``action=status``):
  ``input[name=promiseId]``, ``select[name=status]``, ``#statusSubmit``;
- ``#message`` / ``#error`` after a post.

Table ``ar_promises``; the aging report flags the invoices an open promise covers.
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

from sandbox.collections_scenario import build_month
from sandbox.erp.ext.collections import business_date, customer_row, not_found
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

SCHEMA = """
DROP TABLE IF EXISTS ar_promises;
CREATE TABLE ar_promises (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  promised_date TEXT NOT NULL, amount TEXT NOT NULL, invoices TEXT NOT NULL,
  source TEXT NOT NULL, entered_by TEXT NOT NULL, entered_on TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open', reference TEXT NOT NULL DEFAULT '');
"""

SOURCES = ("mail", "call", "letter", "portal")
STATUSES = ("open", "kept", "partially kept", "broken", "cancelled")
MAX_INVOICES, MAX_REFERENCE = 20, 200
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    for p in build_month(scenario).promises:
        conn.execute("INSERT INTO ar_promises (customer_id, promised_date, amount, invoices, "
                     "source, entered_by, entered_on) VALUES (?,?,?,?,?,?,?)",
                     (p.customer_id, p.promised_date.isoformat(), str(p.amount),
                      ",".join(p.invoices), p.source, p.entered_by, p.entered_on.isoformat()))


def _page(request: Request, cust: sqlite3.Row, *, message: str = "", error: str = "",
          status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        rows = conn.execute("SELECT * FROM ar_promises WHERE customer_id = ? ORDER BY id",
                            (cust["customer_id"],)).fetchall()
    return render(request, "ext_promises.html", customer=cust, promises=rows,
                  sources=SOURCES, statuses=STATUSES, today=business_date(request),
                  message=message, error=error, status_code=status_code)


async def promises_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, request.query_params.get("id", ""))
    if cust is None:
        return not_found(request, "Customer not found.")
    return _page(request, cust)


def _parse(conn: sqlite3.Connection, cust: sqlite3.Row,
           form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The promise a form describes, or the first problem naming its field."""
    try:
        when = dt.date.fromisoformat(form.get("promisedDate", "").strip())
    except ValueError:
        return "Field promisedDate: expected a date as YYYY-MM-DD.", {}
    raw = form.get("amount", "").strip().replace(",", "")
    if not AMOUNT.match(raw) or Decimal(raw) <= 0:
        return "Field amount: a positive amount such as 1250.00 (two decimals at most).", {}
    amount = Decimal(raw)
    invoices = [i.strip().upper() for i in form.get("invoices", "").split(",") if i.strip()]
    if not invoices or len(invoices) > MAX_INVOICES:
        return f"Field invoices: 1 to {MAX_INVOICES} invoice numbers.", {}
    for inv in invoices:
        row = conn.execute("SELECT 1 FROM invoices WHERE invoice_number = ? AND customer_id = ? "
                           "AND CAST(amount_open AS REAL) > 0",
                           (inv[:40], cust["customer_id"])).fetchone()
        if row is None:
            return f"Field invoices: {inv[:40]} is not an open invoice of this customer.", {}
    if form.get("source", "") not in SOURCES:
        return f"Field source: one of {', '.join(SOURCES)}.", {}
    reference = form.get("reference", "").strip()
    if len(reference) > MAX_REFERENCE:
        return f"Field reference: at most {MAX_REFERENCE} characters.", {}
    return "", {"promised_date": when.isoformat(), "amount": f"{amount:.2f}",
                "invoices": ",".join(invoices), "source": form["source"],
                "reference": reference}


async def promises_submit(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = {k: str(v) for k, v in (await request.form()).items()}
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, form.get("id", ""))
        if cust is None:
            return not_found(request, "Customer not found.")
        if form.get("action") == "status":
            return _set_status(request, conn, cust, form)
        error, p = _parse(conn, cust, form)
        if error:
            return _page(request, cust, error=error, status_code=400)
        conn.execute(
            "INSERT INTO ar_promises (customer_id, promised_date, amount, invoices, source, "
            "entered_by, entered_on, reference) VALUES (?,?,?,?,?,?,?,?)",
            (cust["customer_id"], p["promised_date"], p["amount"], p["invoices"], p["source"],
             user, business_date(request).isoformat(), p["reference"]))
    return _page(request, cust, message="Promise to pay saved.")


def _set_status(request: Request, conn: sqlite3.Connection, cust: sqlite3.Row,
                form: dict[str, str]) -> Response:
    status = form.get("status", "")
    if status not in STATUSES:
        return _page(request, cust, status_code=400,
                     error=f"Field status: one of {', '.join(STATUSES)}.")
    raw = form.get("promiseId", "")
    changed = conn.execute("UPDATE ar_promises SET status = ? WHERE id = ? AND customer_id = ?",
                           (status, int(raw) if raw.isdigit() else -1, cust["customer_id"]))
    if changed.rowcount != 1:
        return _page(request, cust, status_code=400,
                     error="Field promiseId: no such promise of this customer.")
    return _page(request, cust, message=f"Promise {raw} set to {status}.")


def routes() -> list[BaseRoute]:
    return [Route("/ar/promises.do", promises_page, methods=["GET"]),
            Route("/ar/promises.do", promises_submit, methods=["POST"])]


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT id, customer_id, promised_date, amount, invoices, source, "
                        "entered_by, status, reference FROM ar_promises ORDER BY id")
    return {"promises": [dict(r) for r in rows]}

"""ERP extension: collections (see sandbox/erp/ext/__init__.py for the contract).

Pages (login required) and their stable element ids:

- ``GET /ar/aging.do?asof=YYYY-MM-DD`` aging by due date (``asof`` defaults to the business
  date; ``customer=C...`` narrows it): ``#asOf``; summary ``#agingSummary`` with one
  ``tr.agingRow[data-customer]`` per customer, cells ``td.custId``, ``td.custName``,
  ``td.current``, ``td.b1_30``, ``td.b31_60``, ``td.b61_90``, ``td.over90``, ``td.total``;
  ``#agingTotal``. With ``customer=`` or ``view=detail`` the drill-down ``#agingDetail`` follows:
  ``tr.agingItem[data-invoice][data-customer]`` with ``td.invoice``, ``td.custId``,
  ``td.dueDate``, ``td.daysOverdue``, ``td.amountOpen``, ``td.bucket``, ``td.disputed``
  (Yes/No), ``td.promised`` (Yes: an open promise covers it / Passed: its promised date has
  passed / No).
- ``GET /ar/statement.do?id=C...`` account statement: ``#stmtCustomer``, ``#stmtName``,
  ``#stmtDate``; open items ``#openItems`` (``tr.openItem[data-invoice]``: ``td.invoice``,
  ``td.issueDate``, ``td.dueDate``, ``td.amount``, ``td.amountOpen``, ``td.daysOverdue``,
  ``td.disputed``), ``#openTotal``; paid items of the last 12 months ``#paidItems``
  (``tr.paidItem``: ``td.invoice``, ``td.amount``, ``td.dueDate``, ``td.paidDate``,
  ``td.daysLate``), ``#avgDaysLate``; unapplied cash and credits ``#unapplied``
  (``tr.unappliedItem``: ``td.document``, ``td.date``, ``td.amount``, ``td.text``),
  ``#unappliedTotal``; ``#balance`` (open less unapplied); the PDF link ``#statementPdf``.
- ``GET /ar/statement.pdf?id=C...`` the same statement as a PDF download.
- ``GET /ar/notes.do?id=C...`` collection notes ``#notesList`` (``tr.note``:
  ``td.noteDate``, ``td.noteType``, ``td.noteText``, ``td.noteUser``, ``td.noteRef``) and the
  form ``#noteForm`` (``input[name=noteDate]`` YYYY-MM-DD, ``select[name=noteType]`` reminder /
  call / promise / note, ``textarea[name=noteText]``, ``input[name=reference]`` optional,
  ``#noteSubmit``); ``POST /ar/notes.do`` adds one as the logged-in user, ``#message`` /
  ``#error`` after a post.

Tables: ``ar_paid_items`` (history), ``ar_disputes`` (``status`` open/resolved),
``ar_notes``, ``ar_unapplied`` (cash on account not yet applied).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.collections_scenario import build_month
from sandbox.erp.ext import ar_queries as q
from sandbox.erp.ext.statement_pdf import statement_pdf
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

SCHEMA = """
DROP TABLE IF EXISTS ar_paid_items; DROP TABLE IF EXISTS ar_disputes;
DROP TABLE IF EXISTS ar_notes; DROP TABLE IF EXISTS ar_unapplied;
CREATE TABLE ar_paid_items (invoice_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  amount TEXT NOT NULL, issue_date TEXT NOT NULL, due_date TEXT NOT NULL,
  paid_date TEXT NOT NULL);
CREATE TABLE ar_disputes (invoice_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  reason TEXT NOT NULL, opened_on TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open');
CREATE TABLE ar_notes (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  note_date TEXT NOT NULL, note_type TEXT NOT NULL, text TEXT NOT NULL, user TEXT NOT NULL,
  reference TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
CREATE TABLE ar_unapplied (document TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  received_on TEXT NOT NULL, amount TEXT NOT NULL, text TEXT NOT NULL,
  applied INTEGER NOT NULL DEFAULT 0);
"""

CUSTOMER_ID = re.compile(r"^C\d{1,6}$")
NOTE_TYPES = ("reminder", "call", "promise", "note")
MAX_NOTE, MAX_REFERENCE = 2000, 80


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    month = build_month(scenario)
    seeded = f"{month.as_of - dt.timedelta(days=30)}T08:00:00+00:00"
    for p in month.paid:
        conn.execute("INSERT INTO ar_paid_items VALUES (?,?,?,?,?,?)",
                     (p.invoice_number, p.customer_id, str(p.amount), p.issue_date.isoformat(),
                      p.due_date.isoformat(), p.paid_date.isoformat()))
    for d in month.disputes:
        conn.execute("INSERT INTO ar_disputes VALUES (?,?,?,?, 'open')",
                     (d.invoice_number, d.customer_id, d.reason, d.opened_on.isoformat()))
    for n in month.notes:
        conn.execute("INSERT INTO ar_notes (customer_id, note_date, note_type, text, user, "
                     "reference, created_at) VALUES (?,?,?,?,?, '', ?)",
                     (n.customer_id, n.note_date.isoformat(), n.note_type, n.text, n.user,
                      seeded))
    for u in month.unapplied:
        conn.execute("INSERT INTO ar_unapplied VALUES (?,?,?,?,?, 0)",
                     (u.document, u.customer_id, u.received_on.isoformat(), str(u.amount),
                      u.text))


def business_date(request: Request) -> dt.date:
    return request.app.state.scenario.statement_date


def _date(raw: str, default: dt.date) -> dt.date | None:
    if not raw.strip():
        return default
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def customer_row(request: Request, conn: sqlite3.Connection, raw: str) -> sqlite3.Row | None:
    cid = raw.strip().upper()
    if not CUSTOMER_ID.match(cid):
        return None
    return conn.execute("SELECT * FROM customers WHERE customer_id = ?", (cid,)).fetchone()


def not_found(request: Request, what: str) -> Response:
    return render(request, "ext_error.html", message=what, status_code=404)


async def aging_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    params = request.query_params
    as_of = _date(params.get("asof", ""), business_date(request))
    if as_of is None:
        return render(request, "ext_error.html", status_code=400,
                      message="Field asof: expected a date as YYYY-MM-DD.")
    customer = params.get("customer", "").strip().upper()
    if customer and not CUSTOMER_ID.match(customer):
        return not_found(request, f"Customer {customer[:20]} not found.")
    with request.app.state.db.connect() as conn:
        rows = q.aging(conn, as_of, customer)
    totals = dict.fromkeys(q.BUCKETS, q.ZERO)
    for row in rows:
        for b, amount in row.buckets.items():
            totals[b] += amount
    detail = bool(customer) or params.get("view") == "detail"
    return render(request, "ext_aging.html", rows=rows, as_of=as_of, totals=totals,
                  total=sum(totals.values(), q.ZERO), buckets=q.BUCKETS, detail=detail,
                  customer=customer)


def _statement(request: Request, conn: sqlite3.Connection, cust: sqlite3.Row) -> dict[str, Any]:
    as_of = business_date(request)
    rows = q.aging(conn, as_of, cust["customer_id"])
    items = rows[0].items if rows else []
    paid = q.paid_items(conn, cust["customer_id"], as_of)
    cash = q.unapplied(conn, cust["customer_id"])
    open_total = sum((i.amount_open for i in items), q.ZERO)
    cash_total = sum((u.amount for u in cash), q.ZERO)
    return {"customer": cust, "as_of": as_of, "items": items, "open_total": open_total,
            "paid": paid, "avg_days_late": q.average_days_late(paid), "unapplied": cash,
            "unapplied_total": cash_total, "balance": open_total - cash_total,
            "currency": request.app.state.scenario.currency,
            "company": request.app.state.scenario.company_name}


async def statement_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, request.query_params.get("id", ""))
        if cust is None:
            return not_found(request, "Customer not found.")
        data = _statement(request, conn, cust)
    return render(request, "ext_statement.html", **data)


async def statement_download(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, request.query_params.get("id", ""))
        if cust is None:
            return not_found(request, "Customer not found.")
        data = _statement(request, conn, cust)
    name = f"statement_{cust['customer_id']}_{data['as_of']:%Y%m%d}.pdf"
    return Response(statement_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _notes_page(request: Request, cust: sqlite3.Row, *, message: str = "", error: str = "",
                status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        notes = conn.execute("SELECT * FROM ar_notes WHERE customer_id = ? ORDER BY "
                             "note_date, id", (cust["customer_id"],)).fetchall()
    return render(request, "ext_notes.html", customer=cust, notes=notes, types=NOTE_TYPES,
                  today=business_date(request), message=message, error=error,
                  status_code=status_code)


async def notes_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, request.query_params.get("id", ""))
    if cust is None:
        return not_found(request, "Customer not found.")
    return _notes_page(request, cust)


def _note_error(form: dict[str, str], default: dt.date) -> tuple[str, dt.date | None]:
    when = _date(form.get("noteDate", ""), default)
    if when is None:
        return "Field noteDate: expected a date as YYYY-MM-DD.", None
    if form.get("noteType", "") not in NOTE_TYPES:
        return f"Field noteType: one of {', '.join(NOTE_TYPES)}.", None
    if not form.get("noteText", "").strip() or len(form["noteText"]) > MAX_NOTE:
        return f"Field noteText: 1 to {MAX_NOTE} characters.", None
    if len(form.get("reference", "")) > MAX_REFERENCE:
        return f"Field reference: at most {MAX_REFERENCE} characters.", None
    return "", when


async def notes_submit(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = {k: str(v) for k, v in (await request.form()).items()}
    with request.app.state.db.connect() as conn:
        cust = customer_row(request, conn, form.get("id", ""))
        if cust is None:
            return not_found(request, "Customer not found.")
        error, when = _note_error(form, business_date(request))
        if when is None:
            return _notes_page(request, cust, error=error, status_code=400)
        conn.execute(
            "INSERT INTO ar_notes (customer_id, note_date, note_type, text, user, reference, "
            "created_at) VALUES (?,?,?,?,?,?,?)",
            (cust["customer_id"], when.isoformat(), form["noteType"], form["noteText"].strip(),
             user, form.get("reference", "").strip(),
             dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return _notes_page(request, cust, message="Note saved.")


def routes() -> list[BaseRoute]:
    return [
        Route("/ar/aging.do", aging_page),
        Route("/ar/statement.do", statement_page),
        Route("/ar/statement.pdf", statement_download),
        Route("/ar/notes.do", notes_page, methods=["GET"]),
        Route("/ar/notes.do", notes_submit, methods=["POST"]),
    ]


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    notes = conn.execute("SELECT customer_id, note_date, note_type, text, user, reference "
                         "FROM ar_notes ORDER BY id").fetchall()
    disputes = conn.execute("SELECT invoice_number, customer_id, reason, status "
                            "FROM ar_disputes ORDER BY invoice_number").fetchall()
    return {"collection_notes": [dict(r) for r in notes],
            "disputes": [dict(r) for r in disputes]}

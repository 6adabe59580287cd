"""ERP sandbox extension: sales orders on credit hold, released or rejected by a credit
decision (see sandbox/erp/ext/__init__.py for the contract).

Pages (login required, the legacy ERP's look):

- ``GET /ar/heldorders.do`` the held-orders list (``?customer=C..`` filters, ``status=all``
  lists every order of the filter, released and rejected ones too), with the ERP's
  business date;
- ``GET /ar/salesorder.do?order=SO-..`` one order: its credit status, hold reason, the
  customer's credit limit and risk class, every credit decision taken on it, and the
  Release and Reject actions, which ask for a reason and an approver's name;
- ``POST /ar/salesorder.do`` carries a decision out and records who (the signed-on user),
  the approver named, the reason and when.

Only an order on credit hold can be released or rejected (anything else is refused with
a message); the ground truth lists every decision taken on each order.

The customer's credit limit and risk class come from the customer master
(:mod:`sandbox.erp.ext.customer_master`) when it holds the customer; the seeded credit
customers' profiles below stand in until it does.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.erp.web import current_user, render
from sandbox.scenario import STATEMENT_DATE, Scenario

D = Decimal
HELD, RELEASED, REJECTED = "on credit hold", "released", "rejected"
OVER_LIMIT, OVERDUE = "over credit limit", "overdue items"
MAX_REASON, MAX_APPROVER = 500, 100

SCHEMA = """
DROP TABLE IF EXISTS sales_orders; DROP TABLE IF EXISTS credit_decisions;
CREATE TABLE sales_orders (order_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  order_date TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
  credit_status TEXT NOT NULL, hold_reason TEXT NOT NULL DEFAULT '');
CREATE TABLE credit_decisions (id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_number TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
  approver TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class CreditCustomer:
    customer_id: str
    name: str
    credit_limit: Decimal
    risk_class: str  # A low .. D very high, as the customer master grades
    invoices: tuple[tuple[str, Decimal, dt.date], ...]  # (number, amount, due date)


@dataclass(frozen=True)
class SalesOrder:
    order_number: str
    customer_id: str
    amount: Decimal
    status: str
    hold_reason: str = ""
    expected: str = ""  # auto_release | analyst | manager | two_approvers ("" not held)


def _due(days_before: int) -> dt.date:
    return STATEMENT_DATE - dt.timedelta(days=days_before)


CUSTOMERS = (
    CreditCustomer("C3001", "Kestrel Machining GmbH", D("50000.00"), "A",
                   (("INV-2026-3101", D("12150.00"), _due(-10)),
                    ("INV-2026-3102", D("1815.40"), _due(5)))),
    CreditCustomer("C3002", "Lumen Optics Ltd", D("20000.00"), "B",
                   (("INV-2026-3201", D("16240.00"), _due(-15)),)),
    CreditCustomer("C3003", "Meridian Textiles S.p.A.", D("40000.00"), "B",
                   (("INV-2026-3301", D("3075.20"), _due(45)),
                    ("INV-2026-3302", D("4130.50"), _due(-20)))),
    CreditCustomer("C3004", "Nordhavn Shipping A/S", D("200000.00"), "A",
                   (("INV-2026-3401", D("150310.00"), _due(-25)),)),
    CreditCustomer("C3005", "Orion Aerospace SE", D("500000.00"), "A",
                   (("INV-2026-3501", D("301450.00"), _due(-5)),)),
    CreditCustomer("C3006", "Pinecrest Dairy Ltd", D("30000.00"), "A",
                   (("INV-2026-3601", D("20125.00"), _due(10)),)),
    CreditCustomer("C3007", "Quarry Stone Ltd", D("15000.00"), "C",
                   (("INV-2026-3701", D("912.30"), _due(2)),)),
)

#: paid history (invoice, customer, amount, days paid late), shown on the account statement
PAID = (
    ("INV-2026-3091", "C3001", D("8400.00"), 3),
    ("INV-2026-3092", "C3001", D("7250.00"), 5),
    ("INV-2026-3591", "C3005", D("120500.00"), 2),
    ("INV-2026-3691", "C3006", D("6100.00"), 0),
    ("INV-2026-3791", "C3007", D("1480.00"), 12),
    ("INV-2026-3792", "C3007", D("960.00"), 16),
)
#: open disputes (invoice, customer, reason)
DISPUTES = (("INV-2026-3201", "C3002", "pricing"),)

ORDER_DATE = STATEMENT_DATE - dt.timedelta(days=1)
ORDERS = (
    SalesOrder("SO-2026-5001", "C3001", D("4800.00"), HELD, OVERDUE, "auto_release"),
    SalesOrder("SO-2026-5002", "C3002", D("6500.00"), HELD, OVER_LIMIT, "analyst"),
    SalesOrder("SO-2026-5003", "C3003", D("2400.00"), HELD, OVERDUE, "analyst"),
    SalesOrder("SO-2026-5004", "C3004", D("60000.00"), HELD, OVER_LIMIT, "manager"),
    SalesOrder("SO-2026-5005", "C3005", D("240000.00"), HELD, OVER_LIMIT, "two_approvers"),
    SalesOrder("SO-2026-5006", "C3006", D("3000.00"), HELD, OVERDUE, "auto_release"),
    SalesOrder("SO-2026-5007", "C3007", D("1200.00"), HELD, OVERDUE, "analyst"),
    SalesOrder("SO-2026-5008", "C3006", D("5000.00"), RELEASED),  # open order: exposure
    SalesOrder("SO-2026-5009", "C3002", D("900.00"), REJECTED),
)


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    """The credit customers, their open invoices and their sales orders."""
    issued = STATEMENT_DATE - dt.timedelta(days=60)
    for cust in CUSTOMERS:
        conn.execute("INSERT INTO customers VALUES (?, ?)", (cust.customer_id, cust.name))
        for number, amount, due in cust.invoices:
            conn.execute("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (number, cust.customer_id, str(amount), str(amount),
                          scenario.currency, issued.isoformat(), due.isoformat(), None,
                          "0", None))
    _seed_history(conn)
    for o in ORDERS:
        conn.execute("INSERT INTO sales_orders VALUES (?,?,?,?,?,?,?)",
                     (o.order_number, o.customer_id, ORDER_DATE.isoformat(), str(o.amount),
                      scenario.currency, o.status, o.hold_reason))


def _seed_history(conn: sqlite3.Connection) -> None:
    """Paid items and disputes of the credit customers, in the collections extension's
    tables (its account statement shows them)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "ar_paid_items" in tables:
        for number, customer, amount, late in PAID:
            due = STATEMENT_DATE - dt.timedelta(days=75)
            conn.execute("INSERT INTO ar_paid_items VALUES (?,?,?,?,?,?)",
                         (number, customer, str(amount),
                          (due - dt.timedelta(days=30)).isoformat(), due.isoformat(),
                          (due + dt.timedelta(days=late)).isoformat()))
    if "ar_disputes" in tables:
        for number, customer, reason in DISPUTES:
            conn.execute("INSERT INTO ar_disputes VALUES (?,?,?,?, 'open')",
                         (number, customer, reason,
                          (STATEMENT_DATE - dt.timedelta(days=3)).isoformat()))


# -- reading ----------------------------------------------------------------------------
def credit_profile(conn: sqlite3.Connection, customer_id: str) -> tuple[Decimal | None, str]:
    """``(credit limit, risk class)`` from the customer master, else the seeded profile."""
    has_master = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                              "name='ar_customer_master'").fetchone()
    if has_master:
        row = conn.execute("SELECT credit_limit, risk_class FROM ar_customer_master "
                           "WHERE customer_id = ?", (customer_id,)).fetchone()
        if row is not None:
            return D(str(row[0])), str(row[1])
    cust = next((c for c in CUSTOMERS if c.customer_id == customer_id), None)
    return (cust.credit_limit, cust.risk_class) if cust else (None, "")


def _orders(conn: sqlite3.Connection, customer: str, every: bool) -> list[dict[str, Any]]:
    sql = ("SELECT o.*, c.name AS customer_name FROM sales_orders o JOIN customers c "
           "USING (customer_id) WHERE 1=1")
    args: list[str] = []
    if customer:
        sql += " AND o.customer_id = ?"
        args.append(customer)
    if not every:
        sql += " AND o.credit_status = ?"
        args.append(HELD)
    return [dict(r) for r in conn.execute(sql + " ORDER BY o.order_number", args)]


def _decisions(conn: sqlite3.Connection, order: str | None = None) -> list[dict[str, Any]]:
    sql, args = "SELECT * FROM credit_decisions", ()
    if order is not None:
        sql, args = sql + " WHERE order_number = ?", (order,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY id", args)]


# -- pages ------------------------------------------------------------------------------
async def held_orders(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer = request.query_params.get("customer", "").strip().upper()[:20]
    every = request.query_params.get("status", "") == "all"
    with request.app.state.db.connect() as conn:
        orders = _orders(conn, customer, every)
    return render(request, "held_orders.html", orders=orders, customer=customer,
                  every=every, business_date=STATEMENT_DATE.isoformat())


def _order_page(request: Request, number: str, *, error: str = "", done: str = "",
                form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        row = conn.execute("SELECT o.*, c.name AS customer_name FROM sales_orders o JOIN "
                           "customers c USING (customer_id) WHERE o.order_number = ?",
                           (number,)).fetchone()
        if row is None:
            return render(request, "sales_order.html", order=None, number=number,
                          status_code=404)
        limit, risk = credit_profile(conn, row["customer_id"])
        decisions = _decisions(conn, number)
    return render(request, "sales_order.html", order=dict(row), number=number,
                  credit_limit=limit, risk_class=risk, decisions=decisions, error=error,
                  done=done, form=form or {}, status_code=status_code,
                  business_date=STATEMENT_DATE.isoformat())


async def sales_order(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    return _order_page(request, request.query_params.get("order", "").strip()[:40])


async def decide(request: Request) -> Response:
    """Release or reject: a reason is required; the approver's name is recorded."""
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = {k: str(v) for k, v in (await request.form()).items()}
    number = form.get("order", "").strip()[:40]
    action = form.get("action", "")
    reason, approver = form.get("reason", "").strip(), form.get("approver", "").strip()
    problem = ("Choose Release or Reject." if action not in ("release", "reject") else
               "Reason: required." if not reason else
               f"Reason: at most {MAX_REASON} characters." if len(reason) > MAX_REASON else
               f"Approver: at most {MAX_APPROVER} characters."
               if len(approver) > MAX_APPROVER else "")
    if problem:
        return _order_page(request, number, error=problem, form=form, status_code=200)
    status = RELEASED if action == "release" else REJECTED
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with request.app.state.db.connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        found = conn.execute("SELECT credit_status FROM sales_orders WHERE order_number = ?",
                             (number,)).fetchone()
        if found is None or found[0] != HELD:
            conn.execute("ROLLBACK")
            why = "" if found is None else f"Order {number} is not on credit hold ({found[0]})."
            return _order_page(request, number, error=why)
        conn.execute("UPDATE sales_orders SET credit_status = ? WHERE order_number = ?",
                     (status, number))
        conn.execute("INSERT INTO credit_decisions (order_number, action, reason, approver, "
                     "decided_by, decided_at) VALUES (?,?,?,?,?,?)",
                     (number, action, reason, approver, user, now))
        conn.execute("COMMIT")
    return _order_page(request, number, done=f"Order {number} {status}.")


def routes() -> list[BaseRoute]:
    return [
        Route("/ar/heldorders.do", held_orders),
        Route("/ar/salesorder.do", sales_order, methods=["GET"]),
        Route("/ar/salesorder.do", decide, methods=["POST"]),
    ]


# -- ground truth ---------------------------------------------------------------------
def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    """Every order's credit status and the decisions taken on it, in order."""
    decisions: dict[str, list[dict[str, Any]]] = {}
    for d in _decisions(conn):
        decisions.setdefault(d["order_number"], []).append(
            {k: d[k] for k in ("action", "reason", "approver", "decided_by", "decided_at")})
    orders = [{"order_number": o["order_number"], "customer_id": o["customer_id"],
               "amount": o["amount"], "credit_status": o["credit_status"],
               "hold_reason": o["hold_reason"],
               "decisions": decisions.get(o["order_number"], [])}
              for o in _orders(conn, "", every=True)]
    return {"sales_orders": orders}


def expected_credit() -> dict[str, str]:
    """What a correct credit run does with each held order: ``auto_release``, or a case
    for the ``analyst``, the ``manager`` or ``two_approvers``."""
    return {o.order_number: o.expected for o in ORDERS if o.expected}

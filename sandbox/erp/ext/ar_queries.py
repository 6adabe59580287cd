"""Reads of the collections pages: aging by due date, account statements, disputes, promises.

Helpers of :mod:`sandbox.erp.ext.collections` and :mod:`sandbox.erp.ext.promises` (not an
extension module itself). Money stays ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")


def bucket(days_overdue: int) -> str:
    """The aging bucket of an item ``days_overdue`` days past its due date."""
    if days_overdue <= 0:
        return BUCKETS[0]
    if days_overdue <= 30:
        return BUCKETS[1]
    if days_overdue <= 60:
        return BUCKETS[2]
    return BUCKETS[3] if days_overdue <= 90 else BUCKETS[4]


@dataclass(frozen=True)
class AgingItem:
    invoice_number: str
    customer_id: str
    issue_date: str
    due_date: str
    amount: Decimal
    amount_open: Decimal
    days_overdue: int
    disputed: bool
    promise: str  # "" (none), "open" (promised date not passed), "passed"

    @property
    def bucket(self) -> str:
        return bucket(self.days_overdue)


@dataclass
class AgingRow:
    customer_id: str
    name: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    items: list[AgingItem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def disputed(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT invoice_number FROM ar_disputes WHERE status = 'open'")}


def promise_flags(conn: sqlite3.Connection, as_of: dt.date) -> dict[str, str]:
    """Invoice -> "open" when an open promise covers it on ``as_of``, "passed" when the
    promised date of an open (not yet judged) promise is before ``as_of``."""
    flags: dict[str, str] = {}
    for r in conn.execute("SELECT promised_date, invoices FROM ar_promises "
                          "WHERE status = 'open' ORDER BY promised_date"):
        state = "open" if dt.date.fromisoformat(r[0]) >= as_of else "passed"
        for inv in filter(None, r[1].split(",")):
            if flags.get(inv) != "open":
                flags[inv] = state
    return flags


def aging(conn: sqlite3.Connection, as_of: dt.date, customer_id: str = "") -> list[AgingRow]:
    """Open items by customer and bucket of days past due on ``as_of``."""
    sql = ("SELECT i.*, c.name FROM invoices i JOIN customers c USING (customer_id) "
           "WHERE CAST(i.amount_open AS REAL) > 0 AND i.issue_date <= ?")
    args: list[str] = [as_of.isoformat()]
    if customer_id:
        sql += " AND i.customer_id = ?"
        args.append(customer_id)
    flags, held = promise_flags(conn, as_of), disputed(conn)
    rows: dict[str, AgingRow] = {}
    for r in conn.execute(sql + " ORDER BY i.customer_id, i.due_date, i.invoice_number", args):
        days = (as_of - dt.date.fromisoformat(r["due_date"])).days
        item = AgingItem(r["invoice_number"], r["customer_id"], r["issue_date"], r["due_date"],
                         Decimal(r["amount"]), Decimal(r["amount_open"]), days,
                         r["invoice_number"] in held, flags.get(r["invoice_number"], ""))
        row = rows.setdefault(r["customer_id"], AgingRow(r["customer_id"], r["name"]))
        row.items.append(item)
        row.buckets[item.bucket] += item.amount_open
    return list(rows.values())


@dataclass(frozen=True)
class PaidItem:
    invoice_number: str
    amount: Decimal
    due_date: str
    paid_date: str

    @property
    def days_late(self) -> int:
        return (dt.date.fromisoformat(self.paid_date) - dt.date.fromisoformat(self.due_date)).days


def paid_items(conn: sqlite3.Connection, customer_id: str, as_of: dt.date) -> list[PaidItem]:
    """Invoices paid in full during the twelve months up to ``as_of``: the history and the
    invoices the ERP's cash receipts closed (paid on the receipt's value date)."""
    since = (as_of - dt.timedelta(days=365)).isoformat()
    out = [PaidItem(r[0], Decimal(r[1]), r[2], r[3]) for r in conn.execute(
        "SELECT invoice_number, amount, due_date, paid_date FROM ar_paid_items "
        "WHERE customer_id = ? AND paid_date >= ? AND paid_date <= ?",
        (customer_id, since, as_of.isoformat()))]
    out += [PaidItem(r[0], Decimal(r[1]), r[2], r[3]) for r in conn.execute(
        "SELECT i.invoice_number, i.amount, i.due_date, MAX(p.value_date) FROM invoices i "
        "JOIN lines l USING (invoice_number) JOIN postings p ON p.id = l.posting_id "
        "WHERE i.customer_id = ? AND CAST(i.amount_open AS REAL) = 0 "
        "GROUP BY i.invoice_number", (customer_id,))]
    return sorted(out, key=lambda p: (p.paid_date, p.invoice_number))


@dataclass(frozen=True)
class Unapplied:
    document: str
    date: str
    amount: Decimal
    text: str


def unapplied(conn: sqlite3.Connection, customer_id: str) -> list[Unapplied]:
    """Cash held on the customer's account and not applied to invoices: seeded receipts on
    account and the unapplied-cash documents of the ERP's cash receipts."""
    out = [Unapplied(r[0], r[1], Decimal(r[2]), r[3]) for r in conn.execute(
        "SELECT document, received_on, amount, text FROM ar_unapplied "
        "WHERE customer_id = ? AND applied = 0", (customer_id,))]
    out += [Unapplied(r[0], r[1], Decimal(r[2]), r[3]) for r in conn.execute(
        "SELECT d.number, p.value_date, d.amount, p.bank_reference FROM documents d "
        "JOIN postings p ON p.id = d.posting_id WHERE d.kind = 'unapplied' "
        "AND d.customer_id = ?", (customer_id,))]
    return sorted(out, key=lambda u: (u.date, u.document))


def average_days_late(items: list[PaidItem]) -> Decimal | None:
    """Mean days late of paid items (early payment counts as negative), one decimal."""
    if not items:
        return None
    return (Decimal(sum(p.days_late for p in items)) / len(items)).quantize(Decimal("0.1"))

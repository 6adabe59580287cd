"""The ERP's SQLite ground truth: customers, invoices with open amounts, cash-receipt postings
and their follow-up documents (write-offs, unapplied cash, suspense, refunds).

Money is stored as decimal text and handled as ``Decimal``; one short-lived connection per
call keeps it safe across the server's worker threads.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.erp import ext
from sandbox.erp.documents import DEDUCTION, SUSPENSE_ACCOUNT, Rest, document_number
from sandbox.scenario import Scenario
from sandbox.truthdb import TruthDb

SCHEMA = """
DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS customers; DROP TABLE IF EXISTS ibans;
DROP TABLE IF EXISTS invoices; DROP TABLE IF EXISTS postings; DROP TABLE IF EXISTS lines;
DROP TABLE IF EXISTS documents;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE customers (customer_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE ibans (customer_id TEXT NOT NULL, pos INTEGER NOT NULL, iban TEXT NOT NULL);
CREATE TABLE invoices (invoice_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  amount TEXT NOT NULL, amount_open TEXT NOT NULL, currency TEXT NOT NULL,
  issue_date TEXT NOT NULL, due_date TEXT NOT NULL, creditor_reference TEXT,
  discount_percent TEXT NOT NULL, discount_until TEXT);
CREATE TABLE postings (id INTEGER PRIMARY KEY AUTOINCREMENT, confirmation TEXT NOT NULL,
  bank_reference TEXT NOT NULL, customer_id TEXT NOT NULL, value_date TEXT NOT NULL,
  amount TEXT NOT NULL, posted_at TEXT NOT NULL, posted_by TEXT NOT NULL,
  our_ref TEXT NOT NULL DEFAULT '');
CREATE TABLE lines (posting_id INTEGER NOT NULL, invoice_number TEXT NOT NULL,
  amount TEXT NOT NULL, write_off TEXT NOT NULL, discount TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '');
CREATE TABLE documents (id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT NOT NULL DEFAULT '',
  posting_id INTEGER NOT NULL, kind TEXT NOT NULL, customer_id TEXT NOT NULL,
  invoice_number TEXT NOT NULL, amount TEXT NOT NULL, reason TEXT NOT NULL,
  dispute TEXT NOT NULL, payee_name TEXT NOT NULL, payee_iban TEXT NOT NULL,
  account TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Line:
    """One allocation row of a cash receipt: cash applied plus a closed difference."""

    invoice_number: str
    amount: Decimal
    write_off: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    reason: str = ""  # the write-off's reason code (BANK_CHARGES when not given)


@dataclass(frozen=True)
class Receipt:
    bank_reference: str
    customer_id: str
    value_date: dt.date
    amount: Decimal
    lines: tuple[Line, ...]
    rest: Rest | None = None  # what is not applied to invoices
    our_ref: str = ""  # the poster's own reference (e.g. the case it resolves)
    dispute: str = ""  # the dispute reason of a deduction written off


class ErpDb(TruthDb):
    """Ground truth of the legacy ERP."""

    def seed(self, scenario: Scenario, extra_exact: int = 0) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as c:
            c.executescript(SCHEMA)
            ext.create_schemas(c)
            c.execute("BEGIN")
            c.execute("INSERT INTO meta VALUES ('extra_exact', ?)", (str(extra_exact),))
            for cust in scenario.customers:
                c.execute("INSERT INTO customers VALUES (?, ?)", (cust.customer_id, cust.name))
                for pos, iban in enumerate(cust.ibans):
                    c.execute("INSERT INTO ibans VALUES (?, ?, ?)", (cust.customer_id, pos, iban))
            for i in scenario.invoices:
                c.execute(
                    "INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (i.invoice_number, i.customer_id, str(i.amount), str(i.amount),
                     scenario.currency, i.issue_date.isoformat(), i.due_date.isoformat(),
                     i.creditor_reference, str(i.discount_percent),
                     i.discount_until.isoformat() if i.discount_until else None),
                )
            ext.seed(c, scenario)
            c.execute("COMMIT")

    def extra_exact(self) -> int:
        with self.connect() as c:
            return int(c.execute("SELECT value FROM meta WHERE key='extra_exact'").fetchone()[0])

    def customers(self, query: str = "") -> list[sqlite3.Row]:
        like = f"%{query.strip()}%"
        with self.connect() as c:
            return c.execute(
                "SELECT * FROM customers WHERE customer_id LIKE ? OR name LIKE ? "
                "ORDER BY customer_id", (like, like)).fetchall()

    def customer(self, customer_id: str) -> sqlite3.Row | None:
        with self.connect() as c:
            return c.execute("SELECT * FROM customers WHERE customer_id = ?",
                             (customer_id,)).fetchone()

    def invoice(self, number: str) -> sqlite3.Row | None:
        with self.connect() as c:
            return c.execute("SELECT * FROM invoices WHERE invoice_number = ?",
                             (number,)).fetchone()

    def open_items(self, customer_id: str = "") -> list[sqlite3.Row]:
        """Invoices with an open amount, joined with the customer's name."""
        sql = ("SELECT i.*, c.name AS customer_name FROM invoices i JOIN customers c "
               "USING (customer_id) WHERE CAST(i.amount_open AS REAL) > 0")
        args: tuple[Any, ...] = ()
        if customer_id:
            sql += " AND i.customer_id = ?"
            args = (customer_id,)
        with self.connect() as c:
            return c.execute(sql + " ORDER BY i.invoice_number", args).fetchall()

    def ibans(self) -> dict[str, list[str]]:
        with self.connect() as c:
            rows = c.execute("SELECT customer_id, iban FROM ibans ORDER BY customer_id, pos")
            out: dict[str, list[str]] = {}
            for r in rows:
                out.setdefault(r["customer_id"], []).append(r["iban"])
            return out

    def postings(self, bank_reference: str | None = None) -> list[dict[str, Any]]:
        """Postings (optionally of one bank reference) with their lines and documents,
        oldest first."""
        with self.connect() as c:
            sql, args = "SELECT * FROM postings", ()
            if bank_reference is not None:
                sql, args = sql + " WHERE bank_reference = ?", (bank_reference.strip(),)
            out = []
            for p in c.execute(sql + " ORDER BY id", args).fetchall():
                lines = c.execute("SELECT invoice_number, amount, write_off, discount, reason "
                                  "FROM lines WHERE posting_id = ? ORDER BY rowid",
                                  (p["id"],)).fetchall()
                docs = c.execute("SELECT number, kind, customer_id, invoice_number, amount, "
                                 "reason, dispute, payee_name, payee_iban, account "
                                 "FROM documents WHERE posting_id = ? ORDER BY id",
                                 (p["id"],)).fetchall()
                d = {k: p[k] for k in ("confirmation", "bank_reference", "customer_id",
                                       "value_date", "amount", "posted_at", "posted_by",
                                       "our_ref")}
                d["lines"] = [dict(row) for row in lines]
                d["documents"] = [dict(row) for row in docs]
                out.append(d)
            return out

    def refunded(self, bank_reference: str) -> Decimal:
        """What the refund documents of ``bank_reference`` add up to."""
        with self.connect() as c:
            rows = c.execute(
                "SELECT d.amount FROM documents d JOIN postings p ON p.id = d.posting_id "
                "WHERE d.kind = 'refund' AND p.bank_reference = ?", (bank_reference.strip(),))
            return sum((Decimal(r[0]) for r in rows), Decimal("0.00"))

    def post(self, receipt: Receipt, user: str) -> str:
        """Record a cash receipt, reduce the open amounts and write its documents; returns
        the confirmation."""
        now = dt.datetime.now(dt.UTC)
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            cur = c.execute(
                "INSERT INTO postings (confirmation, bank_reference, customer_id, value_date, "
                "amount, posted_at, posted_by, our_ref) VALUES ('', ?, ?, ?, ?, ?, ?, ?)",
                (receipt.bank_reference, receipt.customer_id, receipt.value_date.isoformat(),
                 str(receipt.amount), now.isoformat(timespec="seconds"), user,
                 receipt.our_ref))
            pid = int(cur.lastrowid or 0)
            confirmation = f"CR-{now:%Y}-{100 + pid:06d}"
            c.execute("UPDATE postings SET confirmation = ? WHERE id = ?", (confirmation, pid))
            for ln in receipt.lines:
                reason = (ln.reason or "BANK_CHARGES") if ln.write_off else ""
                c.execute("INSERT INTO lines (posting_id, invoice_number, amount, write_off, "
                          "discount, reason) VALUES (?, ?, ?, ?, ?, ?)",
                          (pid, ln.invoice_number, str(ln.amount), str(ln.write_off),
                           str(ln.discount), reason))
                row = c.execute("SELECT amount_open FROM invoices WHERE invoice_number = ?",
                                (ln.invoice_number,)).fetchone()
                left = Decimal(row[0]) - ln.amount - ln.write_off - ln.discount
                c.execute("UPDATE invoices SET amount_open = ? WHERE invoice_number = ?",
                          (str(left), ln.invoice_number))
                if ln.write_off:
                    self._document(c, now.year, pid, "write_off", receipt, ln.write_off,
                                   reason, invoice=ln.invoice_number)
            rest = receipt.rest
            if rest is not None:
                self._document(c, now.year, pid, rest.kind, receipt, rest.amount, rest.reason,
                               payee=(rest.payee_name, rest.payee_iban))
            c.execute("COMMIT")
        return confirmation

    @staticmethod
    def _document(c: sqlite3.Connection, year: int, posting_id: int, kind: str,
                  receipt: Receipt, amount: Decimal, reason: str, *, invoice: str = "",
                  payee: tuple[str, str] = ("", "")) -> None:
        cur = c.execute(
            "INSERT INTO documents (posting_id, kind, customer_id, invoice_number, amount, "
            "reason, dispute, payee_name, payee_iban, account) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (posting_id, kind, "" if kind == "suspense" else receipt.customer_id, invoice,
             str(amount), reason, receipt.dispute if reason == DEDUCTION else "",
             *(payee if kind == "refund" else ("", "")),
             SUSPENSE_ACCOUNT if kind == "suspense" else ""))
        doc_id = int(cur.lastrowid or 0)
        c.execute("UPDATE documents SET number = ? WHERE id = ?",
                  (document_number(kind, year, doc_id), doc_id))

    def truth(self) -> dict[str, Any]:
        with self.connect() as c:
            invoices = [dict(r) for r in c.execute(
                "SELECT invoice_number, customer_id, amount, amount_open FROM invoices "
                "ORDER BY invoice_number")]
            extensions = ext.truth(c)
        return {"app": "legacy_erp", "extra_exact": self.extra_exact(),
                "invoices": invoices, "postings": self.postings(), **extensions}

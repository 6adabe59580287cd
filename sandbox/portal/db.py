"""The portal's SQLite ground truth: invoices with their status and a history of notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sandbox.scenario import Scenario
from sandbox.truthdb import TruthDb

STATUSES = ("open", "paid", "partially_paid", "disputed", "credited", "partially_credited")
SCHEMA = """
DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS invoices; DROP TABLE IF EXISTS notes;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE invoices (invoice_number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  customer_name TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
  issue_date TEXT NOT NULL, due_date TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, invoice_number TEXT NOT NULL,
  at TEXT NOT NULL, author TEXT NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL);
"""
_COLUMNS = "invoice_number, customer_id, customer_name, amount, currency, due_date, status"


class PortalDb(TruthDb):
    """Ground truth of the billing portal."""

    def seed(self, scenario: Scenario, extra_exact: int = 0) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as c:
            c.executescript(SCHEMA)
            c.execute("BEGIN")
            c.execute("INSERT INTO meta VALUES ('extra_exact', ?)", (str(extra_exact),))
            for i in scenario.invoices:
                name = scenario.customer(i.customer_id).name
                c.execute("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?)",
                          (i.invoice_number, i.customer_id, name, str(i.amount),
                           scenario.currency, i.issue_date.isoformat(),
                           i.due_date.isoformat(), "open"))
                at = dt.datetime.combine(i.issue_date, dt.time(6, 0), dt.UTC)
                c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                          "VALUES (?, ?, 'system', 'open', 'Invoice issued.')",
                          (i.invoice_number, at.isoformat()))
            c.execute("COMMIT")

    def search(self, number: str = "", customer: str = "",
               status: str = "") -> list[dict[str, Any]]:
        sql = f"SELECT {_COLUMNS} FROM invoices WHERE invoice_number LIKE ?"
        args: list[str] = [f"%{number.strip()}%"]
        if customer.strip():
            sql += " AND (customer_id LIKE ? OR customer_name LIKE ?)"
            args += [f"%{customer.strip()}%"] * 2
        if status:
            sql += " AND status = ?"
            args.append(status)
        with self.connect() as c:
            return [dict(r) for r in c.execute(sql + " ORDER BY invoice_number", args)]

    def invoice(self, number: str) -> dict[str, Any] | None:
        with self.connect() as c:
            row = c.execute(f"SELECT {_COLUMNS} FROM invoices WHERE invoice_number = ?",
                            (number,)).fetchone()
            if row is None:
                return None
            notes = c.execute("SELECT at, author, status, text FROM notes "
                              "WHERE invoice_number = ? ORDER BY id", (number,))
            return {**dict(row), "notes": [dict(n) for n in notes]}

    def set_status(self, number: str, status: str, note: str, author: str) -> None:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            c.execute("UPDATE invoices SET status = ? WHERE invoice_number = ?", (status, number))
            c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                      "VALUES (?, ?, ?, ?, ?)", (number, at, author, status, note))
            c.execute("COMMIT")

    def truth(self) -> dict[str, Any]:
        with self.connect() as c:
            extra = int(c.execute("SELECT value FROM meta WHERE key='extra_exact'").fetchone()[0])
            numbers = [r[0] for r in c.execute(
                "SELECT invoice_number FROM invoices ORDER BY invoice_number")]
        invoices = []
        for n in numbers:
            inv = self.invoice(n) or {}
            invoices.append({"invoice_number": n, "customer_id": inv["customer_id"],
                             "amount": inv["amount"], "status": inv["status"],
                             "notes": inv["notes"]})
        return {"app": "billing_portal", "extra_exact": extra, "invoices": invoices}

"""The service desk's SQLite ground truth: accounts with their finance fields, notes with
an optional external reference, tickets with comments, and the log of every field change.

Every write is one transaction: an update of the finance fields that carries a note either
stores both or neither, and an external reference is unique per account (the desk refuses
a second note with it), so a client that looks the reference up first never writes twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from typing import Any

from sandbox.crm.seed import accounts, tickets
from sandbox.scenario import Scenario
from sandbox.truthdb import TruthDb

__all__ = ["FINANCE_FIELDS", "STANDINGS", "CrmDb", "Refused"]

STANDINGS = ("good", "overdue", "in dispute", "on credit hold")
#: the finance fields of an account, in the order the edit form shows them
FINANCE_FIELDS = ("standing", "open_balance", "last_payment_date", "last_payment_amount",
                  "credit_hold", "refund_pending", "finance_case", "finance_status")

SCHEMA = """
DROP TABLE IF EXISTS accounts; DROP TABLE IF EXISTS notes;
DROP TABLE IF EXISTS tickets; DROP TABLE IF EXISTS ticket_comments;
DROP TABLE IF EXISTS account_log;
CREATE TABLE accounts (customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL,
  currency TEXT NOT NULL, standing TEXT NOT NULL, open_balance TEXT NOT NULL,
  last_payment_date TEXT NOT NULL DEFAULT '', last_payment_amount TEXT NOT NULL DEFAULT '',
  credit_hold INTEGER NOT NULL DEFAULT 0, refund_pending TEXT NOT NULL DEFAULT '',
  finance_case TEXT NOT NULL DEFAULT '', finance_status TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL DEFAULT '', updated_by TEXT NOT NULL DEFAULT '');
CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  at TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL, external_ref TEXT);
CREATE UNIQUE INDEX notes_ref ON notes (customer_id, external_ref);
CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  category TEXT NOT NULL, subject TEXT NOT NULL, status TEXT NOT NULL,
  opened_at TEXT NOT NULL, opened_by TEXT NOT NULL, closed_at TEXT, closed_by TEXT,
  external_ref TEXT);
CREATE UNIQUE INDEX tickets_ref ON tickets (customer_id, external_ref);
CREATE TABLE ticket_comments (id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id INTEGER NOT NULL, at TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE account_log (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL,
  at TEXT NOT NULL, user TEXT NOT NULL, field TEXT NOT NULL, old TEXT NOT NULL,
  new TEXT NOT NULL);
"""
#: ticket numbers start here, as a desk that has been in use for a while
FIRST_TICKET = 4100


class Refused(ValueError):
    """A change the desk refuses; the message is what its page shows."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class CrmDb(TruthDb):
    """Ground truth of the service desk."""

    def seed(self, scenario: Scenario) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as c:
            c.executescript(SCHEMA)
            c.execute("BEGIN")
            c.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', ?)",
                      (FIRST_TICKET,))
            for a in accounts(scenario):
                c.execute("INSERT INTO accounts (customer_id, name, owner, currency, standing, "
                          "open_balance) VALUES (?,?,?,?,?,?)",
                          (a.customer_id, a.name, a.owner, scenario.currency, a.standing,
                           f"{a.open_balance:.2f}"))
            for t in tickets():
                at = dt.datetime.combine(t.opened_on, dt.time(9, 30), dt.UTC).isoformat()
                c.execute("INSERT INTO tickets (customer_id, category, subject, status, "
                          "opened_at, opened_by) VALUES (?,?,?,?,?,?)",
                          (t.customer_id, t.category, t.subject, "open", at, t.opened_by))
            c.execute("COMMIT")

    # -- reading -----------------------------------------------------------------------
    def search(self, q: str = "") -> list[dict[str, Any]]:
        like = f"%{q.strip()}%"
        with self.connect() as c:
            rows = c.execute(
                "SELECT a.*, (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = "
                "a.customer_id AND t.category = 'dispute' AND t.status = 'open') AS "
                "open_disputes FROM accounts a WHERE customer_id LIKE ? OR name LIKE ? "
                "ORDER BY customer_id", (like, like))
            return [dict(r) for r in rows]

    def account(self, customer_id: str) -> dict[str, Any] | None:
        """The account with its notes (newest first), tickets and change log."""
        with self.connect() as c:
            row = c.execute("SELECT * FROM accounts WHERE customer_id = ?",
                            (customer_id,)).fetchone()
            if row is None:
                return None
            out = dict(row)
            out["notes"] = [dict(r) for r in c.execute(
                "SELECT id, at, author, text, external_ref FROM notes WHERE customer_id = ? "
                "ORDER BY id DESC", (customer_id,))]
            out["tickets"] = [dict(r) for r in c.execute(
                "SELECT * FROM tickets WHERE customer_id = ? ORDER BY id", (customer_id,))]
            out["log"] = [dict(r) for r in c.execute(
                "SELECT at, user, field, old, new FROM account_log WHERE customer_id = ? "
                "ORDER BY id DESC", (customer_id,))]
        out["open_disputes"] = sum(1 for t in out["tickets"]
                                   if t["category"] == "dispute" and t["status"] == "open")
        return out

    def tickets(self, status: str = "", q: str = "") -> list[dict[str, Any]]:
        sql = ("SELECT t.*, a.name FROM tickets t JOIN accounts a USING (customer_id) "
               "WHERE (t.customer_id LIKE ? OR a.name LIKE ? OR t.subject LIKE ?)")
        like = f"%{q.strip()}%"
        args: list[str] = [like, like, like]
        if status:
            sql += " AND t.status = ?"
            args.append(status)
        with self.connect() as c:
            return [dict(r) for r in c.execute(sql + " ORDER BY t.id DESC", args)]

    def ticket(self, ticket_id: int) -> dict[str, Any] | None:
        with self.connect() as c:
            row = c.execute("SELECT t.*, a.name FROM tickets t JOIN accounts a "
                            "USING (customer_id) WHERE t.id = ?", (ticket_id,)).fetchone()
            if row is None:
                return None
            out = dict(row)
            out["comments"] = [dict(r) for r in c.execute(
                "SELECT at, author, text FROM ticket_comments WHERE ticket_id = ? ORDER BY id",
                (ticket_id,))]
        return out

    # -- writing -----------------------------------------------------------------------
    def update_finance(self, customer_id: str, changes: dict[str, str], user: str, *,
                       note: str = "", note_ref: str = "") -> list[str]:
        """Set the finance fields in ``changes`` (already checked) and add the note, in one
        transaction; returns the fields that changed."""
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute("SELECT * FROM accounts WHERE customer_id = ?",
                                (customer_id,)).fetchone()
                if row is None:
                    raise Refused(f"No account {customer_id}.")
                at = _now()
                unknown = set(changes) - set(FINANCE_FIELDS)
                if unknown:
                    raise Refused(f"Field {sorted(unknown)[0]}: not a finance field.")
                changed = [f for f, v in changes.items() if str(row[f]) != v]
                for field in changed:
                    c.execute(f"UPDATE accounts SET {field} = ? WHERE customer_id = ?",
                              (changes[field], customer_id))
                    c.execute("INSERT INTO account_log (customer_id, at, user, field, old, new) "
                              "VALUES (?,?,?,?,?,?)",
                              (customer_id, at, user, field, str(row[field]), changes[field]))
                if changed:
                    c.execute("UPDATE accounts SET updated_at = ?, updated_by = ? "
                              "WHERE customer_id = ?", (at, user, customer_id))
                if note:
                    _insert_note(c, customer_id, at, user, note, note_ref)
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return changed

    def add_note(self, customer_id: str, text: str, user: str, external_ref: str = "") -> None:
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                _insert_note(c, customer_id, _now(), user, text, external_ref)
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def open_ticket(self, customer_id: str, category: str, subject: str, user: str, *,
                    comment: str = "", external_ref: str = "") -> int:
        at = _now()
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                if external_ref and c.execute(
                        "SELECT 1 FROM tickets WHERE customer_id = ? AND external_ref = ?",
                        (customer_id, external_ref)).fetchone():
                    raise Refused(f"A ticket with external reference {external_ref} exists "
                                  "already.")
                cur = c.execute("INSERT INTO tickets (customer_id, category, subject, status, "
                                "opened_at, opened_by, external_ref) VALUES (?,?,?,?,?,?,?)",
                                (customer_id, category, subject, "open", at, user,
                                 external_ref or None))
                ticket_id = int(cur.lastrowid or 0)
                if comment:
                    c.execute("INSERT INTO ticket_comments (ticket_id, at, author, text) "
                              "VALUES (?,?,?,?)", (ticket_id, at, user, comment))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return ticket_id

    def comment(self, ticket_id: int, text: str, user: str, *, close: bool = False) -> None:
        """Add a comment; ``close``: and close the ticket (a closed one stays closed)."""
        at = _now()
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                if text:
                    c.execute("INSERT INTO ticket_comments (ticket_id, at, author, text) "
                              "VALUES (?,?,?,?)", (ticket_id, at, user, text))
                if close:
                    c.execute("UPDATE tickets SET status = 'closed', closed_at = ?, "
                              "closed_by = ? WHERE id = ? AND status = 'open'",
                              (at, user, ticket_id))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    def truth(self) -> dict[str, Any]:
        with self.connect() as c:
            ids = [r[0] for r in c.execute("SELECT customer_id FROM accounts ORDER BY 1")]
        found = []
        for customer_id in ids:
            account = self.account(customer_id) or {}
            account["notes"] = account["notes"][::-1]  # oldest first
            account["log"] = account["log"][::-1]
            found.append(account)
        return {"app": "service_desk", "accounts": found,
                "tickets": [{**t, "comments": (self.ticket(int(t["id"])) or {})["comments"]}
                            for t in self.tickets()[::-1]]}


def _insert_note(c: sqlite3.Connection, customer_id: str, at: str, user: str, text: str,
                 external_ref: str) -> None:
    if external_ref and c.execute(
            "SELECT 1 FROM notes WHERE customer_id = ? AND external_ref = ?",
            (customer_id, external_ref)).fetchone():
        raise Refused(f"A note with external reference {external_ref} exists already.")
    c.execute("INSERT INTO notes (customer_id, at, author, text, external_ref) "
              "VALUES (?,?,?,?,?)", (customer_id, at, user, text, external_ref or None))


def money_text(value: str, field: str, *, allow_empty: bool = True) -> str:
    """An amount as the desk stores it (two decimals), or Refused naming the field."""
    text = value.strip().replace(",", "")
    if not text and allow_empty:
        return ""
    try:
        amount = Decimal(text)
    except ArithmeticError:
        raise Refused(f"Field {field}: an amount like 1234.50 is required, not {value!r}.") \
            from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) \
            or abs(amount) >= Decimal("1e12"):
        raise Refused(f"Field {field}: an amount with at most two decimals is required.")
    return f"{amount:.2f}"

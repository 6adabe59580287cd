"""The billing portal's own SQLite tables: contracts and their terms, invoices (drafts of the
day and the released history) with their lines, and the log of every edit and action.

Money is stored as decimal text; the stored totals of a seeded draft are kept as seeded
(a line-sum fault stays visible) until an edit recomputes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sandbox.billing_scenario import (
    BILLING_DAY,
    CANCEL_APPROVAL_ABOVE,
    BillingRun,
    build_billing_run,
    totals,
)
from sandbox.billing_scenario import Line as SeedLine
from sandbox.truthdb import TruthDb

STATUSES = ("draft", "held", "released", "cancelled")
OPEN = ("draft", "held")  # statuses a draft can still be edited, released or cancelled in

SCHEMA = """
DROP TABLE IF EXISTS b_contracts; DROP TABLE IF EXISTS b_contract_lines;
DROP TABLE IF EXISTS b_discounts; DROP TABLE IF EXISTS b_amendments;
DROP TABLE IF EXISTS b_usage; DROP TABLE IF EXISTS b_milestones;
DROP TABLE IF EXISTS b_invoices; DROP TABLE IF EXISTS b_invoice_lines;
DROP TABLE IF EXISTS b_log;
CREATE TABLE b_contracts (number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  customer_name TEXT NOT NULL, currency TEXT NOT NULL, start TEXT NOT NULL, end TEXT,
  payment_terms_days INTEGER NOT NULL, tax_treatment TEXT NOT NULL, billing TEXT NOT NULL,
  po_number TEXT);
CREATE TABLE b_contract_lines (contract_number TEXT NOT NULL, line_id TEXT NOT NULL,
  sku TEXT NOT NULL, description TEXT NOT NULL, kind TEXT NOT NULL, unit_price TEXT NOT NULL,
  quantity TEXT NOT NULL, unit TEXT NOT NULL, vat_category TEXT NOT NULL,
  PRIMARY KEY (contract_number, line_id));
CREATE TABLE b_discounts (contract_number TEXT NOT NULL, percent TEXT NOT NULL,
  ends TEXT NOT NULL, line_id TEXT);
CREATE TABLE b_amendments (contract_number TEXT NOT NULL, effective TEXT NOT NULL,
  line_id TEXT NOT NULL, new_unit_price TEXT, new_quantity TEXT);
CREATE TABLE b_usage (contract_number TEXT NOT NULL, line_id TEXT NOT NULL,
  period_start TEXT NOT NULL, period_end TEXT NOT NULL, quantity TEXT NOT NULL);
CREATE TABLE b_milestones (contract_number TEXT NOT NULL, line_id TEXT NOT NULL,
  name TEXT NOT NULL, due TEXT NOT NULL, amount TEXT NOT NULL, billed INTEGER NOT NULL);
CREATE TABLE b_invoices (number TEXT PRIMARY KEY, customer_id TEXT NOT NULL,
  customer_name TEXT NOT NULL, contract_number TEXT NOT NULL, issue_date TEXT NOT NULL,
  period_start TEXT NOT NULL, period_end TEXT NOT NULL, payment_terms_days INTEGER NOT NULL,
  currency TEXT NOT NULL, po_number TEXT, buyer_vat_id TEXT, net_total TEXT NOT NULL,
  vat_total TEXT NOT NULL, gross_total TEXT NOT NULL, status TEXT NOT NULL,
  released_at TEXT, released_by TEXT, xml BLOB, xml_sha256 TEXT, hold_reason TEXT,
  cancel_reason TEXT, cancel_approver TEXT);
CREATE TABLE b_invoice_lines (number TEXT NOT NULL, line_no INTEGER NOT NULL,
  contract_line_id TEXT, description TEXT NOT NULL, quantity TEXT NOT NULL,
  unit_price TEXT NOT NULL, discount_percent TEXT NOT NULL, net_amount TEXT NOT NULL,
  vat_category TEXT NOT NULL, vat_rate TEXT NOT NULL, PRIMARY KEY (number, line_no));
CREATE TABLE b_log (id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT NOT NULL,
  at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
"""

_HEADER = ("number, customer_id, customer_name, contract_number, issue_date, period_start, "
           "period_end, payment_terms_days, currency, po_number, buyer_vat_id, net_total, "
           "vat_total, gross_total, status, released_at, released_by, xml_sha256, "
           "hold_reason, cancel_reason, cancel_approver")
_LINE = ("number, line_no, contract_line_id, description, quantity, unit_price, "
         "discount_percent, net_amount, vat_category, vat_rate")


class ActionRefused(Exception):
    """The portal refuses an action; the message names the field or the state."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _s(value: object) -> str | None:
    return None if value is None else str(value)


class BillingDb(TruthDb):
    """Ground truth of the billing portal's contracts and invoices."""

    def seed(self, run: BillingRun | None = None) -> None:
        run = run or build_billing_run()
        names = {m.customer_id: m.billing_name for m in run.masters}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as c:
            c.executescript(SCHEMA)
            c.execute("BEGIN")
            for k in run.contracts:
                c.execute("INSERT INTO b_contracts VALUES (?,?,?,?,?,?,?,?,?,?)",
                          (k.number, k.customer_id, names[k.customer_id], k.currency,
                           k.start.isoformat(), _s(k.end), k.payment_terms_days,
                           k.tax_treatment, k.billing, k.po_number))
                for ln in k.lines:
                    c.execute("INSERT INTO b_contract_lines VALUES (?,?,?,?,?,?,?,?,?)",
                              (k.number, ln.line_id, ln.sku, ln.description, ln.kind,
                               str(ln.unit_price), str(ln.quantity), ln.unit, k.vat_category))
                for pct, ends, line_id in k.discounts:
                    c.execute("INSERT INTO b_discounts VALUES (?,?,?,?)",
                              (k.number, str(pct), ends.isoformat(), line_id))
            for a in run.amendments:
                c.execute("INSERT INTO b_amendments VALUES (?,?,?,?,?)",
                          (a.contract_number, a.effective.isoformat(), a.line_id,
                           _s(a.new_unit_price), _s(a.new_quantity)))
            for u in run.usage:
                c.execute("INSERT INTO b_usage VALUES (?,?,?,?,?)",
                          (u.contract_number, u.line_id, u.period_start.isoformat(),
                           u.period_end.isoformat(), str(u.quantity)))
            for m in run.milestones:
                c.execute("INSERT INTO b_milestones VALUES (?,?,?,?,?,?)",
                          (m.contract_number, m.line_id, m.name, m.due.isoformat(),
                           str(m.amount), int(m.billed)))
            for d in run.invoices:
                released = (dt.datetime.combine(d.issue_date, dt.time(7, 0), dt.UTC)
                            .isoformat() if d.status == "released" else None)
                c.execute(f"INSERT INTO b_invoices ({_HEADER}) VALUES "
                          f"({','.join('?' * 21)})",
                          (d.number, d.customer_id, names[d.customer_id], d.contract_number,
                           d.issue_date.isoformat(), d.period_start.isoformat(),
                           d.period_end.isoformat(), d.payment_terms_days, d.currency,
                           d.po_number, d.buyer_vat_id, str(d.net_total), str(d.vat_total),
                           str(d.gross_total), d.status, released,
                           "billing.run" if released else None, None, None, None, None))
                self._insert_lines(c, d.number, d.lines)
            c.execute("COMMIT")

    @staticmethod
    def _insert_lines(c: sqlite3.Connection, number: str, lines: Iterable[SeedLine]) -> None:
        for ln in lines:
            c.execute(f"INSERT INTO b_invoice_lines ({_LINE}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      (number, ln.line_no, ln.contract_line_id, ln.description,
                       str(ln.quantity), str(ln.unit_price), str(ln.discount_percent),
                       str(ln.net_amount), ln.vat_category, str(ln.vat_rate)))

    # -- reading -----------------------------------------------------------------------
    def contracts(self, number: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM b_contracts", ()
        if number is not None:
            sql, args = sql + " WHERE number = ?", (number,)
        with self.connect() as c:
            return [dict(r) for r in c.execute(sql + " ORDER BY number", args)]

    def terms(self, number: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Lines, discounts, amendments, usage and milestones (of one contract or all)."""
        where, args = ("WHERE contract_number = ?", (number,)) if number else ("", ())
        tables = {"lines": ("b_contract_lines", "contract_number, line_id"),
                  "discounts": ("b_discounts", "contract_number, ends"),
                  "amendments": ("b_amendments", "contract_number, effective"),
                  "usage": ("b_usage", "contract_number, line_id, period_start"),
                  "milestones": ("b_milestones", "contract_number, due")}
        with self.connect() as c:
            return {key: [dict(r) for r in c.execute(
                f"SELECT * FROM {table} {where} ORDER BY {order}", args)]
                for key, (table, order) in tables.items()}

    def invoices(self, status: str = "draft", customer: str = "") -> list[dict[str, Any]]:
        sql = f"SELECT {_HEADER} FROM b_invoices WHERE 1=1"
        args: list[str] = []
        if status != "all":
            sql += " AND status = ?"
            args.append(status)
        if customer:
            sql += " AND customer_id = ?"
            args.append(customer)
        with self.connect() as c:
            return [dict(r) for r in c.execute(sql + " ORDER BY number", args)]

    def lines(self, status: str = "draft") -> list[dict[str, Any]]:
        sql = (f"SELECT l.* FROM b_invoice_lines l JOIN b_invoices i USING (number)"
               f"{'' if status == 'all' else ' WHERE i.status = ?'} "
               "ORDER BY l.number, l.line_no")
        with self.connect() as c:
            return [dict(r) for r in c.execute(sql, () if status == "all" else (status,))]

    def invoice(self, number: str) -> dict[str, Any] | None:
        with self.connect() as c:
            row = c.execute(f"SELECT {_HEADER} FROM b_invoices WHERE number = ?",
                            (number,)).fetchone()
            if row is None:
                return None
            lines = c.execute(f"SELECT {_LINE} FROM b_invoice_lines WHERE number = ? "
                              "ORDER BY line_no", (number,))
            log = c.execute("SELECT at, user, action, detail FROM b_log WHERE number = ? "
                            "ORDER BY id", (number,))
            return {**dict(row), "lines": [dict(r) for r in lines],
                    "log": [dict(r) for r in log]}

    def xml(self, number: str) -> bytes | None:
        with self.connect() as c:
            row = c.execute("SELECT xml FROM b_invoices WHERE number = ?", (number,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    # -- actions -----------------------------------------------------------------------
    def _open(self, c: sqlite3.Connection, number: str, action: str) -> sqlite3.Row:
        row = c.execute("SELECT * FROM b_invoices WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise ActionRefused(f"Invoice {number} not found.")
        if row["status"] not in OPEN:
            raise ActionRefused(f"Invoice {number} is {row['status']}: it cannot be {action}.")
        return row

    def _log(self, c: sqlite3.Connection, number: str, user: str, action: str,
             detail: str) -> None:
        c.execute("INSERT INTO b_log (number, at, user, action, detail) VALUES (?,?,?,?,?)",
                  (number, _now(), user, action, detail))

    def update(self, number: str, header: dict[str, Any], lines: list[SeedLine],
               user: str) -> None:
        """Store an edit: header fields and lines as given, totals recomputed."""
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                row = self._open(c, number, "edited")
            except ActionRefused:
                c.execute("ROLLBACK")
                raise
            old_lines = {r["line_no"]: dict(r) for r in c.execute(
                "SELECT * FROM b_invoice_lines WHERE number = ?", (number,))}
            changes = [f"{k}: {row[k] or ''} -> {v or ''}" for k, v in header.items()
                       if str(row[k] or "") != str(v or "")]
            for ln in lines:
                old = old_lines.get(ln.line_no, {})
                for key in ("quantity", "unit_price", "discount_percent", "vat_category",
                            "vat_rate"):
                    was, new = old.get(key), getattr(ln, key)
                    same = was == new if key == "vat_category" else (
                        was is not None and Decimal(was) == new)
                    if not same:
                        changes.append(f"line {ln.line_no} {key}: {was} -> {new}")
            net, vat, gross = totals(tuple(lines))
            sets = ", ".join(f"{k} = ?" for k in header)
            c.execute(f"UPDATE b_invoices SET {sets}, net_total = ?, vat_total = ?, "
                      "gross_total = ? WHERE number = ?",
                      (*header.values(), str(net), str(vat), str(gross), number))
            c.execute("DELETE FROM b_invoice_lines WHERE number = ?", (number,))
            self._insert_lines(c, number, lines)
            self._log(c, number, user, "edited", "; ".join(changes) or "no change")
            c.execute("COMMIT")

    def release(self, number: str, xml: bytes, user: str) -> None:
        digest = hashlib.sha256(xml).hexdigest()
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                row = self._open(c, number, "released")
            except ActionRefused:
                c.execute("ROLLBACK")
                raise
            c.execute("UPDATE b_invoices SET status = 'released', released_at = ?, "
                      "released_by = ?, xml = ?, xml_sha256 = ? WHERE number = ?",
                      (_now(), user, xml, digest, number))
            # the milestones due in the period of a milestone contract are billed now
            c.execute("UPDATE b_milestones SET billed = 1 WHERE contract_number = ? AND "
                      "due BETWEEN ? AND ? AND contract_number IN (SELECT number FROM "
                      "b_contracts WHERE billing = 'milestones')",
                      (row["contract_number"], row["period_start"], row["period_end"]))
            self._log(c, number, user, "released", f"e-invoice sha256 {digest}")
            c.execute("COMMIT")

    def hold(self, number: str, reason: str, user: str) -> None:
        self._set(number, "held", user, "held", reason, hold_reason=reason)

    def cancel(self, number: str, reason: str, approver: str, user: str) -> None:
        inv = self.invoice(number)
        if inv is not None and Decimal(inv["gross_total"]) > CANCEL_APPROVAL_ABOVE \
                and not approver:
            raise ActionRefused(f"Field approver: cancelling more than "
                                f"{CANCEL_APPROVAL_ABOVE} needs an approver's name.")
        detail = reason + (f" (approved by {approver})" if approver else "")
        self._set(number, "cancelled", user, "cancelled", detail, cancel_reason=reason,
                  cancel_approver=approver or None)

    def _set(self, number: str, status: str, user: str, action: str, detail: str,
             **fields: str | None) -> None:
        with self.connect() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                self._open(c, number, action)
            except ActionRefused:
                c.execute("ROLLBACK")
                raise
            sets = ", ".join(f"{k} = ?" for k in fields)
            c.execute(f"UPDATE b_invoices SET status = ?, {sets} WHERE number = ?",
                      (status, *fields.values(), number))
            self._log(c, number, user, action, detail)
            c.execute("COMMIT")

    # -- ground truth ------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        run = build_billing_run()
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(
                f"SELECT {_HEADER} FROM b_invoices ORDER BY number")]
            lines: dict[str, list[dict[str, Any]]] = {}
            for r in c.execute(f"SELECT {_LINE} FROM b_invoice_lines ORDER BY number, "
                               "line_no"):
                lines.setdefault(r["number"], []).append(dict(r))
            log = [dict(r) for r in c.execute(
                "SELECT number, at, user, action, detail FROM b_log ORDER BY id")]
            milestones = [dict(r) for r in c.execute(
                "SELECT * FROM b_milestones ORDER BY contract_number, due")]
            einvoices = {r[0]: bytes(r[1]).decode("utf-8", "replace") for r in c.execute(
                "SELECT number, xml FROM b_invoices WHERE xml IS NOT NULL ORDER BY number")}
        invoices = [{**r, "lines": lines.get(r["number"], [])} for r in rows]
        return {
            "billing_day": BILLING_DAY.isoformat(),
            "invoices": invoices,
            "drafts": {r["number"]: r["status"] for r in rows},
            "log": log,
            "milestones": milestones,
            "einvoices": einvoices,
            "expected": run.expected,
            "expected_leakage": {cust: {cause: str(v) for cause, v in causes.items()}
                                 for cust, causes in run.expected_leakage().items()},
            "expected_leakage_total": str(run.leakage_total()),
            "leaks": [{"customer_id": k.customer_id, "contract_number": k.contract_number,
                       "line_id": k.line_id, "cause": k.cause,
                       "period_start": k.period_start.isoformat(),
                       "period_end": k.period_end.isoformat(), "amount": str(k.amount),
                       "detail": k.detail} for k in run.leaks],
        }

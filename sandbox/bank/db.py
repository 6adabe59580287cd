"""The bank's ground truth: accounts, booked entries, logins, downloads and the credit
transfers of uploaded payment files (SQLite)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.cashapp.identifiers import make_iban
from sandbox.bank.formats import BookedEntry, DayStatement
from sandbox.bank.pain001 import PaymentFile
from sandbox.scenario import Scenario

BIC = "NWBKDEFFXXX"
SAVINGS_IBAN = make_iban("DE", "500105170648489891")
SAVINGS_BALANCE = Decimal("80000.00")

_SCHEMA = """
CREATE TABLE account (iban TEXT PRIMARY KEY, name TEXT, owner TEXT, currency TEXT,
                      opening_balance TEXT, position INTEGER);
CREATE TABLE entry (id INTEGER PRIMARY KEY, iban TEXT, booking_date TEXT, value_date TEXT,
                    amount TEXT, credit INTEGER, bank_reference TEXT, end_to_end_id TEXT,
                    counterparty_name TEXT, counterparty_iban TEXT, creditor_reference TEXT,
                    remittance_text TEXT);
CREATE TABLE login (id INTEGER PRIMARY KEY, username TEXT, ok INTEGER, at TEXT);
CREATE TABLE download (id INTEGER PRIMARY KEY, iban TEXT, format TEXT, date TEXT, at TEXT);
CREATE TABLE upload (id INTEGER PRIMARY KEY, msg_id TEXT UNIQUE NOT NULL, version TEXT,
                     transfers INTEGER, total TEXT, user TEXT, at TEXT);
CREATE TABLE transfer (id INTEGER PRIMARY KEY, bank_reference TEXT NOT NULL DEFAULT '',
                       msg_id TEXT NOT NULL, end_to_end_id TEXT UNIQUE NOT NULL,
                       amount TEXT NOT NULL, currency TEXT NOT NULL, creditor_name TEXT NOT NULL,
                       creditor_iban TEXT NOT NULL, remittance TEXT NOT NULL,
                       debtor_iban TEXT NOT NULL, execution_date TEXT NOT NULL, at TEXT NOT NULL);
"""
TRANSFER_COLUMNS = ("bank_reference", "msg_id", "end_to_end_id", "amount", "currency",
                    "creditor_name", "creditor_iban", "remittance", "debtor_iban",
                    "execution_date", "at")


class DuplicatePaymentError(ValueError):
    """A payment file whose message id or one of whose EndToEndIds the bank holds already."""


def _created(day: dt.date) -> dt.datetime:
    """Statements of a day are produced by the overnight run, 05:30 UTC the next day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(5, 30), dt.UTC)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class BankDB:
    """Thread-safe access to the bank's SQLite file (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA synchronous = OFF")  # throw-away data (sandbox/truthdb.py)

    def seed(self, scenario: Scenario) -> None:
        """Drop everything and load the scenario's accounts and statement lines."""
        with self._lock, self._conn as c:
            for table in ("account", "entry", "login", "download", "upload", "transfer"):
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.executescript(_SCHEMA)
            c.execute("INSERT INTO account VALUES (?,?,?,?,?,0)", (
                scenario.company_iban, "Business current account", scenario.company_name,
                scenario.currency, str(scenario.opening_balance)))
            c.execute("INSERT INTO account VALUES (?,?,?,?,?,1)", (
                SAVINGS_IBAN, "Business savings account", scenario.company_name,
                scenario.currency, str(SAVINGS_BALANCE)))
            day = scenario.statement_date.isoformat()
            c.executemany(
                "INSERT INTO entry (iban, booking_date, value_date, amount, credit,"
                " bank_reference, end_to_end_id, counterparty_name, counterparty_iban,"
                " creditor_reference, remittance_text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(scenario.company_iban, day, day, str(p.amount), int(p.credit),
                  p.bank_reference, p.end_to_end_id, p.counterparty_name,
                  p.counterparty_iban, p.creditor_reference, p.remittance_text)
                 for p in scenario.payments])

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _write(self, sql: str, *args: Any) -> None:
        with self._lock, self._conn as c:
            c.execute(sql, args)

    def accounts(self) -> list[dict[str, Any]]:
        """Accounts with their current (closing) balance."""
        result = []
        for row in self._all("SELECT * FROM account ORDER BY position"):
            entries = self.entries(row["iban"])
            balance = Decimal(row["opening_balance"]) + sum(
                (e.signed for e in entries), Decimal("0"))
            result.append({"iban": row["iban"], "name": row["name"], "owner": row["owner"],
                           "currency": row["currency"], "balance": balance,
                           "opening_balance": Decimal(row["opening_balance"]),
                           "entries": len(entries)})
        return result

    def account(self, iban: str) -> dict[str, Any] | None:
        return next((a for a in self.accounts() if a["iban"] == iban), None)

    def entries(self, iban: str, day: dt.date | None = None) -> list[BookedEntry]:
        sql, args = "SELECT * FROM entry WHERE iban = ?", [iban]
        if day is not None:
            sql, args = sql + " AND booking_date = ?", [*args, day.isoformat()]
        return [BookedEntry(
            Decimal(r["amount"]), bool(r["credit"]), dt.date.fromisoformat(r["booking_date"]),
            dt.date.fromisoformat(r["value_date"]), r["bank_reference"], r["end_to_end_id"],
            r["counterparty_name"], r["counterparty_iban"], r["creditor_reference"],
            r["remittance_text"] or "") for r in self._all(sql + " ORDER BY id", *args)]

    def statement(self, iban: str, day: dt.date) -> DayStatement | None:
        """The statement of ``iban`` for booking day ``day`` (None: unknown account)."""
        acct = self.account(iban)
        if acct is None:
            return None
        before = [e for e in self.entries(iban) if e.booking_date < day]
        opening = acct["opening_balance"] + sum((e.signed for e in before), Decimal("0"))
        sequence = int(day.strftime("%j"))
        return DayStatement(iban, acct["owner"], acct["currency"], BIC, day, sequence,
                            opening, tuple(self.entries(iban, day)), _created(day))

    def record_login(self, username: str, ok: bool) -> None:
        self._write("INSERT INTO login (username, ok, at) VALUES (?,?,?)",
                    username, int(ok), _now())

    def record_download(self, iban: str, fmt: str, day: dt.date) -> None:
        self._write("INSERT INTO download (iban, format, date, at) VALUES (?,?,?,?)",
                    iban, fmt, day.isoformat(), _now())

    def accept_payment_file(self, pf: PaymentFile, user: str) -> list[dict[str, Any]]:
        """Book the file's transfers (all or none) with a bank reference each; refuses a
        message id or an EndToEndId it holds already."""
        now = _now()
        with self._lock, self._conn as c:
            if c.execute("SELECT 1 FROM upload WHERE msg_id = ?", (pf.msg_id,)).fetchone():
                raise DuplicatePaymentError(f"a file with message id {pf.msg_id} was uploaded "
                                            "before; nothing was booked")
            for t in pf.transfers:
                if c.execute("SELECT 1 FROM transfer WHERE end_to_end_id = ?",
                             (t.end_to_end_id,)).fetchone():
                    raise DuplicatePaymentError(f"EndToEndId {t.end_to_end_id} was paid "
                                                "before; nothing of this file was booked")
            c.execute("INSERT INTO upload (msg_id, version, transfers, total, user, at) "
                      "VALUES (?,?,?,?,?,?)", (pf.msg_id, pf.version, len(pf.transfers),
                                               str(pf.total), user, now))
            for t in pf.transfers:
                cur = c.execute(
                    "INSERT INTO transfer (msg_id, end_to_end_id, amount, currency, "
                    "creditor_name, creditor_iban, remittance, debtor_iban, execution_date, "
                    "at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (pf.msg_id, t.end_to_end_id, str(t.amount), t.currency, t.creditor_name,
                     t.creditor_iban, t.remittance, t.debtor_iban,
                     t.execution_date.isoformat(), now))
                c.execute("UPDATE transfer SET bank_reference = ? WHERE id = ?",
                          (f"NWBTRF{t.execution_date:%Y%m%d}{cur.lastrowid:05d}",
                           cur.lastrowid))
        return self.transfers(msg_id=pf.msg_id)

    def transfers(self, *, end_to_end_id: str | None = None,
                  msg_id: str | None = None) -> list[dict[str, Any]]:
        sql, args = f"SELECT {', '.join(TRANSFER_COLUMNS)} FROM transfer WHERE 1=1", []
        if end_to_end_id is not None:
            sql, args = sql + " AND end_to_end_id = ?", [*args, end_to_end_id.strip()]
        if msg_id is not None:
            sql, args = sql + " AND msg_id = ?", [*args, msg_id]
        return [dict(r) for r in self._all(sql + " ORDER BY id", *args)]

    def truth(self) -> dict[str, Any]:
        accounts = [{**a, "balance": str(a["balance"]),
                     "opening_balance": str(a["opening_balance"])} for a in self.accounts()]
        downloads = [dict(r) for r in self._all(
            "SELECT iban AS account, format, date, at FROM download ORDER BY id")]
        logins = self._all("SELECT ok, count(*) AS n FROM login GROUP BY ok")
        counts = {bool(r["ok"]): r["n"] for r in logins}
        return {"accounts": accounts, "downloads": downloads, "logins": counts.get(True, 0),
                "failed_logins": counts.get(False, 0), "transfers": self.transfers()}

"""The claims desk's ground truth, in the portal's own SQLite file (tables ``cl_*``).

The invoices themselves stay in the portal's ``invoices`` table (one status per invoice,
the one the single-page app shows); seeding adds the disputed invoices ``INV-2026-2xxx``
there and keeps their lines, contract prices and VAT in ``cl_lines`` / ``cl_terms``. An
invoice without lines here (the cash-application invoices) reads as one line
"Goods and services" of its amount, without VAT.

Money is stored as decimal text. Status changes of claims, requests and invoices happen in
one transaction with the invoice note that records them.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sandbox.disputes_scenario import INVOICES
from sandbox.portal.claims import rules
from sandbox.portal.claims.rules import Refused
from sandbox.portal.claims.seed import ACCESS_CODES, attachment, media_type, seeded_claims
from sandbox.truthdb import TruthDb

CLAIM_STATUSES = ("new", "received", "rejected", "credited", "closed")
#: how a claim reached the desk: the customer's dispute form, or registered by the back
#: office for a dispute that came by mail or as a payment deduction
CHANNELS = ("portal", "mail", "deduction")
REQUEST_STATUSES = ("blocked", "released", "rejected")
CURRENCY = "EUR"
ZERO = Decimal("0.00")

SCHEMA = """
DROP TABLE IF EXISTS cl_terms; DROP TABLE IF EXISTS cl_lines; DROP TABLE IF EXISTS cl_customers;
DROP TABLE IF EXISTS cl_claims; DROP TABLE IF EXISTS cl_claim_lines;
DROP TABLE IF EXISTS cl_attachments; DROP TABLE IF EXISTS cl_requests;
CREATE TABLE cl_terms (invoice_number TEXT PRIMARY KEY, order_number TEXT NOT NULL,
  vat_percent TEXT NOT NULL, net TEXT NOT NULL, vat TEXT NOT NULL, gross TEXT NOT NULL);
CREATE TABLE cl_lines (invoice_number TEXT NOT NULL, line_no INTEGER NOT NULL,
  sku TEXT NOT NULL, description TEXT NOT NULL, quantity TEXT NOT NULL,
  unit_price TEXT NOT NULL, contract_price TEXT, net TEXT NOT NULL,
  PRIMARY KEY (invoice_number, line_no));
CREATE TABLE cl_customers (customer_id TEXT PRIMARY KEY, name TEXT NOT NULL,
  access_code TEXT NOT NULL);
CREATE TABLE cl_claims (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, seed_key TEXT,
  invoice_number TEXT NOT NULL, customer_id TEXT NOT NULL, amount TEXT NOT NULL,
  currency TEXT NOT NULL, text TEXT NOT NULL, received_at TEXT NOT NULL,
  status TEXT NOT NULL, case_ref TEXT, channel TEXT NOT NULL DEFAULT 'portal',
  customer_message TEXT NOT NULL DEFAULT '',
  close_note TEXT NOT NULL DEFAULT '', invoice_status_before TEXT,
  updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);
CREATE TABLE cl_claim_lines (claim_id TEXT NOT NULL, line_no INTEGER NOT NULL,
  PRIMARY KEY (claim_id, line_no));
CREATE TABLE cl_attachments (claim_id TEXT PRIMARY KEY, filename TEXT NOT NULL,
  media_type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE cl_requests (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
  invoice_number TEXT NOT NULL, claim_id TEXT, amount TEXT NOT NULL, reason TEXT NOT NULL,
  reference TEXT NOT NULL UNIQUE, status TEXT NOT NULL, number TEXT UNIQUE,
  approved_by TEXT NOT NULL DEFAULT '', rejection_reason TEXT NOT NULL DEFAULT '',
  requested_at TEXT NOT NULL, requested_by TEXT NOT NULL, decided_at TEXT,
  decided_by TEXT);
"""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _begin(c: sqlite3.Connection) -> None:
    c.execute("BEGIN IMMEDIATE")


class ClaimsDb(TruthDb):
    """Claims, credit memo requests and invoice lines of the billing portal."""

    def __init__(self, path: Any, customer_names: Mapping[str, str]) -> None:
        super().__init__(path)
        self.customer_names = dict(customer_names)

    # -- seeding -----------------------------------------------------------------------
    def seed(self) -> None:
        """Add the disputed invoices to the portal's invoices and file the portal claims.

        Runs after the portal's own seed (which recreates its ``invoices`` table)."""
        with self.connect() as c:
            c.executescript(SCHEMA)
            _begin(c)
            for cid, name in sorted(self.customer_names.items()):
                if cid in ACCESS_CODES:
                    c.execute("INSERT INTO cl_customers VALUES (?,?,?)",
                              (cid, name, ACCESS_CODES[cid]))
            for inv in INVOICES:
                status = "paid" if inv.paid else "open"
                c.execute("INSERT OR REPLACE INTO invoices VALUES (?,?,?,?,?,?,?,?)",
                          (inv.invoice_number, inv.customer_id,
                           self.customer_names[inv.customer_id], str(inv.gross), CURRENCY,
                           inv.issue_date.isoformat(), inv.due_date.isoformat(), status))
                at = dt.datetime.combine(inv.issue_date, dt.time(6, 0), dt.UTC).isoformat()
                c.execute("DELETE FROM notes WHERE invoice_number = ?", (inv.invoice_number,))
                c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                          "VALUES (?, ?, 'system', 'open', 'Invoice issued.')",
                          (inv.invoice_number, at))
                if inv.paid:
                    paid_at = dt.datetime.combine(inv.due_date, dt.time(9, 0), dt.UTC)
                    c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                              "VALUES (?, ?, 'system', 'paid', 'Paid in full.')",
                              (inv.invoice_number, paid_at.isoformat()))
                c.execute("INSERT INTO cl_terms VALUES (?,?,?,?,?,?)",
                          (inv.invoice_number, inv.order_number, str(inv.vat_percent),
                           str(inv.net), str(inv.vat), str(inv.gross)))
                for ln in inv.lines:
                    c.execute("INSERT INTO cl_lines VALUES (?,?,?,?,?,?,?,?)",
                              (inv.invoice_number, ln.line_no, ln.sku, ln.description,
                               str(ln.quantity), str(ln.unit_price),
                               None if ln.contract_price is None else str(ln.contract_price),
                               str(ln.net)))
            for seq, (cid, claim) in enumerate(seeded_claims(), start=1):
                at = claim.received_at.isoformat()
                c.execute("INSERT INTO cl_claims (id, seq, seed_key, invoice_number, "
                          "customer_id, amount, currency, text, received_at, status, "
                          "updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?,'new',?,?)",
                          (cid, seq, claim.key, claim.invoice_number, claim.customer_id,
                           str(claim.amount), CURRENCY, claim.text, at, at, claim.customer_id))
                c.executemany("INSERT INTO cl_claim_lines VALUES (?, ?)",
                              [(cid, n) for n in claim.lines])
                if claim.attachment:
                    c.execute("INSERT INTO cl_attachments VALUES (?,?,?,?)",
                              (cid, claim.attachment, media_type(claim.attachment),
                               attachment(claim)))
            c.execute("COMMIT")

    # -- customers ---------------------------------------------------------------------
    def customer_login(self, customer_id: str, access_code: str) -> str | None:
        """The customer's name when the access code is theirs."""
        with self.connect() as c:
            row = c.execute("SELECT name, access_code FROM cl_customers WHERE customer_id = ?",
                            (customer_id,)).fetchone()
        return row["name"] if row is not None and row["access_code"] == access_code else None

    # -- invoices ----------------------------------------------------------------------
    def invoices(self, customer_id: str) -> list[dict[str, Any]]:
        with self.connect() as c:
            numbers = [r[0] for r in c.execute(
                "SELECT invoice_number FROM invoices WHERE customer_id = ? "
                "ORDER BY invoice_number", (customer_id,))]
            found = [self._invoice(c, n) for n in numbers]
        return [inv for inv in found if inv is not None]

    def invoice(self, number: str) -> dict[str, Any] | None:
        with self.connect() as c:
            return self._invoice(c, number)

    @staticmethod
    def _invoice(c: sqlite3.Connection, number: str) -> dict[str, Any] | None:
        row = c.execute("SELECT * FROM invoices WHERE invoice_number = ?", (number,)).fetchone()
        if row is None:
            return None
        inv = dict(row)
        terms = c.execute("SELECT * FROM cl_terms WHERE invoice_number = ?",
                          (number,)).fetchone()
        lines = [dict(r) for r in c.execute(
            "SELECT line_no, sku, description, quantity, unit_price, contract_price, net "
            "FROM cl_lines WHERE invoice_number = ? ORDER BY line_no", (number,))]
        if terms is None:  # a cash-application invoice: its amount, VAT not broken out
            lines = [{"line_no": 1, "sku": "", "description": "Goods and services",
                      "quantity": "1", "unit_price": inv["amount"], "contract_price": None,
                      "net": inv["amount"]}]
            inv.update(order_number="", vat_percent="0", net=inv["amount"], vat="0.00",
                       gross=inv["amount"])
        else:
            inv.update(order_number=terms["order_number"], vat_percent=terms["vat_percent"],
                       net=terms["net"], vat=terms["vat"], gross=terms["gross"])
        memos = [dict(r) for r in c.execute(
            "SELECT id, number, amount, reason, decided_at, approved_by, claim_id "
            "FROM cl_requests WHERE invoice_number = ? AND status = 'released' ORDER BY seq",
            (number,))]
        pending = sum((Decimal(r[0]) for r in c.execute(
            "SELECT amount FROM cl_requests WHERE invoice_number = ? AND status = 'blocked'",
            (number,))), ZERO)
        credited = sum((Decimal(m["amount"]) for m in memos), ZERO)
        inv.update(lines=lines, credit_memos=memos, credited=str(credited),
                   pending=str(pending), uncredited=str(Decimal(inv["gross"]) - credited))
        return inv

    # -- claims ------------------------------------------------------------------------
    def claims(self, status: str = "all", customer_id: str | None = None
               ) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM cl_claims WHERE 1=1", []
        if status != "all":
            sql, args = sql + " AND status = ?", [status]
        if customer_id is not None:
            sql, args = sql + " AND customer_id = ?", [*args, customer_id]
        with self.connect() as c:
            rows = [dict(r) for r in c.execute(sql + " ORDER BY seq", args)]
        return [{**r, "customer_name": self.customer_names.get(r["customer_id"], "")}
                for r in rows]

    def claim(self, claim_id: str) -> dict[str, Any] | None:
        with self.connect() as c:
            row = c.execute("SELECT * FROM cl_claims WHERE id = ?", (claim_id,)).fetchone()
            if row is None:
                return None
            claim = dict(row)
            numbers = [r[0] for r in c.execute(
                "SELECT line_no FROM cl_claim_lines WHERE claim_id = ? ORDER BY line_no",
                (claim_id,))]
            file = c.execute("SELECT filename, media_type, length(data) AS size FROM "
                             "cl_attachments WHERE claim_id = ?", (claim_id,)).fetchone()
            inv = self._invoice(c, claim["invoice_number"]) or {"lines": []}
        claim["lines"] = [ln for ln in inv["lines"] if ln["line_no"] in numbers]
        claim["attachment"] = dict(file) if file is not None else None
        claim["customer_name"] = self.customer_names.get(claim["customer_id"], "")
        return claim

    def attachment(self, claim_id: str) -> tuple[str, str, bytes] | None:
        with self.connect() as c:
            row = c.execute("SELECT filename, media_type, data FROM cl_attachments "
                            "WHERE claim_id = ?", (claim_id,)).fetchone()
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def file_claim(self, customer_id: str, number: str, amount: Decimal, text: str,
                   lines: Iterable[int], upload: tuple[str, bytes] | None) -> str:
        """A customer's dispute of one of their invoices; returns the claim id."""
        with self.connect() as c:
            _begin(c)
            try:
                inv = self._invoice(c, number)
                if inv is None or inv["customer_id"] != customer_id:
                    raise Refused(f"Field invoice: invoice {number} is not one of yours.")
                known = {ln["line_no"] for ln in inv["lines"]}
                chosen = sorted(set(lines))
                if any(n not in known for n in chosen):
                    raise Refused("Field line: choose lines of this invoice.")
                if amount > Decimal(inv["uncredited"]):
                    raise Refused(f"Field amount: at most {inv['uncredited']} "
                                  f"{inv['currency']} (the invoice's amount not yet credited).")
                cid = self._new_claim(c, inv, amount, text, "portal", customer_id)
                c.executemany("INSERT INTO cl_claim_lines VALUES (?, ?)",
                              [(cid, n) for n in chosen])
                if upload is not None:
                    c.execute("INSERT INTO cl_attachments VALUES (?,?,?,?)",
                              (cid, upload[0], media_type(upload[0]), upload[1]))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return cid

    def _claim_for_update(self, c: sqlite3.Connection, claim_id: str) -> sqlite3.Row:
        row = c.execute("SELECT * FROM cl_claims WHERE id = ?", (claim_id,)).fetchone()
        if row is None:
            raise Refused(f"Claim {claim_id} not found.")
        return row

    @staticmethod
    def _set_invoice_status(c: sqlite3.Connection, number: str, status: str, note: str,
                            user: str) -> None:
        c.execute("UPDATE invoices SET status = ? WHERE invoice_number = ?", (status, number))
        c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                  "VALUES (?, ?, ?, ?, ?)", (number, _now(), user, status, note))

    def _restore_invoice(self, c: sqlite3.Connection, claim: sqlite3.Row, user: str,
                         why: str) -> None:
        """The invoice leaves ``disputed`` once no other received claim holds it there."""
        number = claim["invoice_number"]
        status = c.execute("SELECT status FROM invoices WHERE invoice_number = ?",
                           (number,)).fetchone()[0]
        others = c.execute("SELECT count(*) FROM cl_claims WHERE invoice_number = ? AND "
                           "status = 'received' AND id != ?",
                           (number, claim["id"])).fetchone()[0]
        if status == "disputed" and not others:
            self._set_invoice_status(c, number, claim["invoice_status_before"] or "open",
                                     why, user)

    def _update_claim(self, c: sqlite3.Connection, claim_id: str, user: str,
                      **values: str) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        c.execute(f"UPDATE cl_claims SET {sets}, updated_at = ?, updated_by = ? WHERE id = ?",
                  (*values.values(), _now(), user, claim_id))

    def _action(self, claim_id: str, user: str, act: Any) -> str:
        """Run ``act(c, claim_row)`` in one transaction; returns what it returns."""
        with self.connect() as c:
            _begin(c)
            try:
                done = act(c, self._claim_for_update(c, claim_id))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return str(done)

    def receive(self, claim_id: str, case_ref: str, user: str) -> str:
        """Take a claim in under a case: ``received``, its invoice ``disputed``.

        Returns ``"received"`` or ``"unchanged"`` (the same case ref again)."""
        def act(c: sqlite3.Connection, claim: sqlite3.Row) -> str:
            if claim["status"] != "new":
                if claim["case_ref"] == case_ref:
                    return "unchanged"
                if claim["case_ref"]:
                    raise Refused(f"Field case_ref: claim {claim_id} was received under "
                                  f"case {claim['case_ref']}, not {case_ref}.")
                raise Refused(f"Claim {claim_id} is {claim['status']}: it cannot be "
                              "received.")
            self._hold_disputed(c, claim_id, claim["invoice_number"], case_ref, user,
                                f"Claim {claim_id} received (case {case_ref}).")
            return "received"
        return self._action(claim_id, user, act)

    def _hold_disputed(self, c: sqlite3.Connection, claim_id: str, number: str,
                       case_ref: str, user: str, note: str) -> None:
        """The claim ``received`` under ``case_ref``; its invoice ``disputed`` (what it
        was before kept on the claim, to restore when no received claim holds it)."""
        current = c.execute("SELECT status FROM invoices WHERE invoice_number = ?",
                            (number,)).fetchone()[0]
        before = current
        if current == "disputed":  # another claim holds it: keep what that one saw
            row = c.execute("SELECT invoice_status_before FROM cl_claims WHERE "
                            "invoice_number = ? AND status = 'received' AND "
                            "invoice_status_before IS NOT NULL ORDER BY seq LIMIT 1",
                            (number,)).fetchone()
            before = row[0] if row is not None else "open"
        self._update_claim(c, claim_id, user, status="received", case_ref=case_ref,
                           invoice_status_before=before)
        if current in ("open", "paid", "partially_paid", "partially_credited"):
            self._set_invoice_status(c, number, "disputed", note, user)

    @staticmethod
    def _new_claim(c: sqlite3.Connection, inv: dict[str, Any], amount: Decimal, text: str,
                   channel: str, user: str) -> str:
        """A ``new`` claim of the invoice ``inv`` by ``channel``; its id."""
        seq = c.execute("SELECT coalesce(max(seq), 0) + 1 FROM cl_claims").fetchone()[0]
        cid, at = f"DSP-{seq:04d}", _now()
        c.execute("INSERT INTO cl_claims (id, seq, invoice_number, customer_id, amount, "
                  "currency, text, received_at, status, channel, updated_at, updated_by) "
                  "VALUES (?,?,?,?,?,?,?,?,'new',?,?,?)",
                  (cid, seq, inv["invoice_number"], inv["customer_id"], str(amount),
                   inv["currency"], text, at, channel, at, user))
        return cid

    def register(self, number: str, amount: Decimal, text: str, channel: str,
                 case_ref: str, user: str) -> tuple[str, bool]:
        """The back office registers a dispute that came by mail or as a payment deduction:
        a claim ``received`` under ``case_ref``, its invoice ``disputed`` as a customer's
        claim makes it; (claim id, created). A case reference registered before answers
        with its claim (``created`` False)."""
        if channel not in CHANNELS[1:]:
            raise Refused(f"Field channel: {channel!r}; one of {', '.join(CHANNELS[1:])}.")
        with self.connect() as c:
            _begin(c)
            try:
                row = c.execute("SELECT id, invoice_number FROM cl_claims WHERE case_ref = ? "
                                "AND channel != 'portal' ORDER BY seq LIMIT 1",
                                (case_ref,)).fetchone()
                if row is not None:
                    c.execute("ROLLBACK")
                    if row["invoice_number"] != number:
                        raise Refused(f"Field case_ref: case {case_ref} is registered on "
                                      f"{row['invoice_number']}, not {number}.")
                    return str(row["id"]), False
                inv = self._invoice(c, number)
                if inv is None:
                    raise Refused(f"Field invoice: invoice {number} not found.")
                if amount > Decimal(inv["uncredited"]):
                    raise Refused(f"Field amount: at most {inv['uncredited']} "
                                  f"{inv['currency']} (the invoice's amount not yet credited).")
                cid = self._new_claim(c, inv, amount, text, channel, user)
                self._hold_disputed(c, cid, number, case_ref, user,
                                    f"Claim {cid} registered ({channel}, case {case_ref}).")
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return cid, True

    def reject(self, claim_id: str, message: str, user: str) -> str:
        """Turn a claim down with the message the customer reads; the invoice's status
        is restored."""
        def act(c: sqlite3.Connection, claim: sqlite3.Row) -> str:
            if claim["status"] == "rejected":
                if claim["customer_message"] == message:
                    return "unchanged"
                raise Refused(f"Claim {claim_id} was already rejected with another message.")
            if claim["status"] not in ("new", "received"):
                raise Refused(f"Claim {claim_id} is {claim['status']}: it cannot be "
                              "rejected.")
            self._update_claim(c, claim_id, user, status="rejected", customer_message=message)
            self._restore_invoice(c, claim, user, f"Claim {claim_id} rejected.")
            return "rejected"
        return self._action(claim_id, user, act)

    def close(self, claim_id: str, note: str, user: str) -> str:
        def act(c: sqlite3.Connection, claim: sqlite3.Row) -> str:
            if claim["status"] == "closed":
                return "unchanged"
            self._update_claim(c, claim_id, user, status="closed", close_note=note)
            self._restore_invoice(c, claim, user, f"Claim {claim_id} closed.")
            return "closed"
        return self._action(claim_id, user, act)

    # -- credit memo requests ------------------------------------------------------------
    def requests(self, status: str = "all") -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM cl_requests", ()
        if status != "all":
            sql, args = sql + " WHERE status = ?", (status,)
        with self.connect() as c:
            return [_request(r) for r in c.execute(sql + " ORDER BY seq", args)]

    def request(self, request_id: str) -> dict[str, Any] | None:
        with self.connect() as c:
            row = c.execute("SELECT * FROM cl_requests WHERE id = ?",
                            (request_id,)).fetchone()
        return None if row is None else _request(row)

    def request_credit(self, number: str, amount: Decimal, reason: str, reference: str,
                       claim_id: str, user: str) -> tuple[str, bool]:
        """A credit memo request under a billing block; (request id, created).

        A reference already used answers with that request (``created`` False)."""
        with self.connect() as c:
            _begin(c)
            try:
                row = c.execute("SELECT id FROM cl_requests WHERE reference = ?",
                                (reference,)).fetchone()
                if row is not None:
                    c.execute("ROLLBACK")
                    return row[0], False
                inv = self._invoice(c, number)
                if inv is None:
                    raise Refused(f"Field invoice: invoice {number} not found.")
                if claim_id:
                    claim = c.execute("SELECT invoice_number FROM cl_claims WHERE id = ?",
                                      (claim_id,)).fetchone()
                    if claim is None or claim[0] != number:
                        raise Refused(f"Field claim: claim {claim_id} is not a claim on "
                                      f"{number}.")
                room = Decimal(inv["uncredited"]) - Decimal(inv["pending"])
                if amount > room:
                    raise Refused(f"Field amount: {amount} is more than the invoice's "
                                  f"uncredited gross {room} {inv['currency']} (gross "
                                  f"{inv['gross']}, credited {inv['credited']}, requested "
                                  f"{inv['pending']}).")
                seq = c.execute("SELECT coalesce(max(seq), 0) + 1 FROM cl_requests"
                                ).fetchone()[0]
                rid = f"CMR-{seq:04d}"
                c.execute("INSERT INTO cl_requests (id, seq, invoice_number, claim_id, amount, "
                          "reason, reference, status, requested_at, requested_by) "
                          "VALUES (?,?,?,?,?,?,?,'blocked',?,?)",
                          (rid, seq, number, claim_id or None, str(amount), reason, reference,
                           _now(), user))
                c.execute("INSERT INTO notes (invoice_number, at, author, status, text) "
                          "VALUES (?, ?, ?, ?, ?)",
                          (number, _now(), user, inv["status"],
                           f"Credit memo request {rid} over {amount} {inv['currency']} "
                           "(billing block)."))
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return rid, True

    def release(self, request_id: str, approved_by: tuple[str, ...], user: str) -> str:
        """Lift the billing block: the credit memo ``CM-2026-1nnn`` is issued."""
        with self.connect() as c:
            _begin(c)
            try:
                req = c.execute("SELECT * FROM cl_requests WHERE id = ?",
                                (request_id,)).fetchone()
                if req is None:
                    raise Refused(f"Credit memo request {request_id} not found.")
                if req["status"] == "released":
                    c.execute("ROLLBACK")
                    return str(req["number"])
                if req["status"] != "blocked":
                    raise Refused(f"Credit memo request {request_id} is {req['status']}: it "
                                  "cannot be released.")
                if req["requested_by"].casefold() in (a.casefold() for a in approved_by):
                    raise Refused("Field approved_by: the user who requested the credit "
                                  "memo cannot approve it.")
                amount = Decimal(req["amount"])
                if amount > rules.TWO_APPROVERS_ABOVE and len(approved_by) < 2:
                    raise Refused(f"Field approved_by: a credit memo above "
                                  f"{rules.TWO_APPROVERS_ABOVE:,} needs two approvers' names.")
                number = req["invoice_number"]
                inv = self._invoice(c, number)
                assert inv is not None
                if amount > Decimal(inv["uncredited"]):
                    raise Refused(f"Field amount: {amount} is more than the invoice's "
                                  f"uncredited gross {inv['uncredited']}.")
                issued = c.execute("SELECT count(*) FROM cl_requests WHERE number IS NOT NULL"
                                   ).fetchone()[0]
                memo = f"CM-2026-{1001 + issued}"
                c.execute("UPDATE cl_requests SET status = 'released', number = ?, "
                          "approved_by = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                          (memo, ", ".join(approved_by), _now(), user, request_id))
                left = Decimal(inv["uncredited"]) - amount
                status = "credited" if left <= 0 else "partially_credited"
                self._set_invoice_status(
                    c, number, status, f"Credit memo {memo} over {amount} {inv['currency']} "
                    f"issued (approved by {', '.join(approved_by)}).", user)
                if req["claim_id"]:
                    claim = c.execute("SELECT status FROM cl_claims WHERE id = ?",
                                      (req["claim_id"],)).fetchone()
                    if claim is not None and claim[0] in ("new", "received"):
                        self._update_claim(
                            c, req["claim_id"], user, status="credited",
                            customer_message=f"We issued credit memo {memo} over {amount} "
                            f"{inv['currency']} for invoice {number}.")
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return memo

    def reject_request(self, request_id: str, reason: str, user: str) -> str:
        with self.connect() as c:
            _begin(c)
            try:
                req = c.execute("SELECT status, rejection_reason FROM cl_requests "
                                "WHERE id = ?", (request_id,)).fetchone()
                if req is None:
                    raise Refused(f"Credit memo request {request_id} not found.")
                if req["status"] == "rejected":
                    c.execute("ROLLBACK")
                    return "unchanged"
                if req["status"] != "blocked":
                    raise Refused(f"Credit memo request {request_id} is {req['status']}: it "
                                  "cannot be rejected.")
                c.execute("UPDATE cl_requests SET status = 'rejected', rejection_reason = ?, "
                          "decided_at = ?, decided_by = ? WHERE id = ?",
                          (reason, _now(), user, request_id))
                c.execute("COMMIT")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return "rejected"

    # -- truth -------------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        """What ``/_sandbox/truth`` adds: ``claims`` (id, seed_key of a seeded claim else
        None, invoice, customer, amount, status, case_ref, channel (``portal``, or ``mail``
        / ``deduction`` for a claim the back office registered), message to the customer, lines,
        attachment file name, ...), ``credit_memo_requests`` (id, invoice, claim, amount,
        reference, status, number once released, approved_by as a list of names) and
        ``claim_invoices`` (each INV-2026-2xxx with its status, gross, amount credited and
        credit memo numbers; they are in the portal's ``invoices`` too)."""
        claims = []
        for r in self.claims():
            claim = self.claim(r["id"]) or {}
            claims.append({
                "id": r["id"], "seed_key": r["seed_key"], "invoice": r["invoice_number"],
                "customer": r["customer_id"], "amount": r["amount"], "status": r["status"],
                "case_ref": r["case_ref"] or "", "channel": r["channel"],
                "message": r["customer_message"],
                "received_at": r["received_at"], "text": r["text"],
                "lines": [ln["line_no"] for ln in claim.get("lines", [])],
                "attachment": (claim.get("attachment") or {}).get("filename", ""),
                "close_note": r["close_note"]})
        requests = [{"id": r["id"], "invoice": r["invoice_number"], "claim": r["claim_id"],
                     "amount": r["amount"], "reference": r["reference"],
                     "status": r["status"], "number": r["number"],
                     "approved_by": r["approvers"], "requested_by": r["requested_by"]}
                    for r in self.requests()]
        invoices = []
        for inv in INVOICES:
            got = self.invoice(inv.invoice_number) or {}
            invoices.append({"invoice_number": inv.invoice_number, "status": got.get("status"),
                             "gross": got.get("gross"), "credited": got.get("credited"),
                             "credit_memos": [m["number"] for m in got.get("credit_memos", [])]})
        return {"claims": claims, "credit_memo_requests": requests, "claim_invoices": invoices}


def _request(row: sqlite3.Row) -> dict[str, Any]:
    req = dict(row)
    req["approvers"] = [n for n in req["approved_by"].split(", ") if n]
    return req

"""ERP sandbox extension: AR adjustments (credit memos and write-offs against an invoice),
customers' credit balances, their bank details and the refund of a credit balance (see
sandbox/erp/ext/__init__.py for the contract).

Pages (login required, the legacy ERP's look) and their stable element ids:

- ``GET /ar/adjustments/new?invoice=..`` the adjustment form: ``#adj-kind`` (credit_memo |
  write_off), ``#adj-invoice``, ``#adj-amount``, ``#adj-reference`` (the idempotency key),
  ``#adj-reason``, button ``#adj-post``; a refused entry comes back with ``#error``.
  ``POST /ar/adjustments`` posts it and answers with the confirmation
  ``GET /ar/adjustments/{number}``: ``#adj-document`` (``CM-ERP-000012``,
  ``WO-ERP-000013``), ``#adj-kind-value``, ``#adj-invoice-number``, ``#adj-amount-value``,
  ``#adj-reference-value``, ``#adj-applied`` (what reduced the invoice's open amount),
  ``#adj-credit-balance`` (the rest, a new credit balance; ``0.00`` if none),
  ``#adj-open-after``. A credit memo reduces the open amount by at most what is open; a
  write-off may not exceed it. The same reference again answers with the existing
  document and posts nothing (the same reference for another invoice, kind or amount is
  refused, naming the document that holds it).
- ``GET /ar/credit-balances?status=open|refunded|all`` ``table#credit-balances``, one
  ``tr.balance[data-balance-id]`` each with ``.customer .customer-name .amount .currency
  .document .created .status .refund-document``.
- ``GET /ar/bank-details/{customer_id}`` ``#holder #iban #bic #changed-on #changed-by``
  (``#no-bank-details`` when none are on file) and the change form ``#bd-holder``,
  ``#bd-iban``, ``#bd-bic``, button ``#bd-save`` (``POST``): the ERP records the signed-on
  user and today's date as the change; ``#bd-saved`` confirms, ``#error`` refuses.
- ``GET /ar/credit-balances/{id}/refund`` the refund form: ``#refund-balance``,
  ``#refund-customer``, ``#refund-amount``, ``#refund-holder``, ``#refund-iban``
  (prefilled with the bank details on file), ``#refund-reference``, button
  ``#refund-post``; ``POST`` refunds the whole balance to the IBAN on file (another IBAN,
  no bank details or an invalid IBAN is refused) and answers with ``#refund-document``
  (``RF-ERP-000001``), ``#refund-amount-value``, ``#refund-iban-value``,
  ``#refund-reference-value``, ``#refund-status``. The same reference again answers with
  the existing refund; a balance refunded under another reference is refused.

Seeds: the credit balances and bank details of :mod:`sandbox.disputes_scenario` (C1007 has
no bank details). Nothing here touches an invoice until someone posts an adjustment.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bots.cashapp.identifiers import compact, is_valid_iban
from sandbox.disputes_scenario import BANK_DETAILS, CREDIT_BALANCES
from sandbox.erp.web import current_user, render
from sandbox.scenario import Scenario

D = Decimal
CENT = D("0.01")
MAX_AMOUNT = D("10000000.00")
MAX_REFERENCE, MAX_REASON, MAX_HOLDER = 60, 500, 140
CREDIT_MEMO, WRITE_OFF = "credit_memo", "write_off"
KINDS = {CREDIT_MEMO: "Credit memo", WRITE_OFF: "Write-off"}
PREFIX = {CREDIT_MEMO: "CM-ERP", WRITE_OFF: "WO-ERP"}
OPEN, REFUNDED = "open", "refunded"

_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:/._\-]*$")
_CUSTOMER = re.compile(r"^C\d{1,6}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")

SCHEMA = """
DROP TABLE IF EXISTS ar_adjustments; DROP TABLE IF EXISTS ar_credit_balances;
DROP TABLE IF EXISTS ar_bank_details; DROP TABLE IF EXISTS ar_balance_refunds;
CREATE TABLE ar_adjustments (id INTEGER PRIMARY KEY AUTOINCREMENT,
  number TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, invoice_number TEXT NOT NULL,
  customer_id TEXT NOT NULL, amount TEXT NOT NULL, applied TEXT NOT NULL,
  credit_balance TEXT NOT NULL, open_after TEXT NOT NULL, reference TEXT NOT NULL UNIQUE,
  reason TEXT NOT NULL, posted_by TEXT NOT NULL, posted_at TEXT NOT NULL);
CREATE TABLE ar_credit_balances (id INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
  document TEXT NOT NULL UNIQUE, created_on TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE ar_bank_details (customer_id TEXT PRIMARY KEY, holder TEXT NOT NULL,
  iban TEXT NOT NULL, bic TEXT NOT NULL DEFAULT '', changed_on TEXT NOT NULL,
  changed_by TEXT NOT NULL);
CREATE TABLE ar_balance_refunds (id INTEGER PRIMARY KEY AUTOINCREMENT,
  number TEXT NOT NULL DEFAULT '', balance_id INTEGER NOT NULL UNIQUE,
  customer_id TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
  holder TEXT NOT NULL, iban TEXT NOT NULL, reference TEXT NOT NULL UNIQUE,
  posted_by TEXT NOT NULL, posted_at TEXT NOT NULL);
"""


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    """The credit balances already on the books and the customers' bank details."""
    for b in CREDIT_BALANCES:
        conn.execute("INSERT INTO ar_credit_balances (customer_id, amount, currency, document, "
                     "created_on, status) VALUES (?,?,?,?,?,?)",
                     (b.customer_id, str(b.amount), scenario.currency, b.document,
                      b.created_on.isoformat(), OPEN))
    for d in BANK_DETAILS:
        conn.execute("INSERT INTO ar_bank_details VALUES (?,?,?,?,?,?)",
                     (d.customer_id, d.holder, compact(d.iban), "", d.changed_on.isoformat(),
                      d.changed_by))


class Refused(ValueError):
    """An entry the ERP does not take; the message is shown in ``#error``."""


def parse_amount(text: str, what: str = "Amount") -> Decimal:
    """A positive amount with at most two decimals (``1234.50``; no thousands separators)."""
    raw = text.strip()
    if not _AMOUNT.match(raw):
        raise Refused(f"{what}: enter a positive amount with at most two decimals "
                      f"(e.g. 1234.50), not {raw[:30]!r}.")
    try:
        amount = D(raw).quantize(CENT)
    except InvalidOperation as exc:  # pragma: no cover - the pattern rules it out
        raise Refused(f"{what}: not an amount.") from exc
    if amount <= 0:
        raise Refused(f"{what}: must be greater than 0.00.")
    if amount > MAX_AMOUNT:
        raise Refused(f"{what}: at most {MAX_AMOUNT}.")
    return amount


def _reference(text: str, what: str = "Reference") -> str:
    ref = text.strip()
    if not ref:
        raise Refused(f"{what}: required (it keeps the entry from being posted twice).")
    if len(ref) > MAX_REFERENCE or not _REFERENCE.match(ref):
        raise Refused(f"{what}: at most {MAX_REFERENCE} letters, digits and :/._- .")
    return ref


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- adjustments ------------------------------------------------------------------------
def _adjustment(conn: sqlite3.Connection, *, number: str = "",
                reference: str = "") -> dict[str, Any] | None:
    where, arg = ("number", number) if number else ("reference", reference)
    row = conn.execute(f"SELECT * FROM ar_adjustments WHERE {where} = ?",
                       (arg,)).fetchone()
    return dict(row) if row else None


def post_adjustment(conn: sqlite3.Connection, *, kind: str, invoice: str, amount: Decimal,
                    reference: str, reason: str, user: str) -> tuple[dict[str, Any], bool]:
    """Post a credit memo or write-off; ``(document, posted now)``. Idempotent by
    ``reference``: the document that holds it is returned when it is the same entry."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = _adjustment(conn, reference=reference)
        if found is not None:
            same = (found["kind"], found["invoice_number"], D(found["amount"])) == (
                kind, invoice, amount)
            if not same:
                raise Refused(f"Reference {reference} is already used by {found['number']} "
                              f"({KINDS[found['kind']]} of {found['amount']} on "
                              f"{found['invoice_number']}).")
            conn.execute("ROLLBACK")
            return found, False
        row = conn.execute("SELECT customer_id, amount_open, currency FROM invoices WHERE "
                           "invoice_number = ?", (invoice,)).fetchone()
        if row is None:
            raise Refused(f"Invoice: {invoice} does not exist.")
        open_before = D(row["amount_open"])
        if kind == WRITE_OFF and amount > open_before:
            raise Refused(f"Amount: a write-off of {amount} exceeds the open amount "
                          f"{open_before} of {invoice}.")
        applied = min(amount, max(open_before, D("0.00")))
        rest = amount - applied
        now = _now()
        cur = conn.execute(
            "INSERT INTO ar_adjustments (kind, invoice_number, customer_id, amount, applied, "
            "credit_balance, open_after, reference, reason, posted_by, posted_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (kind, invoice, row["customer_id"], str(amount), str(applied), str(rest),
             str(open_before - applied), reference, reason, user,
             now.isoformat(timespec="seconds")))
        adj_id = int(cur.lastrowid or 0)
        number = f"{PREFIX[kind]}-{adj_id:06d}"
        conn.execute("UPDATE ar_adjustments SET number = ? WHERE id = ?", (number, adj_id))
        conn.execute("UPDATE invoices SET amount_open = ? WHERE invoice_number = ?",
                     (str(open_before - applied), invoice))
        if rest > 0:
            conn.execute("INSERT INTO ar_credit_balances (customer_id, amount, currency, "
                         "document, created_on, status) VALUES (?,?,?,?,?,?)",
                         (row["customer_id"], str(rest), row["currency"], number,
                          now.date().isoformat(), OPEN))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    posted = _adjustment(conn, number=number)
    assert posted is not None
    return posted, True


async def adjustment_form(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = {"invoice": request.query_params.get("invoice", "").strip()[:40],
            "kind": request.query_params.get("kind", CREDIT_MEMO)}
    return _form_page(request, form)


def _form_page(request: Request, form: dict[str, str], error: str = "",
               status_code: int = 200) -> Response:
    invoice = None
    if form.get("invoice"):
        with request.app.state.db.connect() as conn:
            found = conn.execute("SELECT i.*, c.name AS customer_name FROM invoices i JOIN "
                                 "customers c USING (customer_id) WHERE invoice_number = ?",
                                 (form["invoice"],)).fetchone()
            invoice = dict(found) if found else None
    return render(request, "ext_adjustment_new.html", form=form, invoice=invoice,
                  kinds=KINDS, error=error, status_code=status_code)


async def adjustment_post(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        kind = form.get("kind", "")
        if kind not in KINDS:
            raise Refused("Kind: choose Credit memo or Write-off.")
        invoice = form.get("invoice", "").strip()
        if not invoice or len(invoice) > 40:
            raise Refused("Invoice: required.")
        amount = parse_amount(form.get("amount", ""))
        reference = _reference(form.get("reference", ""))
        reason = form.get("reason", "").strip()
        if not reason:
            raise Refused("Reason: required.")
        if len(reason) > MAX_REASON:
            raise Refused(f"Reason: at most {MAX_REASON} characters.")
        with request.app.state.db.connect() as conn:
            doc, _ = post_adjustment(conn, kind=kind, invoice=invoice, amount=amount,
                                     reference=reference, reason=reason, user=user)
    except Refused as exc:
        return _form_page(request, form, str(exc), status_code=422)
    return RedirectResponse(f"/ar/adjustments/{doc['number']}", status_code=303)


async def adjustment_page(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    number = request.path_params["number"][:40]
    with request.app.state.db.connect() as conn:
        doc = _adjustment(conn, number=number)
    if doc is None:
        return render(request, "ext_error.html", message=f"Document {number} not found.",
                      status_code=404)
    return render(request, "ext_adjustment.html", doc=doc, kinds=KINDS)


# -- credit balances ------------------------------------------------------------------
def _balances(conn: sqlite3.Connection, status: str = "all") -> list[dict[str, Any]]:
    sql = ("SELECT b.*, c.name AS customer_name, r.number AS refund_document "
           "FROM ar_credit_balances b LEFT JOIN customers c USING (customer_id) "
           "LEFT JOIN ar_balance_refunds r ON r.balance_id = b.id")
    args: tuple[str, ...] = ()
    if status in (OPEN, REFUNDED):
        sql, args = sql + " WHERE b.status = ?", (status,)
    return [dict(r) for r in conn.execute(sql + " ORDER BY b.id", args)]


async def credit_balances(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    status = request.query_params.get("status", "all")
    status = status if status in (OPEN, REFUNDED) else "all"
    with request.app.state.db.connect() as conn:
        rows = _balances(conn, status)
    return render(request, "ext_credit_balances.html", balances=rows, status=status)


# -- bank details ---------------------------------------------------------------------
def _bank_details(conn: sqlite3.Connection, customer_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM ar_bank_details WHERE customer_id = ?",
                       (customer_id,)).fetchone()
    return dict(row) if row else None


def _bank_page(request: Request, customer_id: str, *, error: str = "", saved: bool = False,
               form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        customer = conn.execute("SELECT * FROM customers WHERE customer_id = ?",
                                (customer_id,)).fetchone()
        details = _bank_details(conn, customer_id)
    if customer is None:
        return render(request, "ext_error.html", message=f"Customer {customer_id} not found.",
                      status_code=404)
    return render(request, "ext_bank_details.html", customer=dict(customer), details=details,
                  error=error, saved=saved, form=form or details or {},
                  status_code=status_code)


async def bank_details(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer_id = request.path_params["customer_id"].strip().upper()[:10]
    if not _CUSTOMER.match(customer_id):
        return render(request, "ext_error.html", message="Customer: not a customer number.",
                      status_code=404)
    return _bank_page(request, customer_id)


async def bank_details_change(request: Request) -> Response:
    """Enter or change a customer's bank details: today and the signed-on user are
    recorded as the change (what a refund's verification looks at)."""
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    customer_id = request.path_params["customer_id"].strip().upper()[:10]
    form = {k: str(v) for k, v in (await request.form()).items()}
    holder = form.get("holder", "").strip()
    iban = compact(form.get("iban", ""))
    bic = compact(form.get("bic", ""))
    problem = ("Account holder: required." if not holder else
               f"Account holder: at most {MAX_HOLDER} characters." if len(holder) > MAX_HOLDER
               else "IBAN: required." if not iban else
               "IBAN: at most 34 letters and digits." if len(iban) > 34 or not iban.isalnum()
               else "BIC: 8 or 11 letters and digits." if bic and not _BIC.match(bic) else "")
    if not _CUSTOMER.match(customer_id):
        problem = "Customer: not a customer number."
    if problem:
        return _bank_page(request, customer_id, error=problem, form=form, status_code=422)
    with request.app.state.db.connect() as conn:
        if conn.execute("SELECT 1 FROM customers WHERE customer_id = ?",
                        (customer_id,)).fetchone() is None:
            return render(request, "ext_error.html",
                          message=f"Customer {customer_id} not found.", status_code=404)
        conn.execute("INSERT INTO ar_bank_details VALUES (?,?,?,?,?,?) ON CONFLICT "
                     "(customer_id) DO UPDATE SET holder = excluded.holder, iban = "
                     "excluded.iban, bic = excluded.bic, changed_on = excluded.changed_on, "
                     "changed_by = excluded.changed_by",
                     (customer_id, holder, iban, bic, _now().date().isoformat(), user))
    return _bank_page(request, customer_id, saved=True)


# -- refunds of credit balances -------------------------------------------------------
def _balance(conn: sqlite3.Connection, balance_id: int) -> dict[str, Any] | None:
    rows = [b for b in _balances(conn) if b["id"] == balance_id]
    return rows[0] if rows else None


def _refund(conn: sqlite3.Connection, *, balance_id: int = 0,
            reference: str = "") -> dict[str, Any] | None:
    where, arg = ("balance_id", balance_id) if balance_id else ("reference", reference)
    row = conn.execute(f"SELECT * FROM ar_balance_refunds WHERE {where} = ?",
                       (arg,)).fetchone()
    return dict(row) if row else None


def refund_balance(conn: sqlite3.Connection, balance_id: int, *, iban: str, reference: str,
                   user: str) -> tuple[dict[str, Any], bool]:
    """Refund the whole balance to the IBAN on file; ``(refund, posted now)``. The same
    reference again returns the refund that holds it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = _refund(conn, reference=reference)
        if found is not None:
            if found["balance_id"] != balance_id:
                raise Refused(f"Reference {reference} is already used by {found['number']} "
                              f"(credit balance {found['balance_id']}).")
            conn.execute("ROLLBACK")
            return found, False
        balance = conn.execute("SELECT * FROM ar_credit_balances WHERE id = ?",
                               (balance_id,)).fetchone()
        if balance is None:
            raise Refused(f"Credit balance {balance_id} does not exist.")
        earlier = _refund(conn, balance_id=balance_id)
        if earlier is not None or balance["status"] != OPEN:
            done = earlier["number"] if earlier else balance["status"]
            raise Refused(f"Credit balance {balance_id} is refunded already ({done}, "
                          f"reference {earlier['reference'] if earlier else '-'}).")
        details = _bank_details(conn, balance["customer_id"])
        if details is None:
            raise Refused(f"Customer {balance['customer_id']} has no bank details on file: "
                          "enter them first.")
        if not is_valid_iban(iban):
            raise Refused(f"IBAN: {iban[:40]} is not a valid IBAN.")
        if compact(iban) != compact(details["iban"]):
            raise Refused("IBAN: differs from the bank details on file; a refund is paid "
                          "only to the account on file.")
        cur = conn.execute(
            "INSERT INTO ar_balance_refunds (balance_id, customer_id, amount, currency, holder, "
            "iban, reference, posted_by, posted_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (balance_id, balance["customer_id"], balance["amount"], balance["currency"],
             details["holder"], compact(iban), reference, user,
             _now().isoformat(timespec="seconds")))
        refund_id = int(cur.lastrowid or 0)
        conn.execute("UPDATE ar_balance_refunds SET number = ? WHERE id = ?",
                     (f"RF-ERP-{refund_id:06d}", refund_id))
        conn.execute("UPDATE ar_credit_balances SET status = ? WHERE id = ?",
                     (REFUNDED, balance_id))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    posted = _refund(conn, reference=reference)
    assert posted is not None
    return posted, True


def _balance_id(request: Request) -> int:
    raw = request.path_params["balance_id"]
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


def _refund_page(request: Request, balance_id: int, *, error: str = "",
                 refund: dict[str, Any] | None = None, form: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    with request.app.state.db.connect() as conn:
        balance = _balance(conn, balance_id)
        if balance is None:
            return render(request, "ext_error.html",
                          message=f"Credit balance {balance_id} not found.", status_code=404)
        details = _bank_details(conn, balance["customer_id"])
        refund = refund or _refund(conn, balance_id=balance_id)
    return render(request, "ext_balance_refund.html", balance=balance, details=details,
                  refund=refund, error=error, form=form or {}, status_code=status_code)


async def refund_form(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    return _refund_page(request, _balance_id(request))


async def refund_post(request: Request) -> Response:
    user = current_user(request)
    if isinstance(user, RedirectResponse):
        return user
    balance_id = _balance_id(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        reference = _reference(form.get("reference", ""))
        with request.app.state.db.connect() as conn:
            refund, _ = refund_balance(conn, balance_id, iban=form.get("iban", ""),
                                       reference=reference, user=user)
    except Refused as exc:
        return _refund_page(request, balance_id, error=str(exc), form=form, status_code=422)
    return _refund_page(request, balance_id, refund=refund)


def routes() -> list[BaseRoute]:
    return [
        Route("/ar/adjustments/new", adjustment_form, methods=["GET"]),
        Route("/ar/adjustments", adjustment_post, methods=["POST"]),
        Route("/ar/adjustments/{number}", adjustment_page, methods=["GET"]),
        Route("/ar/credit-balances", credit_balances, methods=["GET"]),
        Route("/ar/credit-balances/{balance_id}/refund", refund_form, methods=["GET"]),
        Route("/ar/credit-balances/{balance_id}/refund", refund_post, methods=["POST"]),
        Route("/ar/bank-details/{customer_id}", bank_details, methods=["GET"]),
        Route("/ar/bank-details/{customer_id}", bank_details_change, methods=["POST"]),
    ]


# -- ground truth ---------------------------------------------------------------------
def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    """Adjustments posted, credit balances (with their refund), bank details on file and
    the refunds of credit balances, each oldest first."""
    adjustments = [{k: a[k] for k in ("number", "kind", "invoice_number", "customer_id",
                                      "amount", "applied", "credit_balance", "open_after",
                                      "reference", "reason", "posted_by", "posted_at")}
                   for a in conn.execute("SELECT * FROM ar_adjustments ORDER BY id")]
    balances = [{k: b[k] for k in ("id", "customer_id", "amount", "currency", "document",
                                   "created_on", "status", "refund_document")}
                for b in _balances(conn)]
    details = [dict(r) for r in conn.execute("SELECT * FROM ar_bank_details ORDER BY "
                                             "customer_id")]
    refunds = [{k: r[k] for k in ("number", "balance_id", "customer_id", "amount", "currency",
                                  "holder", "iban", "reference", "posted_by", "posted_at")}
               for r in conn.execute("SELECT * FROM ar_balance_refunds ORDER BY id")]
    return {"adjustments": adjustments, "credit_balances": balances,
            "bank_details": details, "balance_refunds": refunds}

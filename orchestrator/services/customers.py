"""A customer's finance status for customer-facing teams: one view built from what the bots
recorded and read from the targets, and the search that finds a customer.

Records read (kind: what it holds), all written through ``ctx.records``:

- ``customer``: the customer's identity as a bot read it from the ERP (name, IBANs, bank
  references seen);
- ``invoice``: one invoice as read from the ERP (amount, open amount, due date, status);
- ``finance_event``: what happened on the account (:mod:`bots.runtime.finance_events`);
- ``promise_to_pay`` and ``account_snapshot`` (the collections bot), ``credit_status``
  (the credit bot: limit, exposure, held orders).

Cases come from the store (the case's customer). Every part says how fresh it is: when its
newest record was written and by which run. A read is an audit record (``customer.view``):
who looked at which customer, through which door.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime.errors import NotFoundError
from bots.runtime.finance_events import FINANCE_EVENT
from bots.runtime.records import Record
from orchestrator.store import Store
from orchestrator.store.customer_directory import CustomerMatch
from orchestrator.store.models import ExceptionCase

__all__ = ["AUDIT_ACTION", "MAX_LIMIT", "CaseRow", "CustomerView", "Freshness", "InvoiceRow",
           "PaymentRow", "SearchHit", "TimelineEvent", "TimelinePage", "audit_read",
           "customer_view", "search_customers", "timeline"]

AUDIT_ACTION = "customer.view"
#: most timeline events one page holds; most events (newest) a customer view reads
MAX_LIMIT, MAX_EVENTS = 200, 5000
#: resolved cases older than this are not "recent"
RECENT_DAYS = 90
_OPEN_CASES = ("open", "in_progress", "awaiting_approval", "awaiting_posting")
_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Freshness:
    """When a part of the page was last written, by which bot and run."""

    part: str
    written_at: dt.datetime | None
    bot: str | None = None
    run_id: str | None = None

    def describe(self, now: dt.datetime | None = None) -> str:
        if self.written_at is None:
            return "nothing recorded yet"
        age = (now or dt.datetime.now(dt.UTC)) - self.written_at
        minutes = int(age.total_seconds() // 60)
        ago = (f"{minutes} min ago" if minutes < 120 else
               f"{minutes // 60} h ago" if minutes < 48 * 60 else f"{minutes // 1440} days ago")
        run = f" by run {self.run_id}" if self.run_id else ""
        return f"{ago}{run} ({self.bot})" if self.bot else f"{ago}{run}"


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    amount: Decimal | None
    amount_open: Decimal | None
    currency: str | None
    due_date: str | None
    status: str  # open, partially paid, paid, disputed, credited, on hold
    read_at: dt.datetime


@dataclass(frozen=True)
class PaymentRow:
    reference: str  # the bank reference
    received_at: str
    amount: Decimal | None
    currency: str | None
    status: str  # applied, on account, with a person, received
    how: str  # how it was applied: rule and by whom, or why a person has it
    document: str | None
    case_id: int | None
    run_id: str | None


@dataclass(frozen=True)
class CaseRow:
    id: int
    reason_code: str
    status: str
    owner: str | None
    created_at: dt.datetime
    age_days: int
    summary: str
    amount: Decimal | None
    resolved_by: str | None


@dataclass(frozen=True)
class TimelineEvent:
    type: str
    occurred_at: str
    summary: str
    amount: Decimal | None
    currency: str | None
    document: str | None
    invoice_numbers: list[str]
    case_id: int | None
    status_after: str | None
    bot: str
    run_id: str | None


@dataclass(frozen=True)
class TimelinePage:
    events: list[TimelineEvent]
    total: int
    offset: int
    limit: int


@dataclass
class CustomerView:
    customer_id: str
    name: str | None
    ibans: list[str]
    invoices: list[InvoiceRow]
    payments: list[PaymentRow]
    cases: list[CaseRow]
    promises: list[dict[str, Any]]
    credit: dict[str, Any] | None
    refunds: list[dict[str, Any]]
    timeline: TimelinePage
    freshness: dict[str, Freshness] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchHit:
    customer_id: str
    name: str | None
    found_by: str  # name, number, invoice, iban, reference, document
    found_text: str


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _fresh(part: str, records: list[Record]) -> Freshness:
    newest = max(records, key=lambda r: r.written_at, default=None)
    if newest is None:
        return Freshness(part, None)
    return Freshness(part, newest.written_at, newest.bot, newest.run_id)


def search_customers(store: Store, text: str, *, limit: int = 20) -> list[SearchHit]:
    """Customers found by a prefix of their name, number, an invoice number, IBAN or bank
    reference (ValueError: too short a text)."""
    limit = max(1, min(limit, 100))
    matches: list[CustomerMatch] = store.find_customers(text, limit=limit)
    names = store.customer_names([m.customer_id for m in matches])
    return [SearchHit(m.customer_id, names.get(m.customer_id), m.source, m.text)
            for m in matches]


def _newest_first(events: list[Record]) -> list[Record]:
    """Finance events, newest first by when they occurred."""
    return sorted(events, key=lambda r: (str(r.data.get("occurred_at") or ""), r.id or 0),
                  reverse=True)


def _events(store: Store, customer_id: str) -> list[Record]:
    """The customer's finance events, newest first (by when they occurred)."""
    found = store.customer_records(customer_id, [FINANCE_EVENT], limit=MAX_EVENTS)
    return _newest_first(found[FINANCE_EVENT])


def _event(r: Record) -> TimelineEvent:
    d = r.data
    case = d.get("case_id")
    return TimelineEvent(str(d.get("type") or ""), str(d.get("occurred_at") or ""),
                         str(d.get("summary") or ""), _money(d.get("amount")),
                         d.get("currency"), d.get("document"),
                         [str(n) for n in d.get("invoice_numbers") or []],
                         case if isinstance(case, int) else None, d.get("status_after"),
                         r.bot, r.run_id)


def timeline(store: Store, customer_id: str, *, offset: int = 0,
             limit: int = 50) -> TimelinePage:
    """One page of the customer's finance events, newest first."""
    if not 0 <= offset <= 1_000_000:
        raise ValueError("offset: from 0 to 1000000")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit: from 1 to {MAX_LIMIT}")
    events = _events(store, customer_id)
    return TimelinePage([_event(r) for r in events[offset:offset + limit]], len(events),
                        offset, limit)


def _flags(events: list[Record], opened: str, closed: str) -> set[str]:
    """Invoices whose newest ``opened``/``closed`` event is ``opened``."""
    state: dict[str, bool] = {}
    for r in reversed(events):  # oldest first: the newest event decides
        if r.data.get("type") in (opened, closed):
            for number in r.data.get("invoice_numbers") or []:
                state[str(number)] = r.data.get("type") == opened
    return {n for n, on in state.items() if on}


def _invoice_rows(records: list[Record], disputed: set[str], held: set[str]) -> list[InvoiceRow]:
    rows = []
    for r in records:
        d = r.data
        amount, open_amount = _money(d.get("amount")), _money(d.get("amount_open"))
        if d.get("status") == "credited":
            status = "credited"
        elif r.key in disputed:
            status = "disputed"
        elif r.key in held:
            status = "on hold"
        elif open_amount is not None and open_amount <= 0:
            status = "paid"
        elif open_amount is not None and amount is not None and open_amount < amount:
            status = "partially paid"
        else:
            status = "open"
        rows.append(InvoiceRow(r.key, amount, open_amount, d.get("currency"),
                               d.get("due_date"), status, r.written_at))
    return sorted(rows, key=lambda i: (i.status == "paid", i.due_date or "", i.number))


def _flagged_only(invoices: list[Record], events: list[Record], disputed: set[str],
                  held: set[str]) -> list[InvoiceRow]:
    """Invoices a bot flagged (disputed, on hold) that no bot read the amounts of yet."""
    known = {r.key for r in invoices}
    rows: dict[str, InvoiceRow] = {}
    for r in events:  # newest first: the row shows when the flag was last recorded
        for number in r.data.get("invoice_numbers") or []:
            number = str(number)
            if number in known or number in rows or number not in disputed | held:
                continue
            rows[number] = InvoiceRow(number, None, None, r.data.get("currency"), None,
                                      "disputed" if number in disputed else "on hold",
                                      r.written_at)
    return list(rows.values())


def _payment_rows(events: list[Record], cases: list[ExceptionCase]) -> list[PaymentRow]:
    by_ref: dict[str, dict[str, Record]] = {}
    for r in events:
        type_, _, ref = r.key.partition(":")
        if type_ in ("payment_received", "payment_applied"):
            by_ref.setdefault(ref, {})[type_] = r
    open_case = {c.reference: c for c in cases if c.status in _OPEN_CASES}
    rows = []
    for ref, got in by_ref.items():
        received, applied = got.get("payment_received"), got.get("payment_applied")
        base = received or applied
        assert base is not None
        case = open_case.get(ref)
        if applied is not None:
            status, how = (applied.data.get("status_after") or "applied"), \
                str(applied.data.get("summary") or "")
        elif case is not None:
            owner = f", owner {case.owner}" if case.owner else ", no owner yet"
            status, how = "with a person", f"case {case.id} ({case.reason_code}{owner})"
        else:
            status, how = "received", "not applied yet"
        rows.append(PaymentRow(
            ref, str(base.data.get("occurred_at") or ""), _money(base.data.get("amount")),
            base.data.get("currency"), str(status), how,
            applied.data.get("document") if applied else None,
            case.id if case is not None else (applied.data.get("case_id") if applied else None),
            (applied or base).run_id))
    return sorted(rows, key=lambda p: p.received_at, reverse=True)


def _case_rows(cases: list[ExceptionCase], now: dt.datetime) -> list[CaseRow]:
    recent = now - dt.timedelta(days=RECENT_DAYS)
    rows = [CaseRow(int(c.id or 0), c.reason_code, c.status, c.owner, c.created_at,
                    (now - c.created_at).days, c.summary, c.amount, c.resolved_by)
            for c in cases
            if c.status in _OPEN_CASES or (c.resolved_at or c.created_at) >= recent]
    return sorted(rows, key=lambda c: (c.status not in _OPEN_CASES, -c.id))


def _refunds(events: list[Record], cases: list[ExceptionCase]) -> list[dict[str, Any]]:
    refunds: dict[str, dict[str, Any]] = {}
    for r in reversed(events):
        type_ = r.data.get("type")
        if type_ == "refund_requested":
            refunds[r.key.partition(":")[2]] = {
                "document": r.data.get("document"), "amount": _money(r.data.get("amount")),
                "currency": r.data.get("currency"), "state": "approved, not paid yet",
                "case_id": r.data.get("case_id"), "summary": r.data.get("summary")}
        elif type_ == "refund_paid":
            entry = refunds.setdefault(r.key.partition(":")[2], {
                "document": r.key.partition(":")[2], "amount": _money(r.data.get("amount")),
                "currency": r.data.get("currency"), "case_id": r.data.get("case_id")})
            entry.update(state="paid", summary=r.data.get("summary"))
    rows = list(refunds.values())
    for c in cases:  # a refund decided but waiting for a second person
        name = str((c.resolution or {}).get("name") or "")
        if c.status == "awaiting_approval" and "refund" in name:
            rows.append({"document": None, "amount": c.amount, "currency": None,
                         "state": "awaiting approval", "case_id": c.id,
                         "summary": f"Refund decided in case {c.id}, waiting for approval"})
    return rows


_KINDS = ("customer", "invoice", FINANCE_EVENT, "promise_to_pay", "credit_status",
          "account_snapshot")


def _keyed(records: list[Record], key: str) -> Record | None:
    return next((r for r in records if r.key == key), None)


def customer_view(store: Store, customer_id: str, *, limit: int = 50, offset: int = 0,
                  now: dt.datetime | None = None) -> CustomerView:
    """Everything recorded about one customer, its timeline from ``offset`` (NotFoundError:
    nothing at all)."""
    now = now or dt.datetime.now(dt.UTC)
    found = store.customer_records(customer_id, _KINDS)
    identity = _keyed(found["customer"], customer_id)
    invoices = found["invoice"][:MAX_EVENTS]
    events = _newest_first(found[FINANCE_EVENT])[:MAX_EVENTS]
    promises = found["promise_to_pay"][:200]
    credit = _keyed(found["credit_status"], customer_id)
    account = _keyed(found["account_snapshot"], customer_id)
    cases = store.find_cases(customer_id=customer_id, limit=500)
    if identity is None and not (invoices or events or promises or credit or cases):
        raise NotFoundError(f"no customer {customer_id!r}: no bot has recorded it")
    disputed = _flags(events, "dispute_opened", "dispute_settled")
    if account is not None:
        disputed |= {str(n) for n in account.data.get("disputed") or []}
    held = _flags(events, "invoice_held", "invoice_released")
    name = None
    if identity is not None:
        name = identity.data.get("name") or identity.data.get("payer_name")
    elif account is not None:
        name = account.data.get("name")
    money_events = [r for r in events if str(r.data.get("type", "")).startswith(
        ("payment_", "refund_", "writeoff_"))]
    credit_events = [r for r in events if str(r.data.get("type", "")).startswith("credit_")]
    view = CustomerView(
        customer_id, name, list((identity.data.get("ibans") if identity else None) or []),
        _invoice_rows(invoices, disputed, held) + _flagged_only(invoices, events, disputed,
                                                                held),
        _payment_rows(events, cases),
        _case_rows(cases, now), [dict(p.data, key=p.key) for p in promises],
        dict(credit.data) if credit else None, _refunds(events, cases),
        TimelinePage([_event(r) for r in events[offset:offset + limit]], len(events), offset,
                     limit))
    case_time = max((c.resolved_at or c.created_at for c in cases), default=None)
    view.freshness = {
        "identity": _fresh("identity", [identity] if identity else []),
        "invoices": _fresh("invoices", invoices),
        "payments": _fresh("payments", money_events),
        "cases": Freshness("cases", case_time, "finbots" if case_time else None),
        "promises": _fresh("promises", promises),
        "credit": _fresh("credit", ([credit] if credit else []) + credit_events),
        "timeline": _fresh("timeline", events),
    }
    return view


def audit_read(store: Store, actor: str, customer_id: str, via: str) -> None:
    """Who looked at which customer (``via``: page, api, cli)."""
    store.record_audit(actor, AUDIT_ACTION, f"customer:{customer_id}", {"via": via})

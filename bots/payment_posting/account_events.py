"""What customer-facing teams see of a payment: finance events, the customer's identity and
the invoices the bot read from the ERP, recorded as the posting phase settles each payment.

Written through ``ctx.records`` (:mod:`bots.runtime.finance_events`):

* ``payment_received`` (reference: the bank reference) for every credit with a customer;
* ``payment_applied`` (rule, by the bot or by the person who resolved the case),
  ``payment_on_account``, ``writeoff_booked``, ``refund_requested``/``refund_paid`` once the
  ERP (and the bank, for a refund) confirmed them;
* ``case_opened`` when a payment is handed to a person, ``case_resolved`` when the bot has
  carried out the person's decision;
* a ``customer`` record (number, name as the ERP has it, the IBANs and the bank references
  seen) and an ``invoice`` record per invoice read (amounts, due date, status), each with
  the time it was read.

Recording never stops a posting: the ERP has the money already; a record that cannot be
written is a skipped step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime import Item, RunContext
from bots.runtime.finance_events import record_finance_event

__all__ = ["record_case_opened", "record_posted", "record_settled"]

MAX_REFERENCES = 20
_ZERO = Decimal("0.00")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "") \
            else None
    except InvalidOperation:
        return None


def _who(payload: Mapping[str, Any]) -> str:
    decision = payload.get("resolution") or {}
    if not decision:
        return "the bot"
    approved = f", approved by {decision['approved_by']}" if decision.get("approved_by") else ""
    return f"{decision.get('by') or 'a person'}{approved}"


class _Account:
    """One payment's records (its customer, its invoices and events)."""

    def __init__(self, ctx: RunContext, item: Item) -> None:
        self.ctx, self.item, self.payload = ctx, item, item.payload
        self.entry: Mapping[str, Any] = self.payload.get("entry") or {}
        self.customer = str(self.payload.get("customer_id") or "")
        self.currency = str(self.entry.get("currency") or "") or None
        self.amount = _money(self.entry.get("amount"))
        self.when = self._booked()

    def _booked(self) -> dt.datetime:
        day = self.entry.get("booking_date") or self.entry.get("value_date")
        try:
            return dt.datetime.combine(dt.date.fromisoformat(str(day)), dt.time(),
                                       tzinfo=dt.UTC)
        except ValueError:
            return _now()

    def event(self, type_: str, reference: str, summary: str, **fields: Any) -> None:
        record_finance_event(self.ctx, type_, self.customer, reference,
                             occurred_at=fields.pop("occurred_at", _now()), summary=summary,
                             currency=fields.pop("currency", self.currency), **fields)

    def received(self) -> None:
        payer = self.entry.get("counterparty_name") or "the payer"
        self.event("payment_received", self.item.reference,
                   f"Payment of {self.amount} {self.currency or ''} received from {payer} "
                   f"(bank reference {self.item.reference}).".replace(" )", ")"),
                   occurred_at=self.when, amount=self.amount, document=None,
                   invoice_numbers=[str(a["invoice_number"])
                                    for a in self.payload.get("allocations") or []])

    def snapshot_customer(self, name: str | None) -> None:
        """The customer's identity: name (the ERP's), IBANs and bank references seen."""
        old = self.ctx.records.get("customer", self.customer)
        data = dict(old.data) if old is not None else {}
        ibans = list(data.get("ibans") or [])
        iban = self.entry.get("counterparty_iban")
        if iban and iban not in ibans:
            ibans.append(iban)
        refs = [r for r in data.get("bank_references") or [] if r != self.item.reference]
        refs = [self.item.reference, *refs][:MAX_REFERENCES]
        data.update(number=self.customer, ibans=ibans, bank_references=refs,
                    read_at=_now().isoformat(timespec="seconds"))
        if name:
            data["name"] = name
        data.setdefault("name", None)
        if data.get("name") is None and self.entry.get("counterparty_name"):
            data["payer_name"] = self.entry["counterparty_name"]
        self.ctx.records.put("customer", self.customer, data, customer_id=self.customer)

    def snapshot_invoices(self, rows: Iterable[Mapping[str, Any]],
                          settled: Mapping[str, Decimal] | None = None) -> None:
        """Invoices as read from the ERP; ``settled``: what this payment just closed."""
        for row in rows:
            number = str(row.get("invoice_number") or "")
            if not number:
                continue
            old = self.ctx.records.get("invoice", number)
            data = dict(old.data) if old is not None else {"number": number}
            for key in ("invoice_date", "due_date", "currency"):
                if row.get(key):
                    data[key] = str(row[key])
            if row.get("amount"):
                data["amount"] = str(_money(row["amount"]))
            open_amount = _money(row.get("amount_open"))
            if open_amount is not None:
                data["amount_open"] = str(open_amount)
            if settled and number in settled and data.get("amount_open") is not None:
                rest = max(Decimal(data["amount_open"]) - settled[number], _ZERO)
                data["amount_open"] = str(rest)
            data["status"] = _status(data)
            data["customer_id"] = self.customer
            data["read_at"] = _now().isoformat(timespec="seconds")
            self.ctx.records.put("invoice", number, data, customer_id=self.customer)


def _status(data: Mapping[str, Any]) -> str:
    open_amount, amount = _money(data.get("amount_open")), _money(data.get("amount"))
    if open_amount is None:
        return "open"
    if open_amount <= 0:
        return "paid"
    return "partially_paid" if amount is not None and open_amount < amount else "open"


def _guarded(ctx: RunContext, what: str, item: Item, work: Any) -> None:
    """Run ``work`` as a step that is skipped (never raised) when recording fails; its
    records are written together (one store transaction) or, when it fails, none."""
    if not str(item.payload.get("customer_id") or ""):
        return
    with ctx.recorder.step("record_account_events", app="finbots",
                           data={"bank_reference": item.reference, "what": what}) as st:
        try:
            with ctx.records.batch():
                work(_Account(ctx, item))
        except (ValueError, KeyError, TypeError) as exc:
            st.skip(f"the customer page's records were not written: {exc}")


def record_case_opened(ctx: RunContext, item: Item) -> None:
    """A payment handed to a person: received, a case opened, what the bot read of the
    customer and its invoices."""
    payload = item.payload

    def work(acc: _Account) -> None:
        evidence = payload.get("evidence") or {}
        acc.snapshot_customer((evidence.get("customer") or {}).get("name"))
        acc.snapshot_invoices([*(payload.get("candidates") or []),
                               *(evidence.get("other_open_items") or [])])
        acc.received()
        reason = str(payload.get("reason") or "UNMATCHED")
        acc.event("case_opened", f"{item.reference}/{reason}",
                  f"Payment {item.reference} needs a person: "
                  f"{payload.get('explanation') or reason}", amount=acc.amount,
                  invoice_numbers=[str(c.get("invoice_number"))
                                   for c in payload.get("candidates") or []
                                   if c.get("invoice_number")],
                  status_after="case open")
    _guarded(ctx, "case_opened", item, work)


def record_posted(ctx: RunContext, item: Item, confirmation: str) -> None:
    """A payment posted in the ERP (by the bot's rule or a person's ``apply``)."""
    payload = item.payload

    def work(acc: _Account) -> None:
        allocations = payload.get("allocations") or []
        settled = {str(a["invoice_number"]): Decimal(a["amount"])
                   + Decimal(a.get("write_off") or 0) + Decimal(a.get("discount") or 0)
                   for a in allocations}
        evidence = payload.get("evidence") or {}
        acc.snapshot_customer((evidence.get("customer") or {}).get("name"))
        known = {str(c.get("invoice_number")): c for c in payload.get("candidates") or []}
        acc.snapshot_invoices([{**known.get(n, {}), "invoice_number": n} for n in settled],
                              settled)
        acc.received()
        invoices = ", ".join(f"{a['invoice_number']} ({a['amount']})" for a in allocations)
        status = "partially paid" if payload.get("partial") else "paid"
        acc.event("payment_applied", item.reference,
                  f"Payment {item.reference} applied to {invoices} by {_who(payload)} "
                  f"(rule: {payload.get('rule') or 'manual'}); ERP document {confirmation}.",
                  amount=acc.amount, document=confirmation, invoice_numbers=list(settled),
                  case_id=_case(payload), status_after=status)
        _resolved(acc, confirmation, status)
    _guarded(ctx, "payment_applied", item, work)


def record_settled(ctx: RunContext, item: Item, confirmation: str,
                   documents: list[dict[str, str]], transfers: Mapping[str, str]) -> None:
    """A person's settlement booked (and a refund paid): one event per document."""
    payload = item.payload

    def work(acc: _Account) -> None:
        settlement = payload.get("settlement") or {}
        rows = settlement.get("rows") or []
        by = _who(payload)
        if rows:
            settled = {str(r["invoice_number"]): Decimal(r["amount"])
                       + Decimal(r.get("write_off") or 0) for r in rows}
            acc.snapshot_invoices([{**c} for c in payload.get("candidates") or []
                                   if str(c.get("invoice_number")) in settled], settled)
            acc.event("payment_applied", item.reference,
                      f"Payment {item.reference} applied to "
                      f"{', '.join(settled)} by {by}; ERP document {confirmation}.",
                      amount=sum((Decimal(r["amount"]) for r in rows), _ZERO),
                      document=confirmation, invoice_numbers=list(settled),
                      case_id=_case(payload), status_after="applied")
        for doc in documents:
            kind, number, amount = doc.get("kind"), doc.get("number") or "", doc.get("amount")
            if kind == "write_off":
                acc.event("writeoff_booked", number, f"{amount} written off on payment "
                          f"{item.reference} by {by} (ERP {number}).", amount=amount,
                          document=number, case_id=_case(payload), status_after="written off")
            elif kind in ("unapplied", "suspense"):
                acc.event("payment_on_account", number, f"{amount} of payment "
                          f"{item.reference} kept on account by {by} (ERP {number}).",
                          amount=amount, document=number, case_id=_case(payload),
                          status_after="on account")
            elif kind == "refund":
                acc.event("refund_requested", number, f"Refund of {amount} from payment "
                          f"{item.reference} decided by {by} (ERP {number}).",
                          amount=amount, document=number, case_id=_case(payload),
                          status_after="approved")
                if number in transfers:
                    acc.event("refund_paid", number, f"Refund of {amount} paid by bank "
                              f"transfer {transfers[number]}.", amount=amount,
                              document=transfers[number], case_id=_case(payload),
                              status_after="paid")
        _resolved(acc, confirmation, "settled")
    _guarded(ctx, "settled", item, work)


def _case(payload: Mapping[str, Any]) -> int | None:
    case = payload.get("resolves_case") or (payload.get("resolution") or {}).get("case_id")
    try:
        return int(case) if case is not None else None
    except (TypeError, ValueError):
        return None


def _resolved(acc: _Account, confirmation: str, status: str) -> None:
    case = _case(acc.payload)
    if case is None:
        return
    decision = (acc.payload.get("resolution") or {}).get("name") or "a decision"
    acc.event("case_resolved", str(case), f"Case {case} resolved: {decision} by "
              f"{_who(acc.payload)}, carried out in the ERP ({confirmation}).",
              amount=acc.amount, document=confirmation, case_id=case, status_after=status)

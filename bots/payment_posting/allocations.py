"""A person's allocation of a payment to invoices: checked, and shaped for the posting.

This is the ``apply`` resolution's ``prepare`` hook (:func:`prepare_apply`): the orchestrator
calls it with the case and the person's input, and puts what it returns into the work item
the bot posts. ``payload["allocations"]`` has the shape the matching engine produces
(:class:`bots.cashapp.model.Allocation` as JSON: ``invoice_number``, ``amount``,
``write_off``, ``discount``, amounts as two-decimal strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bots.runtime.cases import PreparedResolution
from bots.runtime.money import parse_amount

__all__ = ["Allocation", "PostingPlan", "plan_posting", "prepare_apply"]

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_number: str
    amount: Decimal  # cash applied
    write_off: Decimal = ZERO  # difference closed on this invoice
    open_amount: Decimal | None = None  # the invoice's open amount, when known
    typed: bool = False  # entered by the person, not one of the bot's candidates

    @property
    def settles(self) -> Decimal:
        return self.amount + self.write_off

    def as_request(self) -> dict[str, Any]:
        """What the person asked for."""
        return {"invoice_number": self.invoice_number, "amount": f"{self.amount:.2f}",
                "write_off": f"{self.write_off:.2f}", "typed": self.typed,
                "open_amount": None if self.open_amount is None else f"{self.open_amount:.2f}"}

    def as_payload(self) -> dict[str, str]:
        return {"invoice_number": self.invoice_number, "amount": f"{self.amount:.2f}",
                "write_off": f"{self.write_off:.2f}", "discount": "0.00"}


@dataclass(frozen=True, slots=True)
class PostingPlan:
    """What the bot will post: the customer, the allocations, partial or not."""

    customer_id: str
    allocations: tuple[Allocation, ...]

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)

    @property
    def written_off(self) -> Decimal:
        return sum((a.write_off for a in self.allocations), ZERO)

    @property
    def partial(self) -> bool:
        return any(a.open_amount is not None and a.settles < a.open_amount
                   for a in self.allocations)

    def as_json(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "partial": self.partial,
                "allocations": [a.as_payload() for a in self.allocations],
                "typed": [a.invoice_number for a in self.allocations if a.typed]}


def _candidates(candidates: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("invoice_number", "")).strip().upper(): c for c in candidates
            if c.get("invoice_number")}


def _one(raw: Mapping[str, Any], known: Mapping[str, Mapping[str, Any]]) -> Allocation:
    number = str(raw.get("invoice_number") or "").strip().upper()
    if not number:
        raise ValueError("every allocation needs an invoice number")
    amount = parse_amount(raw.get("amount"), f"amount for {number}")
    write_off = parse_amount(raw.get("write_off") or "0", f"write-off for {number}",
                             allow_zero=True)
    candidate = known.get(number)
    typed = bool(raw.get("typed")) or candidate is None
    if candidate is None and not raw.get("typed"):
        raise ValueError(f"{number} is not among the case's candidate invoices; enter it as "
                         "an open item you checked in the ERP (typed) to use it")
    open_amount = None
    if candidate is not None and candidate.get("amount_open") is not None:
        open_amount = parse_amount(candidate["amount_open"], f"open amount of {number}",
                                   allow_zero=True)
    elif raw.get("open_amount") not in (None, ""):
        open_amount = parse_amount(raw["open_amount"], f"open amount of {number}")
    if open_amount is not None and amount + write_off > open_amount:
        raise ValueError(f"{number}: {amount + write_off} applied and written off is more "
                         f"than its open amount {open_amount}")
    return Allocation(number, amount, write_off, open_amount, typed)


def plan_posting(
    raw: Sequence[Mapping[str, Any]],
    *,
    payment_amount: Decimal | None,
    candidates: Iterable[Mapping[str, Any]] = (),
    customer_id: str | None = None,
    default_customer: str | None = None,
) -> PostingPlan:
    """Check a person's allocations against the payment and the case's candidates.

    Each invoice must be one of the candidates, or be marked ``typed`` (an open item the
    person looked up themselves); no invoice twice; applied amounts in total at most the
    payment; one customer (the candidates' and ``customer_id`` if given; else the case's
    ``default_customer``).
    """
    known = _candidates(candidates)
    allocations = tuple(_one(r, known) for r in raw
                        if any(str(v).strip() for v in r.values() if v is not None))
    if not allocations:
        raise ValueError("choose at least one invoice and the amount to apply")
    numbers = [a.invoice_number for a in allocations]
    if len(set(numbers)) != len(numbers):
        raise ValueError("the same invoice appears twice")
    plan_applied = sum((a.amount for a in allocations), ZERO)
    if payment_amount is not None and plan_applied > payment_amount:
        raise ValueError(f"the allocations ({plan_applied}) are more than the payment "
                         f"({payment_amount})")
    customers = {str(known[n].get("customer_id")) for n in numbers
                 if n in known and known[n].get("customer_id")}
    if customer_id:
        customers.add(customer_id.strip())
    if not customers and default_customer:
        customers.add(default_customer)
    if len(customers) > 1:
        raise ValueError(f"the invoices belong to different customers: {sorted(customers)}")
    if not customers:
        raise ValueError("say which customer the payment is from (customer id)")
    return PostingPlan(customers.pop(), allocations)


def prepare_apply(case: Mapping[str, Any], values: Mapping[str, Any]) -> PreparedResolution:
    """The ``apply`` resolution: the person's allocations as a posting the bot carries out.

    ``case`` carries ``id``, ``amount``, ``candidates``, ``customer_id`` and
    ``requested_by`` (the person); ``values``: ``allocations`` (rows of ``invoice_number``,
    ``amount``, ``write_off``, ``typed``, ``open_amount``), ``customer_id``, ``note``.
    The amount checked against the approval threshold is the larger of the cash applied
    and the differences written off.
    """
    amount = case.get("amount")
    payment = None if amount in (None, "") else parse_amount(amount, "payment",
                                                               allow_zero=True)
    plan = plan_posting(values.get("allocations") or (), payment_amount=payment,
                        candidates=case.get("candidates") or (),
                        customer_id=str(values.get("customer_id") or "").strip() or None,
                        default_customer=case.get("customer_id"))
    note = str(values.get("note") or "").strip()
    by = str(case.get("requested_by") or "a person")
    payload = {
        **plan.as_json(), "decision": "post", "reason": None,
        "rule": f"manual: applied by {by} in case {case.get('id')}",
        "explanation": f"applied by {by} in case {case.get('id')}"
        + (f": {note}" if note else ""),
        "confidence": 1.0, "note": note,
        "requested": [a.as_request() for a in plan.allocations],
        # what the bot learns from, once the ERP confirms it (payment_posting.learning)
        "case_reason": case.get("reason_code"), "case_customer": case.get("customer_id"),
        "learned": [],
    }
    return PreparedResolution(payload=payload, amount=max(plan.applied, plan.written_off),
                              summary=describe(plan, payment))


def describe(plan: PostingPlan, payment: Decimal | None) -> str:
    """One line: what is applied to which invoices, and what stays unapplied."""
    invoices = ", ".join(f"{a.invoice_number} {a.amount:.2f}" for a in plan.allocations)
    text = f"apply {plan.applied:.2f} to {invoices} of {plan.customer_id}"
    if plan.written_off:
        text += f", writing off {plan.written_off:.2f}"
    rest = None if payment is None else payment - plan.applied
    if rest:
        text += f"; {rest:.2f} stays unapplied"
    elif rest is not None:
        text += "; fully allocated"
    return text

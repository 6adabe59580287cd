"""Posting (the consumer): one work item per payment, idempotent by bank reference.

An item whose matching decision is ``post`` (the bot's own, or a person's ``apply``
resolution carried back to the queue) is posted in the ERP and its invoices are marked in
the billing portal. Any other decision is a business failure: the bot first shows the
payment's inquiry in the ERP, so the case's screenshot is this payment's page.

Every posting in the ERP has its audit record: a rerun that finds the bank reference
already posted (an earlier run was stopped after the ERP confirmed it) writes the record
when the trail does not hold it yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from bots.payment_posting.account_events import record_case_opened, record_posted
from bots.payment_posting.learning import check_still_learned, learn_from_apply
from bots.payment_posting.portal import BillingPortal
from bots.runtime import BusinessFailure, Item, RunContext, WorkQueue
from bots.runtime.errors import ApplicationFailure
from bots.runtime.retry import attempt

__all__ = ["AUDIT_ACTION", "Erp", "Poster", "describe_case"]


#: The audit action of a posting in the ERP (one record per ERP confirmation).
AUDIT_ACTION = "payment.post"


class Erp(Protocol):
    """What posting needs of an ERP adapter: the web ERP's or its desktop client's."""

    name: str

    def recover(self) -> None: ...

    def export_open_items(self) -> Path: ...

    def find_postings(self, bank_reference: str) -> list[str]: ...

    def show_payment(self, bank_reference: str) -> str: ...

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str: ...


def describe_case(item: Item) -> None:
    """What any case of this payment shows: the bank line, the matching, the candidates."""
    payload = item.payload
    entry = payload.get("entry") or {}
    statement = payload.get("statement") or {}
    item.describe(
        data={"bank_line": entry, "explanation": payload.get("explanation"),
              "confidence": payload.get("confidence"), "statement": statement},
        rule=payload.get("rule"), customer=payload.get("customer_id"),
        amount=Decimal(entry["amount"]) if entry.get("amount") else None,
        candidates=payload.get("candidates") or [],
        evidence=[statement["file"]] if statement.get("file") else [])


class Poster:
    """Works the queue's items one by one: posts them, or hands them to a person."""

    def __init__(self, ctx: RunContext, queue: WorkQueue, erp: Erp,
                 portal: BillingPortal | None) -> None:
        self.ctx, self.queue, self.erp, self.portal = ctx, queue, erp, portal

    def run(self) -> None:
        for item in self.queue.items():
            with item:
                self.process(item)

    # -- one item ----------------------------------------------------------------------
    def process(self, item: Item) -> None:
        payload = item.payload
        describe_case(item)
        if payload["decision"] != "post":
            self.original_posting(item)
            self.show_payment(item)
            record_case_opened(self.ctx, item)  # what the customer page shows
            raise BusinessFailure(payload["reason"] or "UNMATCHED", payload["explanation"])

        tries = 0

        def post() -> dict[str, Any]:
            # a lease that was lost (another robot recovered the item) stops this one
            # here: the store is asked before a retry, and before a first attempt unless
            # the claim's lease still has most of its time left (then no robot can have
            # recovered the item; the heartbeat renews it meanwhile)
            nonlocal tries
            tries += 1
            if tries > 1:
                item.renew()
            else:
                item.renew_unless_fresh()
            return self._post_once(item.reference, payload)

        item.output.update(attempt(self.erp, post))
        confirmation = item.output["confirmation"]
        found = bool(item.output.get("already_posted"))
        if not found or not self._audited(item.reference, confirmation):
            self._audit_posting(item, confirmation, found_already_posted=found)
        learn_from_apply(self.ctx, item, confirmation)  # the same lesson twice is kept once
        record_posted(self.ctx, item, confirmation)  # a rerun records nothing twice
        if self.portal is None:
            return
        for alloc in payload["allocations"]:
            status = invoice_status(alloc, payload)
            note = (f"Payment {item.reference} of {payload['entry']['value_date']} applied: "
                    f"{alloc['amount']} {payload['entry']['currency']} "
                    f"(ERP {item.output['confirmation']})")
            self.portal.set_status(alloc["invoice_number"], status, note)
        item.output["portal_updated"] = [a["invoice_number"] for a in payload["allocations"]]

    def original_posting(self, item: Item) -> None:
        """For a duplicate: the payment it repeats, with its posting's document number as
        the ERP shows it (looked up before this payment's own page is shown)."""
        original = dict(((item.payload.get("evidence") or {}).get("original")) or {})
        if not original.get("bank_reference"):
            return
        if not original.get("confirmation"):
            with self.ctx.recorder.step("find_original_posting", app=self.erp.name,
                                        data={"bank_reference": original["bank_reference"]},
                                        rule="a duplicate shows the posting it repeats") as st:
                try:
                    found = self.erp.find_postings(original["bank_reference"])
                except ApplicationFailure as exc:  # the case opens all the same
                    found = []
                    st.skip(f"the ERP could not look the original up: {exc}")
                original["confirmation"] = found[0] if found else None
                st.data["confirmation"] = original["confirmation"]
        item.describe(data={"original": original})

    def show_payment(self, item: Item) -> None:
        """The payment's own page in the ERP (its inquiry), for the case's screenshot."""
        with self.ctx.recorder.step("show_payment", app=self.erp.name,
                                    data={"bank_reference": item.reference}) as st:
            try:
                st.data["shown"] = self.erp.show_payment(item.reference)
            except ApplicationFailure as exc:  # the case opens all the same, without it
                st.skip(f"the ERP could not show the payment: {exc}")

    def _post_once(self, reference: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Look the bank reference up first: a rerun or a retry never posts twice."""
        entry = payload["entry"]
        with self.ctx.recorder.step("idempotency_check", app=self.erp.name,
                                    data={"bank_reference": reference},
                                    rule="post only if the bank reference is not in the ERP"):
            existing = self.erp.find_postings(reference)
        if existing:
            return {"confirmation": existing[0], "already_posted": True}
        check_still_learned(self.ctx, payload)  # withdrawn since intake: a person decides
        with self.ctx.recorder.step(
            "post_cash_receipt", app=self.erp.name, rule=payload["rule"],
            data={"bank_reference": reference, "customer_id": payload["customer_id"],
                  "amount": entry["amount"], "allocations": payload["allocations"],
                  "confidence": payload["confidence"],
                  **_learned_data(payload)},
        ) as st:
            confirmation = self.erp.post_receipt(
                customer_id=payload["customer_id"],
                value_date=dt.date.fromisoformat(entry["value_date"]),
                bank_reference=reference, amount=Decimal(entry["amount"]),
                allocations=payload["allocations"])
            st.data["confirmation"] = confirmation
        return {"confirmation": confirmation, "already_posted": False}

    def _audited(self, reference: str, confirmation: str) -> bool:
        """Whether the trail holds this posting already. A run killed between the ERP's
        confirmation and its audit record left none: the rerun that finds the posting
        writes it. A backend that cannot tell gets the record (better twice than never)."""
        return self.ctx.audited(AUDIT_ACTION, {"bank_reference": reference,
                                               "confirmation": confirmation})

    def _audit_posting(self, item: Item, confirmation: str, *,
                       found_already_posted: bool = False) -> None:
        """Money moved: the data, the rule and the ERP's confirmation go to the audit trail
        (``found_already_posted``: an earlier run posted it and was stopped before this)."""
        payload = item.payload
        details = {
            "bank_reference": item.reference, "amount": payload["entry"]["amount"],
            "currency": payload["entry"].get("currency"), "customer": payload["customer_id"],
            "allocations": payload["allocations"], "rule": payload["rule"],
            "confirmation": confirmation, "run_id": self.ctx.run_id}
        details.update(_learned_data(payload))
        if found_already_posted:
            details["found_already_posted"] = True
        self.ctx.audit(AUDIT_ACTION, f"item:{item.id}", details)


def _learned_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The learned rules a posting relied on, as its step and audit record cite them."""
    uses = payload.get("learned") or []
    if not uses:
        return {}
    return {"learned": [{"rule_id": u["rule_id"], "origin": u["origin"], "says": u["says"],
                         "decision": u.get("decision", "")} for u in uses]}


def invoice_status(alloc: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    """The portal status of one allocation's invoice: ``paid`` when what the allocation
    settles (cash, write-off, discount) covers the invoice's open amount, else
    ``partially_paid``. The open amount is the allocation's own or its candidate's; only
    when neither is known does the payment's ``partial`` flag decide (one invoice of a
    split payment may be paid in full while another is not)."""
    number = str(alloc.get("invoice_number", "")).upper()
    open_amount = alloc.get("open_amount")
    if open_amount is None:
        open_amount = next((c.get("amount_open") for c in payload.get("candidates") or ()
                            if str(c.get("invoice_number", "")).upper() == number), None)
    if open_amount is None:
        return "partially_paid" if payload.get("partial") else "paid"
    settles = sum((Decimal(str(alloc.get(k) or "0")) for k in ("amount", "write_off", "discount")),
                  Decimal("0"))
    return "partially_paid" if settles < Decimal(str(open_amount)) else "paid"


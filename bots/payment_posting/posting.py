"""Posting (the consumer): one transaction per work item, idempotent by bank reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from bots.payment_posting.intake import QUEUE
from bots.payment_posting.portal import BillingPortal
from bots.payment_posting.recovery import attempt
from bots.runtime import BusinessFailure, RunContext, Transaction
from orchestrator.store import Store


class Erp(Protocol):
    """What posting needs of an ERP adapter: the web ERP's or its desktop client's."""

    name: str

    def recover(self) -> None: ...

    def find_postings(self, bank_reference: str) -> list[str]: ...

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str: ...


class Poster:
    """Claims the queue's items one by one and posts them (or hands them to a person)."""

    def __init__(self, ctx: RunContext, store: Store, erp: Erp,
                 portal: BillingPortal | None, owner: str) -> None:
        self.ctx, self.store, self.erp, self.portal = ctx, store, erp, portal
        self.owner = owner
        self.max_retries = store.ensure_queue(QUEUE).max_retries

    def run(self) -> None:
        while not self.ctx.stop_requested():
            item = self.store.claim_item(QUEUE, self.owner, run_id=self.ctx.run_id)
            if item is None:
                return
            with self.ctx.transaction(item, on_failure=self.open_case) as tx:
                self.process(item.id, item.reference, item.payload, tx)

    # -- one item ----------------------------------------------------------------------
    def process(self, item_id: int, reference: str, payload: dict[str, Any],
                tx: Transaction) -> None:
        if payload["decision"] != "post":
            raise BusinessFailure(payload["reason"] or "UNMATCHED", payload["explanation"])

        def post() -> dict[str, Any]:
            # a heartbeat before each attempt: a slow item keeps its lease, and a lease
            # that was lost (another robot recovered the item) stops this one here
            self.store.renew_lease(item_id, self.owner)
            return self._post_once(reference, payload)

        tx.output.update(attempt(self.erp, post))
        if not tx.output.get("already_posted"):
            self._audit_posting(item_id, reference, payload, tx.output["confirmation"])
        if self.portal is None:
            return
        for alloc in payload["allocations"]:
            status = "partially_paid" if payload["partial"] else "paid"
            note = (f"Payment {reference} of {payload['entry']['value_date']} applied: "
                    f"{alloc['amount']} {payload['entry']['currency']} "
                    f"(ERP {tx.output['confirmation']})")
            self.portal.set_status(alloc["invoice_number"], status, note)
        tx.output["portal_updated"] = [a["invoice_number"] for a in payload["allocations"]]

    def _post_once(self, reference: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Look the bank reference up first: a rerun or a retry never posts twice."""
        entry = payload["entry"]
        with self.ctx.recorder.step("idempotency_check", app=self.erp.name,
                                    data={"bank_reference": reference},
                                    rule="post only if the bank reference is not in the ERP"):
            existing = self.erp.find_postings(reference)
        if existing:
            return {"confirmation": existing[0], "already_posted": True}
        with self.ctx.recorder.step(
            "post_cash_receipt", app=self.erp.name, rule=payload["rule"],
            data={"bank_reference": reference, "customer_id": payload["customer_id"],
                  "amount": entry["amount"], "allocations": payload["allocations"],
                  "confidence": payload["confidence"]},
        ) as st:
            confirmation = self.erp.post_receipt(
                customer_id=payload["customer_id"],
                value_date=dt.date.fromisoformat(entry["value_date"]),
                bank_reference=reference, amount=Decimal(entry["amount"]),
                allocations=payload["allocations"])
            st.data["confirmation"] = confirmation
        return {"confirmation": confirmation, "already_posted": False}

    def _audit_posting(self, item_id: int, reference: str, payload: dict[str, Any],
                       confirmation: str) -> None:
        """Money moved: the data, the rule and the ERP's confirmation go to the audit trail."""
        bot = self.ctx.bot.name if self.ctx.bot else "payment-posting"
        self.store.record_audit(f"bot:{bot}", "payment.post", f"item:{item_id}", {
            "bank_reference": reference, "amount": payload["entry"]["amount"],
            "currency": payload["entry"].get("currency"), "customer": payload["customer_id"],
            "allocations": payload["allocations"], "rule": payload["rule"],
            "confirmation": confirmation, "run_id": self.ctx.run_id})

    # -- exceptions --------------------------------------------------------------------
    def open_case(self, tx: Transaction) -> None:
        """Business failures, and technical ones past the retry limit, go to a person."""
        item, failure = tx.item, tx.failure
        assert failure is not None
        if tx.result == "application" and item.retry_count < self.max_retries:
            return  # the queue retries it as a clone
        payload = item.payload
        evidence = [e for e in (tx.evidence, payload["statement"].get("file")) if e]
        self.store.open_case(
            self.ctx.run_id, item.id, item.reference, failure.code,
            failure.message, rule=payload.get("rule"),
            data={"bank_line": payload["entry"], "explanation": payload.get("explanation"),
                  "confidence": payload.get("confidence"), "statement": payload["statement"],
                  "failure_kind": failure.kind},
            candidates=payload.get("candidates", []), evidence=evidence,
            amount=Decimal(payload["entry"]["amount"]), customer_id=payload.get("customer_id"))

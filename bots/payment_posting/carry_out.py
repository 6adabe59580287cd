"""Carrying out a person's settlement of a payment (:mod:`.settlement`): one receipt in the
ERP, then for a refund one credit transfer at the bank; the case resolves with their
document numbers.

Idempotent in both systems: the ERP is asked for a posting of the bank reference before a
receipt is entered, the bank for the refund's EndToEndId (the ERP's refund document
number) before a payment file is uploaded. A rerun or a retry after a crash between the two
finds what was done and only does what is missing. A posting found whose documents are not
the ones this decision books (an earlier, other decision on the payment) is a case
(``ERP_ALREADY_BOOKED``), never reported as done. Refunds of one payment never add up to
more than the payment: the ERP checks it when booking, the bot again before paying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from bots.cashapp.bank import BankSite
from bots.cashapp.pain001 import CreditTransfer, Debtor, build
from bots.payment_posting.account_events import record_settled
from bots.payment_posting.portal import BillingPortal
from bots.payment_posting.posting import Erp, Poster, describe_case
from bots.runtime import BusinessFailure, Item, RunContext, WorkQueue
from bots.runtime.retry import attempt

__all__ = ["AUDIT_ACTION", "Settler", "SettlingPoster"]

#: The audit action of a settlement booked in the ERP (and paid at the bank).
AUDIT_ACTION = "payment.settle"


class SettlingErp(Erp, Protocol):
    def post_settlement(self, *, value_date: dt.date, bank_reference: str, amount: Decimal,
                        settlement: dict[str, Any]) -> str: ...

    def documents(self, bank_reference: str) -> list[dict[str, str]]: ...


class Settler:
    """Books settlements; ``bank`` is made when the first refund needs it."""

    def __init__(self, ctx: RunContext, erp: Erp, bank: Callable[[], BankSite],
                 portal: BillingPortal | None, company_name: str) -> None:
        self.ctx, self.erp, self.portal, self.company = ctx, erp, portal, company_name
        self._make_bank, self._bank = bank, None

    @property
    def bank(self) -> BankSite:
        if self._bank is None:
            self._bank = self._make_bank()
        return self._bank

    def carry_out(self, item: Item) -> None:
        payload = item.payload
        settlement, entry = payload["settlement"], payload["entry"]
        erp = self.erp
        if not hasattr(erp, "post_settlement"):
            raise BusinessFailure("ERP_FORM_LIMIT", f"{erp.name} takes no settlement (rest "
                                  "on account, refund, write-off); book it in the web ERP")
        settling: SettlingErp = erp  # type: ignore[assignment]
        amount = Decimal(entry["amount"])

        def book() -> tuple[str, bool]:
            item.renew()  # a lost lease stops this robot before it books anything
            existing = settling.find_postings(item.reference)
            if existing:
                return existing[0], True
            with self.ctx.recorder.step(
                    "post_settlement", app=erp.name, rule=_rule(payload),
                    data={"bank_reference": item.reference, "amount": entry["amount"],
                          "settlement": settlement}) as st:
                confirmation = settling.post_settlement(
                    value_date=dt.date.fromisoformat(entry["value_date"]),
                    bank_reference=item.reference, amount=amount, settlement=settlement)
                st.data["confirmation"] = confirmation
            return confirmation, False

        confirmation, found = attempt(erp, book)
        documents = settling.documents(item.reference)
        if found and _kinds(documents) != expected_documents(settlement):
            raise BusinessFailure("ERP_ALREADY_BOOKED", (
                f"the ERP holds {confirmation} for this payment already, with other "
                f"documents ({_describe(_kinds(documents))}) than this decision needs "
                f"({_describe(expected_documents(settlement))}); reverse it in the ERP first"))
        refunds = [d for d in documents if d["kind"] == "refund"]
        refunded = sum((Decimal(d["amount"]) for d in refunds), Decimal("0.00"))
        if refunded > amount:
            raise BusinessFailure("REFUND_LIMIT", f"refunds of {refunded} booked on "
                                  f"{item.reference} exceed the payment ({amount}); "
                                  "nothing was paid")
        transfers = {d["number"]: self._pay(item, d, settlement) for d in refunds}
        numbers = [confirmation, *(d["number"] for d in documents), *transfers.values()]
        item.output.update(
            confirmation=", ".join(numbers), erp_confirmation=confirmation,
            documents=documents, transfers=transfers, already_done=found,
            summary=_summary(settlement, documents, transfers))
        details = {"bank_reference": item.reference, "confirmation": confirmation}
        if not found or not self.ctx.audited(AUDIT_ACTION, details):
            self.ctx.audit(AUDIT_ACTION, f"item:{item.id}", {
                **details, "amount": entry["amount"], "currency": entry.get("currency"),
                "settlement": settlement, "documents": documents, "transfers": transfers,
                "rule": _rule(payload), "run_id": self.ctx.run_id,
                **({"found_already_done": True} if found else {})})
        record_settled(self.ctx, item, confirmation, documents, transfers)
        self._mark_invoices(item, settlement, confirmation)

    def _pay(self, item: Item, document: dict[str, str], settlement: dict[str, Any]) -> str:
        """The bank reference of the refund's transfer, made now unless the bank has it."""
        rest = settlement.get("rest") or {}
        number, amount = document["number"], Decimal(document["amount"])
        folder = self.ctx.run_dir / "payments"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{number}.xml"
        account = str((item.payload.get("statement") or {}).get("account") or "")
        path.write_bytes(build(
            Debtor(self.company, account), f"FB-{number}",
            [CreditTransfer(number, amount, rest.get("payee_name") or "",
                            rest.get("payee_iban") or "",
                            f"Refund of payment {item.reference}")],
            execution_date=dt.datetime.now(dt.UTC).date()))
        with self.ctx.recorder.step("pay_refund", app=self.bank.name,
                                    rule="one transfer per refund document",
                                    data={"end_to_end_id": number, "amount": f"{amount:.2f}",
                                          "file": path.name}) as st:
            reference, found = self.bank.pay_once(path, number)
            st.data.update(bank_reference=reference, found_already_paid=found)
        return reference

    def _mark_invoices(self, item: Item, settlement: dict[str, Any], confirmation: str) -> None:
        if self.portal is None or not settlement.get("rows"):
            return
        open_amounts = {c.get("invoice_number"): c.get("amount_open")
                        for c in item.payload.get("candidates") or []}
        entry = item.payload["entry"]
        for row in settlement["rows"]:
            before = open_amounts.get(row["invoice_number"])
            settled = Decimal(row["amount"]) + Decimal(row.get("write_off") or 0)
            status = ("paid" if before not in (None, "") and Decimal(str(before)) <= settled
                      else "partially_paid")
            self.portal.set_status(row["invoice_number"], status, (
                f"Payment {item.reference} of {entry['value_date']} applied: {row['amount']} "
                f"{entry.get('currency') or ''} (ERP {confirmation})"))


_KIND = {"ON_ACCOUNT": "unapplied", "SUSPENSE": "suspense", "REFUND": "refund",
         "WRITE_OFF": "write_off"}


def expected_documents(settlement: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, amount)`` of the documents the ERP books for ``settlement``, sorted."""
    docs = [("write_off", f"{Decimal(r['write_off']):.2f}") for r in settlement.get("rows") or []
            if Decimal(r.get("write_off") or 0)]
    rest = settlement.get("rest")
    if rest:
        docs.append((_KIND[rest["action"]], f"{Decimal(rest['amount']):.2f}"))
    return sorted(docs)


def _kinds(documents: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((d["kind"], f"{Decimal(d['amount'] or 0):.2f}") for d in documents)


def _describe(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{kind} {amount}" for kind, amount in pairs) or "none"


def _rule(payload: dict[str, Any]) -> str:
    decision = payload.get("resolution") or {}
    by = decision.get("by") or "a person"
    approved = f", approved by {decision['approved_by']}" if decision.get("approved_by") else ""
    return f"manual: {decision.get('name', 'settle')} by {by}{approved} in case " \
           f"{decision.get('case_id')}"


def _summary(settlement: dict[str, Any], documents: list[dict[str, str]],
             transfers: dict[str, str]) -> str:
    kinds = {"write_off": "written off", "unapplied": "on account", "suspense": "in suspense",
             "refund": "refunded"}
    parts = [f"{d['amount']} {kinds.get(d['kind'], d['kind'])} ({d['number']}"
             + (f", bank {transfers[d['number']]}" if d["number"] in transfers else "") + ")"
             for d in documents]
    applied = sum((Decimal(r["amount"]) for r in settlement.get("rows") or []), Decimal(0))
    head = [f"{applied:.2f} applied"] if applied else []
    return "; ".join(head + parts)


class SettlingPoster(Poster):
    """The queue's worker: a person's settlement is carried out here, anything else posted
    (or handed to a person) as :class:`Poster` does."""

    def __init__(self, ctx: RunContext, queue: WorkQueue, erp: Erp,
                 portal: BillingPortal | None, settler: Settler) -> None:
        super().__init__(ctx, queue, erp, portal)
        self.settler = settler

    def process(self, item: Item) -> None:
        if item.payload.get("settlement"):
            describe_case(item)
            if item.resolution is None:  # a settlement is a person's decision on a case,
                # handed back by the orchestrator: one that came in a new item is not
                raise BusinessFailure("SETTLEMENT_WITHOUT_DECISION", (
                    "the item carries a settlement but no person's decision on a case: "
                    "nothing booked or paid; settle the payment from its case"))
            self.settler.carry_out(item)
            return
        super().process(item)

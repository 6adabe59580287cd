"""The refund of customers' credit balances: each open credit balance in the ERP becomes one
work item (the document that left it is the reference, so a balance is handled once however
often the bot runs), checked against the bank details and the refund policy, and either
paid back (ERP refund document, then one bank transfer) or handed to a person.

A person's decision comes back as the same item with its resolution (bank details entered,
verified, or a refund approved by a second person); the bot reads the ERP again and checks
everything again before money leaves, so a decision taken on details that changed since is
never carried out on the new ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bots.cashapp.identifiers import compact
from bots.refunds.case_types import APPROVAL, DONE_ELSEWHERE, NO_BANK_DETAILS, VERIFY
from bots.refunds.erp import Balance, RefundsErp
from bots.refunds.payer import RefundPayer
from bots.refunds.policy import BankDetails, RefundPolicy, bank_problem, recently_changed
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.finance_events import record_finance_event
from bots.runtime.queues import Item, WorkQueue

__all__ = ["AUDIT_ACTION", "QUEUE", "RefundDesk", "erp_reference", "queue_balances"]

QUEUE = "refund-requests"
#: the audit action of a refund posted in the ERP and paid at the bank
AUDIT_ACTION = "refund.pay"


def erp_reference(document: str) -> str:
    """The reference of the ERP refund of the balance ``document`` left: the same on every
    run, so the ERP answers a repeated refund with the document it posted."""
    return f"FB-{document}"


def queue_balances(queue: WorkQueue, balances: list[Balance], day: dt.date) -> dict[str, Any]:
    """One work item per open credit balance not queued before."""
    open_ = [b for b in balances if b.status == "open"]
    added = queue.add_many(
        (b.document, {"balance": b.as_data(), "business_date": day.isoformat()})
        for b in open_)
    return {"open_balances": len(open_), "queued": sum(added)}


class RefundDesk:
    """Decides and carries out the refund of each queued credit balance."""

    def __init__(self, ctx: RunContext, erp: RefundsErp, payer: RefundPayer,
                 policy: RefundPolicy, day: dt.date, balances: list[Balance]) -> None:
        self.ctx, self.erp, self.payer, self.policy, self.day = ctx, erp, payer, policy, day
        #: the ERP's balances as this run read them first: a refund itself is checked on
        #: the balance's refund page right before it is posted
        self.balances = balances

    def process(self, item: Item) -> str:
        document = item.reference
        balance = self.erp.balance(document, self.balances)
        if balance is None:
            raise BusinessFailure(DONE_ELSEWHERE, f"the ERP shows no credit balance left by "
                                  f"{document}", data={"business_date": self.day.isoformat()})
        data: dict[str, Any] = {
            "balance": balance.as_data(), "business_date": self.day.isoformat(),
            "auto_refund_up_to": f"{self.policy.auto_refund_up_to:.2f}"}
        item.describe(data=data, amount=balance.amount, customer=balance.customer_id)
        # a balance the ERP shows refunded goes the same way: the bot's own refund (a run
        # stopped between the ERP and the bank) is paid once the checks hold; another's
        # refund is a case (see _carry_out)
        details = self.erp.bank_details(balance.customer_id)
        data["bank_details"] = details.as_data() if details else {}
        problem = bank_problem(details)
        with self.ctx.recorder.step("refund_check", app="refund_policy", data={
                **data, "bank_problem": problem}) as st:
            verdict, rule = self._verdict(item, balance, details, problem)
            st.rule, st.data["verdict"] = rule, verdict
        if verdict == NO_BANK_DETAILS:
            raise BusinessFailure(NO_BANK_DETAILS, f"{balance.amount:.2f} {balance.currency} "
                                  f"owed to {balance.customer_id}: {problem}",
                                  data={**data, "bank_problem": problem, "rule": rule},
                                  rule=rule)
        assert details is not None
        if verdict == VERIFY:
            given = item.payload.get("verification") or {}
            stale = (f" (the verification by {given.get('by')} of {given.get('iban')} does "
                     f"not hold for the IBAN {details.iban} changed by {details.changed_by})"
                     if given else "")
            raise BusinessFailure(VERIFY, f"{balance.customer_id}'s bank details changed on "
                                  f"{details.changed_on} by {details.changed_by}: a second "
                                  f"person verifies them before the refund goes{stale}",
                                  data={**data, "rule": rule}, rule=rule)
        if verdict == APPROVAL:
            self._requested(item, balance)
            raise BusinessFailure(APPROVAL, f"refund of {balance.amount:.2f} "
                                  f"{balance.currency} to {balance.customer_id} needs a "
                                  "second person's approval", data={**data, "rule": rule},
                                  rule=rule)
        return self._carry_out(item, balance, details, rule)

    # -- deciding ----------------------------------------------------------------------
    def _verdict(self, item: Item, balance: Balance, details: BankDetails | None,
                 problem: str) -> tuple[str, str]:
        """What may happen now, and the rule that says so."""
        if problem or details is None:
            return NO_BANK_DETAILS, "valid_bank_details"
        days = self.policy.verify_changed_within_days
        if recently_changed(details, self.day, days) and not _verification(item.payload,
                                                                            details):
            return VERIFY, f"bank_details_changed_within_{days}_days"
        limit = self.policy.auto_refund_up_to
        if balance.amount > limit:
            if _approved(item, balance, details):
                return "refund", f"approved_above_{limit}"
            return APPROVAL, f"approval_above_{limit}"
        return "refund", f"automatic_up_to_{limit}"

    # -- carrying out ------------------------------------------------------------------
    def _carry_out(self, item: Item, balance: Balance, details: BankDetails,
                   rule: str) -> str:
        item.renew()  # a lost lease stops this robot before money moves
        reference = erp_reference(balance.document)
        with self.ctx.recorder.step("post_refund", app=self.erp.name, rule=rule,
                                    data={"balance": balance.as_data(),
                                          "reference": reference}) as st:
            refund = self.erp.refund(balance.balance_id, compact(details.iban), reference)
            st.data.update(document=refund.number, found_already_posted=refund.already)
        if refund.reference != reference:
            raise BusinessFailure(DONE_ELSEWHERE, f"the ERP shows {refund.number} refunding "
                                  f"this balance under reference {refund.reference}, not "
                                  "the bot's: nothing was paid")
        if compact(refund.iban) != compact(details.iban):
            raise BusinessFailure(DONE_ELSEWHERE, f"the ERP's refund {refund.number} goes to "
                                  f"{refund.iban}, the bank details checked are "
                                  f"{details.iban}: nothing was paid")
        return self._pay(item, balance, details.holder, refund.number, refund.iban,
                         refund.already, rule)

    def _pay(self, item: Item, balance: Balance, holder: str, number: str, iban: str,
             posted_before: bool, rule: str) -> str:
        transfer, paid_before = self.payer.pay(
            number, balance.amount, balance.currency, holder, iban,
            f"Refund of credit balance {balance.document}")
        item.output.update(confirmation=f"{number}, bank {transfer}", erp_refund=number,
                           bank_transfer=transfer, amount=f"{balance.amount:.2f}",
                           currency=balance.currency, iban=iban,
                           already_done=posted_before and paid_before)
        details = {"balance": balance.document, "erp_refund": number}
        if not (posted_before and self.ctx.audited(AUDIT_ACTION, details)):
            resolution = item.resolution or {}
            self.ctx.audit(AUDIT_ACTION, f"item:{item.id}", {
                **details, "bank_transfer": transfer, "amount": f"{balance.amount:.2f}",
                "currency": balance.currency, "customer_id": balance.customer_id,
                "iban": iban, "rule": rule, "run_id": self.ctx.run_id,
                "requested_by": resolution.get("by"),
                "approved_by": resolution.get("approved_by"),
                "verified_by": (item.payload.get("verification") or {}).get("by"),
                **({"found_already_done": True} if posted_before else {})})
        self._requested(item, balance, number)
        self._event(item, "refund_paid", balance, number,
                    f"Credit balance {balance.document} of {balance.amount:.2f} "
                    f"{balance.currency} refunded by bank transfer {transfer} (ERP {number}).",
                    transfer, "paid")
        return (f"{balance.amount:.2f} {balance.currency} refunded to {balance.customer_id}: "
                f"ERP {number}, bank {transfer}"
                + (" (found done before)" if posted_before and paid_before else ""))

    # -- finance events ----------------------------------------------------------------
    def _requested(self, item: Item, balance: Balance, number: str | None = None) -> None:
        self._event(item, "refund_requested", balance, balance.document,
                    f"Refund of the credit balance {balance.document} of "
                    f"{balance.amount:.2f} {balance.currency} requested"
                    + (f" (ERP {number})." if number else
                       ": waiting for a second person's approval."),
                    number, "approved" if number else "awaiting approval")

    def _event(self, item: Item, type_: str, balance: Balance, reference: str, summary: str,
               document: str | None, status: str) -> None:
        case = (item.resolution or {}).get("case_id")
        try:
            record_finance_event(self.ctx, type_, balance.customer_id, reference,
                                 occurred_at=dt.datetime.now(dt.UTC), summary=summary,
                                 amount=balance.amount, currency=balance.currency,
                                 document=document,
                                 case_id=case if isinstance(case, int) else None,
                                 status_after=status)
        except Exception as exc:  # the money moved already: a lost event never stops it
            self.ctx.log.warning("finance event {} of {} not recorded: {}", type_,
                                 balance.document, exc)


def _verification(payload: Mapping[str, Any], details: BankDetails) -> dict[str, Any] | None:
    """A person's verification that holds for these details: of the IBAN the ERP holds
    now, by someone else than who changed them."""
    found = payload.get("verification")
    if not isinstance(found, Mapping):
        return None
    by = str(found.get("by") or "").strip()
    if (not by or compact(str(found.get("iban") or "")) != compact(details.iban)
            or by.casefold() == details.changed_by.strip().casefold()):
        return None
    return dict(found)


def _approved(item: Item, balance: Balance, details: BankDetails) -> bool:
    """A refund a second person approved (never the one who asked for it or who changed
    the bank details), of this amount to the IBAN the ERP holds now."""
    resolution = item.resolution or {}
    approved = item.payload.get("approved_refund")
    if resolution.get("name") not in ("refund", "verified") or not isinstance(approved,
                                                                                Mapping):
        return False
    approvers = [a.strip().casefold() for a in str(resolution.get("approved_by") or "")
                 .split(",") if a.strip()]
    not_allowed = {str(resolution.get("by") or "").casefold(),
                   details.changed_by.strip().casefold()}
    if not approvers or not_allowed & set(approvers):
        return False
    return (Decimal(str(approved.get("amount") or "0")) == balance.amount
            and compact(str(approved.get("iban") or "")) == compact(details.iban))

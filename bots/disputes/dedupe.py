"""One dispute per customer and invoice: a claim for an invoice already in an open dispute
joins that case instead of opening a second one.

The open dispute is found by a lookup of the customer's open ``DISPUTE`` cases narrowed to
the invoice (``ctx.cases.find(customer_id=..., where={"dispute.invoice_number": ...})``,
an indexed read of one customer's cases, never a scan of all cases); it finds a case opened
by this run as well as by an earlier one, whichever channel its first claim came through.

What the bot did with a dispute's claims after its case opened (linked, received in the
portal, mail filed, acknowledged) is kept on the record ``dispute_intake`` keyed by the
dispute's reference (``case_ref``): the same claim twice (a rerun) adds nothing, a second
claim is appended once and does not add to the disputed amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bots.disputes.case_types import DISPUTE
from bots.disputes.model import DisputeClaim
from bots.runtime import RunContext
from bots.runtime.case_lookup import CaseView

__all__ = ["BOT_NAME", "INTAKE", "case_ref_for", "find_case", "intake_record",
           "link_claim", "open_dispute", "save_intake"]

BOT_NAME = "disputes"
#: the record kind of what intake did with a dispute's claims
INTAKE = "dispute_intake"
_ENDED = ("resolved", "closed")


def open_dispute(ctx: RunContext, customer_id: str, invoice_number: str) -> CaseView | None:
    """The customer's open dispute case of ``invoice_number`` (the oldest), or None."""
    found = ctx.cases.find(bot=BOT_NAME, customer_id=customer_id, reason_code=DISPUTE,
                           where={"dispute.invoice_number": invoice_number}, limit=1)
    return found[0] if found else None


def find_case(ctx: RunContext, customer_id: str, case_ref: str) -> CaseView | None:
    """The open case of the dispute ``case_ref``, or None (not open yet, or ended)."""
    found = ctx.cases.find(bot=BOT_NAME, customer_id=customer_id, reason_code=DISPUTE,
                           where={"dispute.case_ref": case_ref}, limit=1)
    return found[0] if found else None


def case_ref_for(ctx: RunContext, customer_id: str, invoice_number: str) -> str:
    """The reference of a new dispute of ``invoice_number``: ``DISP-<invoice>``, with
    ``-<n>`` from the invoice's second dispute on (after earlier ones ended)."""
    ended = 0
    for status in _ENDED:
        ended += len(ctx.cases.find(bot=BOT_NAME, customer_id=customer_id,
                                    reason_code=DISPUTE, status=status,
                                    where={"dispute.invoice_number": invoice_number}))
    return f"DISP-{invoice_number}" + (f"-{ended + 1}" if ended else "")


def intake_record(ctx: RunContext, case_ref: str) -> dict[str, Any] | None:
    found = ctx.records.get(INTAKE, case_ref)
    return None if found is None else dict(found.data)


def save_intake(ctx: RunContext, data: Mapping[str, Any]) -> None:
    ctx.records.put(INTAKE, str(data["case_ref"]), dict(data),
                    customer_id=str(data.get("customer_id") or "") or None)


def new_intake(case_ref: str, claim: DisputeClaim, dispute: Mapping[str, Any]
               ) -> dict[str, Any]:
    """The intake record of a dispute whose case is about to open with ``claim``."""
    return {"case_ref": case_ref, "case_id": None, "customer_id": claim.customer_id,
            "invoice_number": claim.invoice_number, "currency": claim.currency,
            "reason_code": dispute.get("reason_code"), "owner_team": dispute.get("owner_team"),
            "sla_due": dispute.get("sla_due"), "suggestion": dispute.get("suggestion"),
            "classified_by": dispute.get("classified_by"),
            "amounts": dict(dispute.get("amounts") or {}),
            "claims": [_claim_entry(claim, joined=False)], "pending": True}


def _claim_entry(claim: DisputeClaim, *, joined: bool) -> dict[str, Any]:
    return {**claim.as_case_claim(), "customer_id": claim.customer_id,
            "message_id": claim.extra.get("message_id", ""),
            "uid": claim.extra.get("uid", ""),
            "portal_claim_id": claim.external_id if claim.channel == "portal" else "",
            "joined": joined, "received": claim.channel != "portal", "filed":
            claim.channel != "mail", "acked": False, "noted": not joined}


def link_claim(ctx: RunContext, case: CaseView, claim: DisputeClaim) -> tuple[str, bool]:
    """Link ``claim`` to the open dispute ``case``: (the dispute's reference, whether it was
    linked now; False when it was linked before)."""
    dispute: Mapping[str, Any] = case.data.get("dispute") or {}
    case_ref = str(dispute.get("case_ref") or case.reference)
    record = intake_record(ctx, case_ref)
    if record is None:  # opened before this record existed: start it from the case
        record = {"case_ref": case_ref, "case_id": case.id,
                  "customer_id": case.customer_id or claim.customer_id,
                  "invoice_number": dispute.get("invoice_number") or claim.invoice_number,
                  "currency": dispute.get("currency") or claim.currency,
                  "amounts": dict(dispute.get("amounts") or {}),
                  "claims": [dict(c) for c in dispute.get("claims") or []], "pending": True}
    if any(c.get("ref") == claim.ref for c in record["claims"]):
        return case_ref, False
    record["claims"] = [*record["claims"], _claim_entry(claim, joined=True)]
    record["case_id"] = record.get("case_id") or case.id
    record["pending"] = True
    save_intake(ctx, record)
    return case_ref, True

"""The settlement sweep (the ``carry_out`` phase runs it after the decisions): disputes whose
disputed amount is accounted for are settled.

For each dispute not settled (the open ``DISPUTE`` cases and every ``dispute_outcome``
record not settled), the invoice's open amount is read from the ERP (one aging report for
all); what the customer paid of the disputed part since the dispute opened is what the
open amount fell beyond the undisputed part and beyond what the dispute's credit memos and
write-offs took off it. Once a decision was carried out, the disputed part the customer
had paid before the dispute opened counts as paid too (a rejected claim on a paid invoice
is settled; a credit memo on it became a credit balance the refunds bot pays back).

When credited + paid + written off cover the disputed amount, the portal claims are closed,
the dispute's record says ``settled``, ``dispute_settled`` is recorded for the customer and
the dispute's case resolves as settled by the bot (``ctx.cases.close``) if still open.
A rerun closes nothing twice (a closed claim is left as it is; the event is written once).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bots.disputes.amounts import ZERO, paid_since_intake
from bots.disputes.case_upkeep import keep_current
from bots.disputes.outcome import KIND, DisputeOutcome, claims_of, load_outcome, save_outcome
from bots.runtime import RunContext
from bots.runtime.errors import IllegalTransitionError, NotFoundError
from bots.runtime.finance_events import record_finance_event

if TYPE_CHECKING:
    from bots.disputes.carry_out import Decisions

__all__ = ["paid_now", "sweep"]

BOT = "disputes"
DISPUTE = "DISPUTE"
INTAKE = "dispute_intake"
MAX_DISPUTES = 500


def _unsettled(ctx: RunContext) -> list[DisputeOutcome]:
    """The disputes to look at: recorded outcomes not settled, and open cases without one;
    an open case is brought up to date with its recorded classification on the way."""
    found: dict[str, DisputeOutcome] = {}
    for record in ctx.records.find(KIND, limit=MAX_DISPUTES):
        outcome = DisputeOutcome.from_data(record.data)
        if outcome.status != "settled":
            found[outcome.case_ref] = outcome
    for case in ctx.cases.find(bot=BOT, reason_code=DISPUTE, status="open",
                               limit=MAX_DISPUTES):
        dispute = (case.data or {}).get("dispute") or {}
        case_ref = str(dispute.get("case_ref") or case.reference)
        if case_ref in found:
            keep_current(ctx, case, dispute, found[case_ref])
            continue
        recorded = load_outcome(ctx.records, case_ref)
        if recorded is not None:
            keep_current(ctx, case, dispute, recorded)
        if recorded is None:
            recorded = DisputeOutcome.from_dispute(case_ref, case.id, dispute)
        intake = ctx.records.get(INTAKE, case_ref)  # claims linked after the case opened
        if intake is not None:
            recorded.merge_claims(claims_of(intake.data))
        if recorded.status != "settled":
            found[case_ref] = recorded
    return [o for o in found.values() if o.invoice_number and o.amounts.disputed > 0]


def paid_now(outcome: DisputeOutcome, open_now: Decimal) -> Decimal:
    """What the customer paid of the disputed part (see the module's description)."""
    assert outcome.open_at_intake is not None
    paid = paid_since_intake(outcome.amounts, open_at_intake=outcome.open_at_intake,
                             open_now=open_now, applied=outcome.applied)
    if outcome.status != "open":  # decided: what was paid before the dispute counts too
        prepaid = max(ZERO, outcome.amounts.disputed - outcome.open_at_intake)
        paid = min(outcome.amounts.decidable, paid + prepaid)
    return paid


def sweep(ctx: RunContext, decisions: Decisions) -> dict[str, Any]:
    """Update what was paid on every unsettled dispute; settle those accounted for."""
    disputes = _unsettled(ctx)
    if not disputes:
        return {"settled": 0, "unsettled": 0}
    open_amounts = decisions.desk.open_amounts()
    settled = 0
    for outcome in disputes:
        open_now = open_amounts.get(outcome.invoice_number, ZERO)
        changed = False
        if outcome.open_at_intake is None:  # first sight: payments count from now
            outcome.open_at_intake, changed = open_now, True
        paid = paid_now(outcome, open_now)
        if paid != outcome.amounts.paid:
            outcome.amounts, changed = outcome.amounts.with_paid(paid), True
        if outcome.amounts.settled:
            _settle(ctx, decisions, outcome)
            settled += 1
        elif changed:
            save_outcome(ctx.records, outcome)
    return {"settled": settled, "unsettled": len(disputes) - settled}


def _settle(ctx: RunContext, decisions: Decisions, outcome: DisputeOutcome) -> None:
    a = outcome.amounts
    note = (f"Dispute {outcome.case_ref} settled: credited {a.credited:.2f}, paid "
            f"{a.paid:.2f}, written off {a.written_off:.2f} of {a.disputed:.2f} "
            f"{outcome.currency}")
    for claim_id in outcome.portal_claim_ids:
        decisions.desk.close_claim(claim_id, note)
    now = dt.datetime.now(dt.UTC)
    outcome.status, outcome.settled_at = "settled", now.isoformat()
    save_outcome(ctx.records, outcome)
    if outcome.customer_id:
        record_finance_event(
            ctx, "dispute_settled", outcome.customer_id, outcome.case_ref, occurred_at=now,
            summary=f"{note}.", amount=a.disputed, currency=outcome.currency,
            invoice_numbers=[outcome.invoice_number], case_id=outcome.case_id,
            status_after="settled")
    ctx.audit("disputes.settled", outcome.case_ref, {
        "credited": f"{a.credited:.2f}", "paid": f"{a.paid:.2f}",
        "written_off": f"{a.written_off:.2f}", "claims": outcome.portal_claim_ids})
    _close_case(ctx, outcome, note)


def _close_case(ctx: RunContext, outcome: DisputeOutcome, note: str) -> None:
    """The dispute's case resolves as settled (a case resolved by a decision already is
    left as it is; one whose decision is being approved or posted resolves by that)."""
    if outcome.case_id is None:
        return
    try:
        ctx.cases.close(int(outcome.case_id), summary=f"{note}.", outcome="settled")
    except (IllegalTransitionError, NotFoundError) as exc:
        ctx.log.info("{}: case {} not closed by the settlement: {}", outcome.case_ref,
                     outcome.case_id, exc)

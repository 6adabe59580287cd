"""The check of one draft invoice: every billing rule's result a step, the outcome a
``billing_check`` record; a clean draft released in the portal with its e-invoice, a
faulty one a ``DRAFT_FAILED_CHECK`` case with the rule at its top.

Queueing (:func:`queue_drafts`): one work item per open draft, its reference the draft
number and its content hash; a draft already checked with that content (its record says
so) is not queued again, so a rerun checks nothing twice and a draft the bot corrected
but that still fails keeps its one case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bots.billing.case_types import FAILED
from bots.billing.facts import (
    contract_data,
    customer_data,
    draft_data,
    failed_data,
    hash_of,
    po_data,
    proposal,
    reference,
    rule_text,
)
from bots.billing.model import DraftInvoice, PurchaseOrder
from bots.billing.rules.base import RuleResult, ValidationContext
from bots.billing.settings import BotSettings
from bots.billing.systems import BillingSystems, Checked
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.finance_events import record_finance_event
from bots.runtime.queues import Item, WorkQueue

__all__ = ["CHECK", "QUEUE", "check_item", "checked", "queue_drafts", "record_check",
           "release_clean"]

QUEUE = "billing-drafts"
CHECK = "billing_check"
MAX_DRAFTS = 5000


def queue_drafts(ctx: RunContext, systems: BillingSystems, queue: WorkQueue) -> dict[str, Any]:
    """One work item per open draft not yet checked with its present content."""
    drafts = systems.drafts()
    known = {r.key: str(r.data.get("content_hash") or "")
             for r in ctx.records.find(CHECK, limit=MAX_DRAFTS)}
    added = 0
    for draft in drafts:
        digest = hash_of(draft)
        if known.get(draft.number) == digest:
            continue
        added += queue.add(reference(draft), {"draft": draft.number, "content_hash": digest,
                                              "customer_id": draft.customer_id})
    return {"drafts": len(drafts), "queued": added}


def _po(draft: DraftInvoice, context: ValidationContext) -> PurchaseOrder | None:
    return next((p for p in context.purchase_orders if p.number == draft.po_number), None)


def _steps(ctx: RunContext, draft: DraftInvoice, results: Sequence[RuleResult]) -> None:
    """Each rule result one step: the rule, what was expected and what was found."""
    for r in results:
        st = ctx.recorder.start("billing_rule", app="billing_rules", rule=r.rule_id, data={
            "draft": draft.number, "rule": r.rule_id, "line": r.line_no,
            "expected": r.expected, "found": r.found, "passed": r.passed})
        st.message = r.message
        if not r.passed:
            st.outcome = "failed"
        ctx.recorder.finish(st, capture=False)


def record_check(ctx: RunContext, draft: DraftInvoice, outcome: str, *,
                 results: Sequence[RuleResult] = (), item: Item | None = None,
                 **extra: Any) -> None:
    """The draft's ``billing_check`` record (a new version when anything changed)."""
    failed = failed_data(results)
    ctx.records.put(CHECK, draft.number, {
        "draft": draft.number, "customer_id": draft.customer_id,
        "contract": draft.contract_number, "content_hash": hash_of(draft),
        "reference": item.reference if item is not None else reference(draft),
        "outcome": outcome, "rules_checked": len({r.rule_id for r in results}),
        "failed_rules": failed, "gross_total": draft.gross_total, "currency": draft.currency,
        "period_start": draft.period_start, "period_end": draft.period_end,
        "checked_at": dt.datetime.now(dt.UTC), **extra}, customer_id=draft.customer_id)


def checked(ctx: RunContext, systems: BillingSystems, draft: DraftInvoice) -> Checked:
    """Validate ``draft`` against what the portal and the ERP hold; every result a step."""
    result = systems.check(draft)
    _steps(ctx, draft, result.results)
    return result


def fail_case(ctx: RunContext, settings: BotSettings, draft: DraftInvoice,
              result: Checked) -> BusinessFailure:
    """The case of a draft that failed: the first failing rule on top, every one listed."""
    failed = [r for r in result.results if not r.passed]
    top = failed[0]
    context = result.context
    data = {"rule": top.rule_id, "rule_text": rule_text(top.rule_id),
            "expected": top.expected, "found": top.found, "message": top.message,
            "failed_rules": failed_data(failed), "draft": draft_data(draft),
            "contract": contract_data(context.contract),
            "customer": customer_data(context.customer), "po": po_data(_po(draft, context)),
            "proposal": proposal(draft, context.contract, failed),
            "content_hash": hash_of(draft),
            "cancel_second_person_above": settings.cancel_second_person_above}
    rules = ", ".join(dict.fromkeys(r.rule_id for r in failed))
    return BusinessFailure(
        FAILED, f"{top.rule_id}: {draft.number} of {draft.customer_id}: {top.message} "
        f"(expected {top.expected}, found {top.found}); failing: {rules}",
        data=data, rule=top.rule_id, amount=draft.gross_total, customer=draft.customer_id)


def release_clean(ctx: RunContext, systems: BillingSystems, draft: DraftInvoice,
                  result: Checked, item: Item, *, outcome: str = "released",
                  **extra: Any) -> str:
    """Build the draft's e-invoice, release it in the portal (idempotent there), record it
    with the portal's confirmation and the ``invoice_released`` finance event."""
    xml = systems.einvoice(draft, result.context)
    done = systems.release(draft.number, xml)
    item.output["confirmation"] = done.confirmation
    if done.already:
        item.output["already_done"] = True
    record_check(ctx, draft, "already released" if done.already else outcome,
                 results=result.results, item=item, confirmation=done.confirmation, **extra)
    ctx.audit("billing.release", draft.number, {
        "customer_id": draft.customer_id, "gross_total": str(draft.gross_total),
        "confirmation": done.confirmation, "already": done.already,
        "rules_checked": len({r.rule_id for r in result.results})})
    record_finance_event(
        ctx, "invoice_released", draft.customer_id, draft.number,
        occurred_at=dt.datetime.now(dt.UTC),
        summary=f"Invoice {draft.number} of {_money(draft.gross_total)} {draft.currency} "
                f"released after the billing check, with its e-invoice.",
        amount=draft.gross_total, currency=draft.currency, document=done.confirmation,
        invoice_numbers=[draft.number], status_after="released")
    if done.already:
        return f"{draft.number} was already released in the portal ({done.confirmation})"
    return f"{draft.number} released: {done.confirmation}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def check_item(ctx: RunContext, systems: BillingSystems, settings: BotSettings,
               item: Item) -> str:
    """Check one queued draft: release it when every rule passes, else raise its case."""
    number = str(item.payload["draft"])
    draft = systems.draft(number)
    if draft.status != "draft":
        return f"{number} is {draft.status} in the portal now: nothing to check"
    result = checked(ctx, systems, draft)
    if any(not r.passed for r in result.results):
        record_check(ctx, draft, "failed", results=result.results, item=item)
        raise fail_case(ctx, settings, draft, result)
    return release_clean(ctx, systems, draft, result, item)

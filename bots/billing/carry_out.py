"""A person's decision on a billing case, carried out in the billing portal.

- ``correct_release``: the bot edits the draft as the person said, reads it back, checks
  it again; when every rule passes it builds the e-invoice and releases the draft, and the
  case resolves with the portal's confirmation. When a rule still fails, the item fails
  with that rule first and the case comes back to the person (no second case).
- ``hold`` / ``cancel``: the bot holds or cancels the draft with the person's reason (a
  cancellation above the limit only after the second person approved: the orchestrator
  hands the item over only then); ``invoice_held`` is recorded for the customer.

A draft that is no longer a draft (released, cancelled by someone else) is a
``DRAFT_CHANGED`` case, unless it already is what the decision asked for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bots.billing.case_types import CHANGED
from bots.billing.checking import checked, fail_case, record_check, release_clean
from bots.billing.settings import BotSettings
from bots.billing.systems import BillingSystems
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.finance_events import record_finance_event
from bots.runtime.queues import Item

__all__ = ["carry_out"]

#: the portal status each decision leads to
WANTED = {"correct_release": "released", "hold": "held", "cancel": "cancelled"}


def _decision(item: Item) -> tuple[str, dict[str, Any], str, str]:
    resolution = item.resolution or {}
    values = dict(resolution.get("values") or {})
    by = str(resolution.get("by") or "")
    approver = str(resolution.get("approved_by") or "")
    return str(resolution.get("name") or ""), values, by, approver


def carry_out(ctx: RunContext, systems: BillingSystems, settings: BotSettings,
              item: Item) -> str:
    action, values, by, approver = _decision(item)
    number = str(item.payload["draft"])
    case_id = (item.resolution or {}).get("case_id")
    draft = systems.draft(number)
    if draft.status != "draft":
        if draft.status == WANTED.get(action):
            item.output["confirmation"] = f"{number} {draft.status}"
            item.output["already_done"] = True
            return f"{number} is already {draft.status} in the portal: nothing done again"
        raise BusinessFailure(
            CHANGED, f"{number} is {draft.status} in the portal meanwhile; the decision to "
            f"{action.replace('_', ' ')} it was not carried out",
            data={"portal_status": draft.status, "decision": action, "case_id": case_id},
            customer=draft.customer_id)
    reason = str(values.get("reason") or "").strip()
    said = f"{reason} (billing case {case_id}, decided by {by}" + (
        f", approved by {approver})" if approver else ")")
    if action in ("hold", "cancel"):
        done = (systems.hold(number, said) if action == "hold"
                else systems.cancel(number, said, approver))
        item.output["confirmation"] = done.confirmation
        record_check(ctx, draft, "held" if action == "hold" else "cancelled",
                     item=item, confirmation=done.confirmation, decided_by=by,
                     approved_by=approver or None, reason=reason)
        ctx.audit(f"billing.{action}", number, {"reason": said, "requested_by": by,
                                                "approver": approver or None,
                                                "gross_total": str(draft.gross_total)})
        if action == "hold":
            record_finance_event(
                ctx, "invoice_held", draft.customer_id, f"{number}/{case_id}",
                occurred_at=dt.datetime.now(dt.UTC),
                summary=f"Draft invoice {number} held by billing: {reason}",
                amount=draft.gross_total, currency=draft.currency,
                document=done.confirmation, invoice_numbers=[number], case_id=case_id
                if isinstance(case_id, int) else None, status_after="on hold")
        return f"{number} {done.status} in the portal: {reason}"
    correction = dict(item.payload.get("correction") or {})
    corrected = systems.correct(number, correction)
    ctx.audit("billing.correct", number, {"correction": correction, "requested_by": by,
                                          "case_id": case_id})
    result = checked(ctx, systems, corrected)
    if any(not r.passed for r in result.results):
        record_check(ctx, corrected, "failed", results=result.results, item=item,
                     corrected_by=by)
        raise fail_case(ctx, settings, corrected, result)
    return release_clean(ctx, systems, corrected, result, item, outcome="released",
                         corrected_by=by, correction=correction)

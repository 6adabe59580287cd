"""The credit review of held orders: each order on credit hold becomes one work item (its
order number the reference, so an order is reviewed once however often the bot runs);
the bot gathers the customer's exposure and history in the ERP, applies the credit policy
and either releases the order with the policy's rule as the reason, or opens a credit case
routed by amount. A person's decision comes back as the same item with its resolution,
which the bot carries out in the ERP (:func:`carry_out`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bots.credit.account_events import order_decided, order_held
from bots.credit.erp import HELD, CreditErp
from bots.credit.policy import ANALYST, MANAGER, CreditFacts, CreditPolicy, decide
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.queues import Item, WorkQueue

__all__ = ["BOT_APPROVER", "DECIDERS", "QUEUE", "REASONS", "carry_out", "queue_held", "review"]

QUEUE = "credit-review"
#: the case reason by the role it is routed to
REASONS = {ANALYST: "CREDIT_REVIEW_ANALYST", MANAGER: "CREDIT_REVIEW_MANAGER"}
#: who may decide a case routed to a role: a credit manager decides an analyst's cases too
DECIDERS = {ANALYST: [ANALYST, MANAGER], MANAGER: [MANAGER]}
#: the approver the ERP records for a release the policy decided
BOT_APPROVER = "credit policy (finbots)"
RELEASED, REJECTED = "released", "rejected"


def queue_held(erp: CreditErp, queue: WorkQueue) -> dict[str, Any]:
    """One work item per order on credit hold not reviewed before."""
    day, orders = erp.held_orders()
    added = [o.order for o in orders if queue.add(o.order, {
        "order": o.order, "customer_id": o.customer_id, "amount": f"{o.amount:.2f}",
        "currency": o.currency, "hold_reason": o.hold_reason,
        "business_date": day.isoformat()})]
    return {"business_date": day.isoformat(), "held": len(orders), "queued": len(added)}


def gather(erp: CreditErp, number: str, customer_id: str, day: dt.date) -> CreditFacts | str:
    """The facts of one held order, or the credit status it has meanwhile. The order's
    page is read last: it is the page shown when a case's screenshot is taken."""
    statement = erp.statement(customer_id)
    items = statement.open_items
    receivables = sum((i.open for i in items), Decimal("0.00"))
    overdue = max([(day - i.due).days for i in items if i.due < day] or [0])
    disputes = sum(1 for i in items if i.disputed)
    orders = erp.customer_orders(customer_id)
    open_orders = sum((o.amount for o in orders if o.status == RELEASED and o.order != number),
                      Decimal("0.00"))
    page = erp.order(number)
    if page.status != HELD:
        return page.status
    if page.customer_id != customer_id:
        raise ApplicationFailure("ORDER_CHANGED", f"{number} is {page.customer_id}'s order "
                                 f"in the ERP now, queued as {customer_id}'s")
    return CreditFacts(number, page.customer_id, page.amount, page.currency, page.hold_reason,
                       page.credit_limit, page.risk_class, receivables, open_orders, overdue,
                       statement.avg_days_late, disputes)


def review(ctx: RunContext, erp: CreditErp, policy: CreditPolicy, item: Item) -> str:
    """Review one held order: release it by the policy, or raise its credit case."""
    number = str(item.payload["order"])
    day = dt.date.fromisoformat(str(item.payload["business_date"]))
    facts = gather(erp, number, str(item.payload["customer_id"]), day)
    if isinstance(facts, str):
        return f"order {number} is no longer on credit hold ({facts}): nothing to review"
    decision = decide(policy, facts)
    data = facts.as_data()
    order_held(ctx, facts)  # the customer page: credit as read, the hold
    with ctx.recorder.step("credit_check", app="credit_policy", data=data,
                           rule=decision.rule) as st:
        st.data["release"] = decision.release
        st.data["failed_rules"] = decision.failed
    if not decision.release:  # the order's page is shown: the case's screenshot
        raise BusinessFailure(
            REASONS[decision.route_to],
            f"{number} of {facts.customer_id}: {decision.rule}",
            data={"facts": data, "failed_rules": decision.failed, "route_to": decision.route_to,
                  "decided_by_roles": DECIDERS[decision.route_to],
                  "approvers_needed": decision.approvers, "rule": decision.rule},
            rule=decision.rule, amount=facts.amount, customer=facts.customer_id)
    done = erp.decide(number, "release", decision.rule, BOT_APPROVER, shown=True)
    ctx.audit("credit.release", number, {"rule": decision.rule, "facts": data,
                                         "already": done.already})
    order_decided(ctx, facts.customer_id, number, "release",
                  f"by the credit policy ({decision.rule})")
    if done.already:
        return f"order {number} was already {done.status} in the ERP: nothing done"
    return f"order {number} released by the credit policy: {decision.rule}"


def carry_out(ctx: RunContext, erp: CreditErp, item: Item) -> str:
    """A person's decision on a credit case, carried out in the ERP with their reason and
    the approver(s); an order already decided that way is left alone."""
    resolution = item.resolution or {}
    action = str(resolution["name"])
    number = str(item.payload["order"])
    values = resolution.get("values") or {}
    by = str(resolution.get("by") or "")
    approver = str(resolution.get("approved_by") or by)
    said = str(values.get("reason") or "").strip()
    reason = f"{said} (credit case {resolution.get('case_id')}, decided by {by})"
    done = erp.decide(number, action, reason, approver)
    wanted = RELEASED if action == "release" else REJECTED
    if done.already and done.status != wanted:
        raise BusinessFailure(
            "CREDIT_STATUS_CHANGED",
            f"{number} is {done.status} in the ERP meanwhile; the decision to {action} it "
            "was not carried out", data={"erp_status": done.status, "decision": action},
            customer=str(item.payload.get("customer_id") or "") or None)
    ctx.audit(f"credit.{action}", number, {"reason": reason, "approver": approver,
                                           "requested_by": by, "already": done.already})
    item.output["confirmation"] = f"{number} {done.status}"
    case = resolution.get("case_id")
    order_decided(ctx, str(item.payload.get("customer_id") or ""), number, action,
                  f"decided by {by}, approved by {approver}: {said or 'no reason given'}",
                  case_id=case if isinstance(case, int) else None)
    if done.already:
        return f"order {number} was already {done.status} in the ERP: nothing done again"
    return f"order {number} {done.status} in the ERP; approver {approver}"

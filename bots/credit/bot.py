"""The credit bot: reviews the sales orders on credit hold in the legacy ERP.

Each run lists the held orders (one work item each, the order number its reference),
releases those the credit policy (``config/credit_policy.yaml``, ``ctx.config``) allows
with the rule as the reason, opens a credit case for the others, and carries out the
decisions people took on those cases. A rerun releases nothing twice: before any decision
the bot reads the order's credit status in the ERP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bots.credit.case_types import CASE_TYPES
from bots.credit.erp import CreditErp
from bots.credit.policy import CreditPolicy, check_policy
from bots.credit.review import QUEUE, carry_out, queue_held, review
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.bot_config import ConfigSpec

__all__ = ["BOT", "run"]

HERE = Path(__file__).resolve().parent

BOT = Bot(
    name="credit",
    version="1.0.0",
    description="Credit management: review the sales orders on credit hold, release those "
    "the credit policy allows, route the others to a credit analyst or manager and carry "
    "out their decisions in the ERP.",
    apps=("legacy_erp",),
    credentials={"erp_credential": "legacy_erp/credit"},
    queues=(QueueSpec(QUEUE, description="one held sales order per item"),),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES,
    config={"credit_policy": ConfigSpec(
        HERE / "config" / "credit_policy.yaml", validate=check_policy,
        description="automatic release rules per risk class; analyst, manager and "
        "dual-control thresholds",
        controls=("risk_classes", "routing"))},
    argument_help={
        "erp_credential": "vault entry of the ERP login",
        "review_held": "false: only carry out people's decisions, queue and review nothing new",
        "max_retries": "retries of an order after a technical failure (a new queue only)",
    },
)


@BOT.task
def run(ctx: RunContext, erp_credential: str = "legacy_erp/credit", review_held: bool = True,
        max_retries: int = 2) -> dict[str, Any]:
    erp = CreditErp(ctx, erp_credential)
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    summary: dict[str, Any] = {}
    if review_held:
        summary.update(queue_held(erp, queue))
    policy = CreditPolicy.from_config(ctx.config("credit_policy"))
    done = {"reviewed": 0, "carried_out": 0}
    for item in queue.items():
        with item:
            resolution = (item.resolution or {}).get("name")
            if resolution in ("release", "reject"):
                item.output["summary"] = carry_out(ctx, erp, item)
                done["carried_out"] += 1
            else:
                done["reviewed"] += 1
                item.output["summary"] = review(ctx, erp, policy, item)
    return {**summary, **done}

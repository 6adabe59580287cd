"""The billing-validation bot: checks every draft invoice in the billing portal before it
goes out, releases the clean ones with their EN 16931 e-invoice, and gives a person a case
for each draft that breaks a billing rule; then carries out what the person decided.

Phases (argument ``phase``):

- ``validate`` (default): read the portal's drafts, queue each one not checked with its
  present content (reference: draft number and content hash), check it against the
  contract, the customer's billing master and POs (every rule result a step and the
  outcome a ``billing_check`` record), release it or open its case; then carry out the
  decisions queued meanwhile;
- ``carry_out``: only the people's decisions (correct and release, hold, cancel);
- ``leakage``: the revenue-leakage report (:mod:`bots.billing.leakage_run`).

A rerun releases nothing twice (the portal's release is idempotent and a released draft is
not queued) and opens no second case for the same draft (the same reference).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from bots.billing.carry_out import carry_out
from bots.billing.case_types import CASE_TYPES
from bots.billing.checking import QUEUE, check_item, queue_drafts
from bots.billing.leakage_run import LEAK_QUEUE, record_leakage
from bots.billing.rules.config import BillingRules, check_billing_rules
from bots.billing.settings import BotSettings, check_settings
from bots.billing.systems import BillingSystems
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.bot_config import ConfigSpec

__all__ = ["BOT", "DEFAULT_CREDENTIALS", "run"]

HERE = Path(__file__).resolve().parent
DEFAULT_CREDENTIALS = {"portal_credential": "billing_portal/billing",
                       "erp_credential": "legacy_erp/billing"}

BOT = Bot(
    name="billing-validation",
    version="1.0.0",
    description="Billing validation: every draft invoice checked against contract, billing "
    "schedule, master data, tax and PO before release; clean drafts released with their "
    "e-invoice, faulty ones a case with the rule, expected and found; corrections, holds "
    "and cancellations carried out in the billing portal; a revenue-leakage report.",
    apps=("billing_portal", "legacy_erp"),
    credentials=DEFAULT_CREDENTIALS,
    queues=(QueueSpec(QUEUE, description="one draft invoice (number and content hash) per "
                      "item; a person's decision on its case comes back as the same item"),
            QueueSpec(LEAK_QUEUE, description="one of the largest revenue-leakage items per "
                      "item: a case for its owner")),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES,
    config={"billing_rules": ConfigSpec(
                HERE / "config" / "billing_rules.yaml", validate=check_billing_rules,
                description="seller's tax set-up, VAT rates, tolerances"),
            "billing_bot": ConfigSpec(
                HERE / "config" / "billing_bot.yaml", validate=check_settings,
                description="cancellation limit for a second person; leakage cases")},
    argument_help={
        "phase": "validate (check drafts, release the clean ones, open cases, carry out "
                 "decisions); carry_out (decisions only); leakage (the revenue-leakage "
                 "report and cases for the largest items)",
        "as_of": "the leakage report's day (default: the portal's billing day)",
        "portal_credential": "vault entry of the billing-portal login",
        "erp_credential": "vault entry of the ERP login (billing master, POs)",
        "max_retries": "retries of a draft after a technical failure (a new queue only)",
    },
)


@BOT.task
def run(ctx: RunContext, phase: Literal["validate", "carry_out", "leakage"] = "validate",
        as_of: dt.date | None = None,
        portal_credential: str = DEFAULT_CREDENTIALS["portal_credential"],
        erp_credential: str = DEFAULT_CREDENTIALS["erp_credential"],
        max_retries: int = 2) -> dict[str, Any]:
    rules = BillingRules.from_config(ctx.config("billing_rules"))
    settings = BotSettings.from_config(ctx.config("billing_bot"))
    systems = BillingSystems(ctx, rules, settings, portal_credential=portal_credential,
                             erp_credential=erp_credential)
    if phase == "leakage":
        day, leaks = systems.leakage(as_of)
        return {"as_of": day.isoformat(), **record_leakage(ctx, settings, leaks, day)}
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    summary: dict[str, Any] = {}
    if phase == "validate":
        summary.update(queue_drafts(ctx, systems, queue))
    done = {"checked": 0, "carried_out": 0}
    for item in queue.items():
        with item:
            if item.resolution:
                done["carried_out"] += 1
                item.output["summary"] = carry_out(ctx, systems, settings, item)
            else:
                done["checked"] += 1
                item.output["summary"] = check_item(ctx, systems, settings, item)
    return {**summary, **done}

"""The collections (dunning) bot: reads the aging from the ERP, decides each overdue
customer's reminder level by the dunning configuration, sends the reminders from the
finance mailbox, notes each one in the ERP, and at the last level blocks the customer from
dunning and gives the collector a case. Customers it must not remind are recorded as
skipped steps with the reason (see :mod:`bots.collections.dunning`).

Arguments: see :data:`ARGUMENT_HELP`. Configuration: ``dunning`` (``config/dunning.yaml``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from bots.collections.case_types import CASE_TYPES
from bots.collections.dunning import (
    Facts,
    check_dunning,
    decide,
    levels,
    nothing_to_remind,
    reminder_reference,
)
from bots.collections.erp import AgingItem, CollectionsErp, Master
from bots.collections.promises_cases import PROMISE_CASE_TYPES
from bots.collections.promises_phase import check_worklist, run_phase
from bots.collections.reminding import carry_out, payload_of
from bots.collections.replies_run import JUDGE_QUEUE, REPLY_QUEUE
from bots.collections.snapshots import snapshot
from bots.collections.worklist_actions import ACTION_QUEUE
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.bot_config import ConfigSpec

__all__ = ["BOT", "DEFAULT_CREDENTIALS", "QUEUE", "run"]

HERE = Path(__file__).resolve().parent
QUEUE = "collections-reminders"
PAYMENT_POSTING = "payment-posting"
DEFAULT_CREDENTIALS = {"erp_credential": "legacy_erp/collections",
                       "mail_credential": "mail/finance"}
ARGUMENT_HELP = {
    "as_of": "the day the aging is taken (default: the ERP's business date)",
    "erp_credential": "vault entry of the ERP login",
    "mail_credential": "vault entry of the finance mailbox (mail server and login)",
    "max_retries": "retries of a reminder after a technical failure (a new queue only)",
    "phase": "dunning (reminders); replies (read customers' replies, judge promises); "
    "requests (carry out what people asked from the collections worklist)",
}

BOT = Bot(
    name="collections",
    version="1.0.0",
    description="Dunning: overdue customers get the reminder of their level by mail (never "
    "for disputed, promised or already-paid items), noted in the ERP; the last level blocks "
    "dunning and hands the account to its collector.",
    apps=("legacy_erp",),
    credentials=DEFAULT_CREDENTIALS,
    queues=(QueueSpec(QUEUE, description="one reminder (customer, level, as-of date) per "
                      "item"),
            QueueSpec(REPLY_QUEUE, description="one customer reply (Message-ID) per item"),
            QueueSpec(JUDGE_QUEUE, description="one promise to pay judged after its date"),
            QueueSpec(ACTION_QUEUE, description="what a person asked from the worklist")),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES + PROMISE_CASE_TYPES,
    config={"dunning": ConfigSpec(HERE / "config" / "dunning.yaml", validate=check_dunning,
                                  description="dunning levels, channels and templates"),
            "worklist": ConfigSpec(HERE / "config" / "worklist.yaml", validate=check_worklist,
                                   description="worklist score weights; promise grace days "
                                   "and tolerance")},
    argument_help=ARGUMENT_HELP,
)


def _payment_cases(ctx: RunContext, customer_id: str) -> list[str]:
    return [f"case {c.id} ({c.reason_code}"
            + (f", {c.amount}" if c.amount is not None else "") + ")"
            for c in ctx.cases.find(bot=PAYMENT_POSTING, status="open",
                                    customer_id=customer_id)]


@BOT.task
def run(
    ctx: RunContext,
    as_of: dt.date | None = None,
    erp_credential: str = DEFAULT_CREDENTIALS["erp_credential"],
    mail_credential: str = DEFAULT_CREDENTIALS["mail_credential"],
    max_retries: int = 3,
    phase: Literal["dunning", "replies", "requests"] = "dunning",
) -> dict[str, Any]:
    if phase != "dunning":
        return run_phase(ctx, phase, as_of=as_of, erp_credential=erp_credential,
                         mail_credential=mail_credential)
    config = ctx.config("dunning")
    ladder = levels(config)
    erp = CollectionsErp(ctx, erp_credential)
    day, items, names = erp.aging(as_of)
    by_customer: dict[str, list[AgingItem]] = defaultdict(list)
    for i in items:
        by_customer[i.customer_id].append(i)
    overdue = sorted(c for c, its in by_customer.items() if any(i.days_overdue > 0 for i in its))
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    masters: dict[str, Master] = {}
    outcome: dict[str, dict[str, Any]] = {}
    for cid in overdue:
        master = masters[cid] = erp.master(cid)  # the snapshot shows collector and risk
        decision = nothing_to_remind(cid, by_customer[cid], ladder)
        if decision is None:
            cases = [] if master.dunning_block else _payment_cases(ctx, cid)
            unapplied = (erp.unapplied_total(cid) if not (master.dunning_block or cases)
                         else Decimal("0.00"))
            decision = decide(Facts(cid, by_customer[cid], master.dunning_block,
                                    master.block_reason, cases, unapplied), ladder)
        for invoice, why in decision.held_back:
            with ctx.recorder.step("skip item", app="legacy_erp", selector=invoice,
                                   data={"customer_id": cid, "invoice": invoice,
                                         "reason": why}, rule="never remind an invoice "
                                   "that is disputed or covered by an open promise"):
                pass
        if decision.level is None:
            with ctx.recorder.step("skip customer", app="legacy_erp", selector=cid,
                                   data={"customer_id": cid, "reason": decision.skip,
                                         "why": decision.why}, rule="dunning policy"):
                pass
            outcome[cid] = {"skipped": decision.skip}
            continue
        ref = reminder_reference(cid, decision.level.level, day)
        queue.add(ref, payload_of(decision, as_of=day, reference=ref, master=master,
                                  name=names.get(cid, master.name)))
        outcome[cid] = {"level": decision.level.level, "reference": ref}
    mailbox = ctx.mail(mail_credential)
    sent, already = [], []
    for item in queue.items():
        with item:
            done = carry_out(ctx, item, erp, mailbox, ladder, config)
            item.output["summary"] = (f"{done['reference']}: " + (
                "found sent already" if done.get("already") else f"sent to {done['to']}"))
            (already if done.get("already") else sent).append(done["reference"])
    for cid in overdue:
        got = outcome[cid]
        snapshot(ctx, as_of=day, customer_id=cid, name=names.get(cid, ""),
                 master=masters.get(cid), items=by_customer[cid], level=got.get("level"),
                 last_reminder=got.get("reference"), skip=got.get("skipped", ""))
    return {"as_of": day.isoformat(), "overdue_customers": len(overdue), "sent": sent,
            "found_sent": already,
            "skipped": {c: o["skipped"] for c, o in outcome.items() if "skipped" in o}}

"""The refunds bot: pays customers' credit balances back.

Each run lists the open credit balances in the ERP (one work item each, the document that
left the balance its reference), reads the customer's bank details, validates them and
applies the refund policy (``config/refund_policy.yaml``): a refund up to the automatic
limit to bank details that are valid and not recently changed is posted in the ERP and paid
by bank transfer at once; anything else becomes a case (no usable bank details, details to
verify, a refund to approve). The same run carries out the decisions people took on those
cases. A rerun posts and pays nothing twice: the ERP answers the refund's reference with
the document it posted, the bank is asked for the document's EndToEndId before every upload.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bots.cashapp.bank import BankSite
from bots.refunds.case_types import CASE_TYPES
from bots.refunds.erp import RefundsErp
from bots.refunds.payer import RefundPayer
from bots.refunds.policy import RefundPolicy, check_policy
from bots.refunds.review import QUEUE, RefundDesk, queue_balances
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.bot_config import ConfigSpec

__all__ = ["BOT", "run"]

HERE = Path(__file__).resolve().parent

BOT = Bot(
    name="refunds",
    version="1.0.0",
    description="Refunds of customers' credit balances: bank details validated, recently "
    "changed ones verified by a second person, refunds above the limit approved by a second "
    "person, then the ERP refund document and one bank transfer per refund.",
    apps=("legacy_erp", "sandbox_bank"),
    credentials={"erp_credential": "legacy_erp/refunds",
                 "bank_credential": "sandbox_bank/treasury"},
    queues=(QueueSpec(QUEUE, description="one open credit balance per item"),),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES,
    config={"refund_policy": ConfigSpec(
        HERE / "config" / "refund_policy.yaml", validate=check_policy,
        description="automatic refund limit; days within which changed bank details are "
        "verified by a second person",
        controls=("auto_refund_up_to", "verify_changed_within_days"))},
    argument_help={
        "date": "the business date recently changed bank details are counted back from "
        "(default: today, UTC)",
        "queue_new": "false: only carry out people's decisions, queue nothing new",
        "erp_credential": "vault entry of the ERP login",
        "bank_credential": "vault entry of the bank login that pays",
        "company_name": "the payer's name on the credit transfers",
        "company_iban": "the account refunds are paid from (default: the bank login's first "
        "account)",
        "max_retries": "retries of a balance after a technical failure (a new queue only)",
    },
)


@BOT.task
def run(ctx: RunContext, date: dt.date | None = None, queue_new: bool = True,
        erp_credential: str = "legacy_erp/refunds",
        bank_credential: str = "sandbox_bank/treasury",
        company_name: str = "Northwind Components GmbH", company_iban: str = "",
        max_retries: int = 2) -> dict[str, Any]:
    day = date or dt.datetime.now(dt.UTC).date()
    erp = RefundsErp(ctx, erp_credential)
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    summary: dict[str, Any] = {"business_date": day.isoformat()}
    balances = erp.balances("all")
    if queue_new:
        summary.update(queue_balances(queue, balances, day))
    policy = RefundPolicy.from_config(ctx.config("refund_policy"))
    payer = RefundPayer(ctx, lambda: BankSite(ctx, bank_credential), company_name,
                        company_iban)
    desk = RefundDesk(ctx, erp, payer, policy, day, balances)
    done = {"handled": 0, "decisions_carried_out": 0}
    for item in queue.items():
        with item:
            if item.resolution:
                done["decisions_carried_out"] += 1
            done["handled"] += 1
            item.output["summary"] = desk.process(item)
    return {**summary, **done}

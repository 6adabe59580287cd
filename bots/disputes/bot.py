"""The disputes bot: customers' claims against invoices become one ``DISPUTE`` case per
disputed invoice, classified, routed to its owner team and with its evidence gathered
before a person looks; then the people's decisions are carried out.

Phases (argument ``phase``):

- ``intake`` (default): read the claims of the three channels (the billing portal's claims
  desk, the finance mailbox, short payments cash application left as cases), queue one work
  item per claim (reference ``<channel>:<id>``), then work the queue: a claim for an
  invoice already in an open dispute joins that case, any other opens one (classified by
  the local model, routed by the reason book, its evidence read from the portal and the
  ERP); afterwards every claim is received in the portal with its case's reference, its
  mail filed in ``Disputes`` and its claimant acknowledged once. Decisions of people queued
  meanwhile are carried out in the same loop (:mod:`bots.disputes.carry_out`);
- ``carry_out``: only the people's decisions.

A rerun adds nothing: each claim is one reference in the queue, each acknowledgement and
each portal receipt is remembered on the dispute's record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from bots.disputes.case_types import CASE_TYPES
from bots.disputes.intake import QUEUE, intake
from bots.runtime import Bot, QueueSpec, RunContext
from bots.runtime.bot_config import ConfigSpec

__all__ = ["BOT", "DEFAULT_CREDENTIALS", "run"]

HERE = Path(__file__).resolve().parent
DEFAULT_CREDENTIALS = {"portal_credential": "billing_portal/disputes",
                       "erp_credential": "legacy_erp/disputes",
                       "mail_credential": "mail/finance"}



def _config() -> dict[str, ConfigSpec]:
    """The reason book, when the classifier's package part is installed."""
    try:
        from bots.disputes.reasons import CONFIG_NAME, DEFAULT_PATH, check_dispute_reasons
    except ImportError:
        return {}
    return {CONFIG_NAME: ConfigSpec(
        DEFAULT_PATH, validate=check_dispute_reasons,
        description="reason codes with their owner team and SLA hours; the classifier's "
                    "confidence threshold")}


BOT = Bot(
    name="disputes",
    version="1.0.0",
    description="Disputes: claims from the portal's claims desk, the finance mailbox and "
    "short payments become one case per disputed invoice (duplicates linked), classified "
    "by a local model, routed to the owner team with an SLA, with the invoice, contract "
    "prices, order, delivery, payments and earlier disputes gathered; claimants are "
    "acknowledged; credits, rejections and write-offs are carried out.",
    apps=("billing_portal", "legacy_erp"),
    credentials=DEFAULT_CREDENTIALS,
    queues=(QueueSpec(QUEUE, description="one customer claim per item (portal:<claim id>, "
                      "mail:<Message-ID>, deduction:<bank reference>); a person's decision "
                      "on its case comes back as the same item"),),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES,
    config=_config(),
    argument_help={
        "phase": "intake (read the channels, open or join cases, acknowledge, carry out "
                 "decisions); carry_out (decisions only)",
        "channels": "the channels read at intake, comma-separated: portal, mail, deduction",
        "portal_credential": "vault entry of the claims desk login (billing portal)",
        "erp_credential": "vault entry of the ERP login (orders, account statements)",
        "mail_credential": "vault entry of the finance mailbox (claims in, "
                           "acknowledgements out)",
        "max_retries": "retries of a claim after a technical failure (a new queue only)",
    },
)


@BOT.task
def run(ctx: RunContext, phase: Literal["intake", "carry_out"] = "intake",
        channels: str = "portal,mail,deduction",
        portal_credential: str = DEFAULT_CREDENTIALS["portal_credential"],
        erp_credential: str = DEFAULT_CREDENTIALS["erp_credential"],
        mail_credential: str = DEFAULT_CREDENTIALS["mail_credential"],
        max_retries: int = 2) -> dict[str, Any]:
    if phase == "carry_out":
        from bots.disputes import carry_out  # the people's decisions

        result: dict[str, Any] = carry_out.run(
            ctx, portal_credential=portal_credential, erp_credential=erp_credential,
            mail_credential=mail_credential)
        return result
    return intake(ctx, channels=channels, portal_credential=portal_credential,
                  erp_credential=erp_credential, mail_credential=mail_credential,
                  max_retries=max_retries)

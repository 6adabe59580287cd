"""A bot of another domain for the inbox tests: its own case type, evidence and resolutions."""

from __future__ import annotations

from bots.runtime import Bot
from bots.runtime.cases import CaseType, Evidence, Field, Resolution

REFUND = Resolution(
    "refund_difference", "Refund the difference", approval="refund",
    fields=(Field("amount", "Amount", "money", required=True),
            Field("channel", "Paid back by", "choice", required=True,
                  choices=(("bank", "Bank transfer"), ("card", "Card"))),
            Field("why", "Why", "textarea")),
    help="The bot books the refund in the ledger.")
KEEP = Resolution("keep", "Keep as credit", carried_out=False, fields=(Field("why", "Why"),))

BOT = Bot(
    name="ledger-check", version="0.1.0", description="Checks ledger entries.",
    case_types=(CaseType(
        "OVERPAID", "Paid more than the invoice",
        evidence=(Evidence("payload.entry.entry_id", "Ledger entry", "mono", "Ledger"),
                  Evidence("payload.entry.amount", "Paid", "money", "Ledger")),
        resolutions=(REFUND, KEEP)),),
)

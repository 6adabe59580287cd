"""The disputes bot's case: ``DISPUTE``, one per disputed invoice of a customer.

The case's data holds a ``dispute`` object (see ``bots/disputes/README.md``): the claims
linked to it (a claim repeating another through a second channel joins the same case), the
reason and its owner team with the SLA, the model's suggestion with its confidence and
words, the amounts (invoice, disputed, credited, paid, written off) and the evidence the bot
gathered before a person looks (invoice PDF, contract prices, order and delivery, the
customer's payments, earlier disputes). What a person may decide comes from
:mod:`bots.disputes.resolutions`.
"""

from __future__ import annotations

from bots.disputes.resolutions import RESOLUTIONS
from bots.runtime.cases import CaseType, Evidence, Field, Resolution

__all__ = ["CASE_TYPES", "DISPUTE", "EVIDENCE", "UNREADABLE"]

DISPUTE, UNREADABLE = "DISPUTE", "CLAIM_UNREADABLE"

_CLAIM, _REASON, _AMOUNTS = "Claim", "Reason and owner", "Amounts"
_INVOICE, _ORDER, _HISTORY = "Invoice", "Order and delivery", "Payments and earlier disputes"
EVIDENCE = (
    Evidence("dispute.customer_id", "Customer", "mono", _CLAIM),
    Evidence("dispute.customer_name", "Customer name", group=_CLAIM),
    Evidence("dispute.invoice_number", "Invoice", "mono", _CLAIM),
    Evidence("dispute.case_ref", "Dispute reference", "mono", _CLAIM),
    Evidence("dispute.claims", "Claims linked to this case", "table", _CLAIM),
    Evidence("dispute.reason_code", "Reason", "mono", _REASON),
    Evidence("dispute.reason_label", "Reason in words", group=_REASON),
    Evidence("dispute.classified_by", "Classified by", group=_REASON),
    Evidence("dispute.suggestion.code", "Model's suggestion", "mono", _REASON),
    Evidence("dispute.suggestion.confidence", "Confidence", group=_REASON),
    Evidence("dispute.suggestion.words", "Words it relied on", group=_REASON),
    Evidence("dispute.owner_team", "Owner team", group=_REASON),
    Evidence("dispute.sla_due", "Decide by", "date", _REASON),
    Evidence("dispute.amounts.invoice", "Invoice gross", "money", _AMOUNTS),
    Evidence("dispute.amounts.disputed", "Disputed", "money", _AMOUNTS),
    Evidence("dispute.amounts.credited", "Credited", "money", _AMOUNTS),
    Evidence("dispute.amounts.paid", "Paid", "money", _AMOUNTS),
    Evidence("dispute.amounts.written_off", "Written off", "money", _AMOUNTS),
    Evidence("dispute.currency", "Currency", group=_AMOUNTS),
    Evidence("dispute.evidence.invoice_pdf", "Invoice PDF", "link", _INVOICE),
    Evidence("dispute.evidence.invoice_status", "Status in the portal", group=_INVOICE),
    Evidence("dispute.evidence.contract_prices", "Billed and contract prices", "table",
             _INVOICE),
    Evidence("dispute.evidence.order.order_number", "Order", "mono", _ORDER),
    Evidence("dispute.evidence.order.delivery_date", "Delivered", "date", _ORDER),
    Evidence("dispute.evidence.order.proof_of_delivery", "Proof of delivery", group=_ORDER),
    Evidence("dispute.evidence.order.lines", "Ordered and shipped", "table", _ORDER),
    Evidence("dispute.evidence.payments", "Open items in the ERP", "table", _HISTORY),
    Evidence("dispute.evidence.earlier_disputes", "Earlier disputes", "table", _HISTORY),
)

CASE_TYPES = (
    CaseType(DISPUTE, "Customer disputes an invoice",
             "A customer disputes this invoice (through the claims desk, a mail or a short "
             "payment). The bot gathered the invoice, contract prices, order and delivery, "
             "payments and earlier disputes; the reason decides the owner team and the "
             "date to decide by. Classify it when the model was not sure, then credit, "
             "reject or write off.", EVIDENCE, RESOLUTIONS),
    CaseType(UNREADABLE, "Claim the bot cannot read",
             "A customer's claim (portal, mail or deduction) names no invoice, several, or "
             "one the billing portal does not know, or no amount can be read: the message "
             "says which. Take it up with the customer; the claim's files are attached.",
             (Evidence("claim.ref", "Claim", "mono"),
              Evidence("claim.channel", "Channel"),
              Evidence("claim.customer_id", "Customer", "mono"),
              Evidence("claim.invoice_number", "Invoice", "mono"),
              Evidence("claim.subject", "Subject"),
              Evidence("claim.claimant_address", "From"),
              Evidence("claim.text", "The customer's words")),
             (Resolution("acknowledge", "Taken up with the customer",
                         fields=(Field("note", "Note"),), carried_out=False),)),
)

"""The mails a claimant gets: the acknowledgement of their claim and the outcome of the
dispute (a credit memo, the rejection with its message, a write-off, the dispute settled).

Plain-text templates (``string.Template``: a customer's words never act as a format
string). Each mail carries a reference (header ``X-Finbots-Reference``) naming the
dispute, the claim and the outcome: before sending, the Sent folder is asked for it, so a
rerun never mails a claimant the same outcome twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from typing import Any

from bots.runtime.mail import MailClient

__all__ = ["OUTCOMES", "Mail", "acknowledgement", "outcome_mail", "outcome_reference",
           "send_once"]

SIGNATURE = "Kind regards\nAccounts receivable, Northwind Components GmbH"

_ACK = Template("""Dear customer,

we have received your claim on invoice $invoice over $amount $currency and opened dispute
$case_ref for it. Our $team team looks into it and will answer by $due.

You do not need to pay the disputed amount until then.

$signature
""")

_CREDITED = Template("""Dear customer,

about your claim on invoice $invoice (dispute $case_ref): we have issued credit memo
$credit_memo over $amount $currency. It reduces what you owe on the invoice; any amount
you have already paid beyond it is refunded to you.

$signature
""")

_REJECTED = Template("""Dear customer,

about your claim on invoice $invoice (dispute $case_ref): we cannot accept it.

$message

The invoice is due in full as billed; please pay the open amount of $amount $currency.

$signature
""")

_WRITTEN_OFF = Template("""Dear customer,

about your claim on invoice $invoice (dispute $case_ref): we have taken $amount $currency
off the invoice. You do not owe this amount.

$signature
""")

_TEMPLATES = {"credit_memo": ("Credit memo $credit_memo for invoice $invoice", _CREDITED),
              "reject": ("Your claim on invoice $invoice", _REJECTED),
              "write_off": ("Invoice $invoice: $amount $currency not owed", _WRITTEN_OFF)}
#: the outcomes a claimant is told about
OUTCOMES = tuple(_TEMPLATES)
MAX_FIELD = 1000


@dataclass(frozen=True, slots=True)
class Mail:
    """One mail to a claimant: its address, subject, text and its never-twice reference."""

    to: str
    subject: str
    text: str
    reference: str


def _fields(values: Mapping[str, Any]) -> dict[str, str]:
    out = {k: str(v if v is not None else "")[:MAX_FIELD] for k, v in values.items()}
    out.setdefault("signature", SIGNATURE)
    return out


def _one_line(text: str) -> str:
    """A subject line: no line breaks (a header cannot be split by a customer's words)."""
    return " ".join(text.split())[:200]


def acknowledgement(*, to: str, case_ref: str, claim_ref: str, invoice: str, amount: Any,
                    currency: str, team: str, due: str) -> Mail:
    """The acknowledgement of one claim (one per claim ever)."""
    values = _fields({"invoice": invoice, "amount": amount, "currency": currency,
                      "case_ref": case_ref, "team": team, "due": due})
    return Mail(to, _one_line(f"Your claim on invoice {invoice} is dispute {case_ref}"),
                _ACK.substitute(values), f"dispute-ack:{case_ref}:{claim_ref}")


def outcome_reference(case_ref: str, claim_ref: str, outcome: str, document: str = "") -> str:
    """The reference of one outcome mail to one claimant (never sent twice)."""
    return f"dispute-outcome:{case_ref}:{claim_ref}:{outcome}" + (
        f":{document}" if document else "")


def outcome_mail(outcome: str, *, to: str, case_ref: str, claim_ref: str, invoice: str,
                 amount: Any, currency: str, credit_memo: str = "", message: str = "") -> Mail:
    """The outcome ``outcome`` (credit_memo, reject, write_off) told to one claimant.

    ``amount``: the credit memo's or the write-off's amount; for a rejection what the
    customer owes on the invoice. ``message``: the rejection's message to the customer.
    """
    if outcome not in _TEMPLATES:
        raise ValueError(f"outcome: {outcome!r} is none of {', '.join(OUTCOMES)}")
    if outcome == "credit_memo" and not credit_memo:
        raise ValueError("credit_memo: the outcome mail names the credit memo's number")
    if outcome == "reject" and not message.strip():
        raise ValueError("message: a rejection tells the customer why")
    subject, body = _TEMPLATES[outcome]
    values = _fields({"invoice": invoice, "amount": amount, "currency": currency,
                      "case_ref": case_ref, "credit_memo": credit_memo,
                      "message": message.strip()})
    return Mail(to, _one_line(Template(subject).substitute(values)), body.substitute(values),
                outcome_reference(case_ref, claim_ref, outcome, credit_memo))


def send_once(mailbox: MailClient, mail: Mail) -> tuple[str, bool]:
    """Send ``mail`` unless the Sent folder holds its reference: (Message-ID, sent now)."""
    found = mailbox.sent_with_reference(mail.reference)
    if found is not None:
        return str(found.message_id or ""), False
    return mailbox.send(mail.to, mail.subject, mail.text, reference=mail.reference), True

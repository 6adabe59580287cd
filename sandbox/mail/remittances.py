"""Remittance advices customers mailed to the finance mailbox, seeded with its INBOX.

Fjord Marine paid 2,000.00 on the statement day without a reference, and two of its open
invoices are of that amount (payment P07 of :mod:`sandbox.scenario`: the matching engine
alone cannot tell which, so it sends the payment to a person). Its advice came by mail, an
Excel workbook naming INV-2026-1010. Read by the payment-posting bot (``--arg
advice_mailbox=true``), its line posts the payment; without that argument the payment
stays a case, as the scenario's expected outcome says.

:func:`expected_remittances` is the ground truth ``finbots sandbox check`` compares with
(:mod:`sandbox.remittances_check`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from openpyxl import Workbook

from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.disputes import seeded_disputes
from sandbox.mail.replies import seeded_replies
from sandbox.scenario import COMPANY_NAME, STATEMENT_DATE, Scenario

__all__ = ["ExpectedRemittance", "expected_remittances", "seeded_inbox",
           "seeded_remittances"]

_TZ = dt.timezone(dt.timedelta(hours=1))
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExpectedRemittance:
    """What cash application makes of one seeded advice mail."""

    key: str  # A01..
    message_id: str
    customer_id: str
    payment_key: str  # the scenario's payment it pays (P07)
    lines: tuple[tuple[str, Decimal], ...]  # (invoice, amount paid)
    file: str  # the attachment's name


_EXPECTED = (
    ExpectedRemittance("A01", "<advice-a01.c1006@customers.example>", "C1006", "P07",
                       (("INV-2026-1010", Decimal("2000.00")),),
                       "Fjord_Marine_payment_advice_2026-11-20.xlsx"),
)


def expected_remittances() -> tuple[ExpectedRemittance, ...]:
    return _EXPECTED


def _workbook(expected: ExpectedRemittance) -> bytes:
    """The advice as the customer's ERP exports it: fields, then the invoice table."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Payment advice"
    total = sum((amount for _, amount in expected.lines), Decimal(0))
    for row in (("Payment advice",), (), ("Payer", "Fjord Marine AS"),
                ("Payment date", STATEMENT_DATE), ("Payment amount", total),
                ("Currency", "EUR"), (), ("Invoice number", "Amount paid", "Note")):
        sheet.append(list(row))
    for number, amount in expected.lines:
        sheet.append([number, amount, "October deliveries"])
    sheet.append(["Total", total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _a01(expected: ExpectedRemittance) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(("Fjord Marine AS, Regnskap",
                              customer_mailbox(expected.customer_id)))
    msg["To"] = formataddr((f"{COMPANY_NAME} Accounts Receivable", FINANCE_MAILBOX))
    msg["Subject"] = "Remittance advice - payment of 20.11.2026"
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 20, 16, 5, tzinfo=_TZ))
    msg["Message-ID"] = expected.message_id
    msg.set_content("Hello,\n\nplease find attached the remittance advice for our transfer "
                    "of EUR 2,000.00 today: it pays invoice INV-2026-1010. INV-2026-1011 "
                    "follows with our December payment run.\n\nBest regards\nIngrid Solberg"
                    "\nFjord Marine AS\n")
    msg.add_attachment(_workbook(expected), maintype="application",
                       subtype=_XLSX.split("/", 1)[1], filename=expected.file)
    return msg


def seeded_remittances(scenario: Scenario) -> list[EmailMessage]:
    """The advice mails waiting in the finance INBOX (after the customers' replies)."""
    del scenario  # the advices pay the seeded statement's payments
    return [_same_bytes(_a01(e)) for e in _EXPECTED]


def seeded_inbox(scenario: Scenario) -> list[EmailMessage]:
    """Everything the finance INBOX holds when the mail server is seeded, in order."""
    return [*seeded_replies(scenario), *seeded_remittances(scenario), *seeded_disputes()]


def _same_bytes(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(msg.as_bytes(), _class=EmailMessage, policy=policy.default)
    return parsed  # type: ignore[return-value]

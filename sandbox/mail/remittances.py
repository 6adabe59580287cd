"""Remittance advices customers mailed to the finance mailbox, seeded with its INBOX.

Granite Tools paid 1,234.56 on the statement day with nothing but "REMITTANCE TO FOLLOW"
(payment P15 of :mod:`sandbox.scenario`: no amount of its open invoices fits, so the
matching engine alone sends it to a person). The advice followed by mail, an Excel
workbook: 700.00 for INV-2026-1020 and 534.56 towards INV-2026-1021. Read by the
payment-posting bot (``--arg advice_mailbox=true``), its lines post the payment; without
that argument the payment stays a case, as the scenario's expected outcome says.

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
    payment_key: str  # the scenario's payment it pays (P15)
    lines: tuple[tuple[str, Decimal], ...]  # (invoice, amount paid)
    file: str  # the attachment's name


_EXPECTED = (
    ExpectedRemittance("A01", "<advice-a01.c1007@customers.example>", "C1007", "P15",
                       (("INV-2026-1020", Decimal("700.00")),
                        ("INV-2026-1021", Decimal("534.56"))),
                       "Granite_Tools_payment_advice_2026-11-20.xlsx"),
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
    for row in (("Payment advice",), (), ("Payer", "Granite Tools Inc."),
                ("Payment date", STATEMENT_DATE), ("Payment amount", total),
                ("Currency", "EUR"), (), ("Invoice number", "Amount paid", "Note")):
        sheet.append(list(row))
    for number, amount in expected.lines:
        note = "" if number == "INV-2026-1020" else "part payment, rest in December"
        sheet.append([number, amount, note])
    sheet.append(["Total", total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _a01(expected: ExpectedRemittance) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(("Granite Tools Accounts Payable",
                              customer_mailbox(expected.customer_id)))
    msg["To"] = formataddr((f"{COMPANY_NAME} Accounts Receivable", FINANCE_MAILBOX))
    msg["Subject"] = "Remittance advice - payment of 20.11.2026"
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 20, 16, 5, tzinfo=_TZ))
    msg["Message-ID"] = expected.message_id
    msg.set_content("Hello,\n\nplease find attached the remittance advice for our transfer "
                    "of EUR 1,234.56 today.\n\nRegards\nBob Miller\nGranite Tools Inc.\n")
    msg.add_attachment(_workbook(expected), maintype="application",
                       subtype=_XLSX.split("/", 1)[1], filename=expected.file)
    return msg


def seeded_remittances(scenario: Scenario) -> list[EmailMessage]:
    """The advice mails waiting in the finance INBOX (after the customers' replies)."""
    del scenario  # the advices pay the seeded statement's payments
    return [_same_bytes(_a01(e)) for e in _EXPECTED]


def seeded_inbox(scenario: Scenario) -> list[EmailMessage]:
    """Everything the finance INBOX holds when the mail server is seeded, in order."""
    return [*seeded_replies(scenario), *seeded_remittances(scenario)]


def _same_bytes(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(msg.as_bytes(), _class=EmailMessage, policy=policy.default)
    return parsed  # type: ignore[return-value]

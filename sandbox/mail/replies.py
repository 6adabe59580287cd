"""Customers' replies seeded into the finance mailbox when the mail server is seeded.

The replies of the seeded collections month (business date 2026-11-20) to Northwind's payment
reminders: promises to pay in English and German (dates and amounts written both ways), an
"already paid" with a remittance advice attached, a dispute, an out-of-office autoreply, a
confirmation of a promise already entered in the ERP, an old promise whose date has passed,
and a reply nobody can read a date or an amount from. Real MIME: multipart/alternative and
multipart/mixed, quoted reminder text, ``In-Reply-To`` a reminder where there was one, latin-1
and utf-8 bodies in quoted-printable and base64.

:func:`expected_replies` is the ground truth: what a correct reader makes of each message
(``finbots sandbox check`` and the tests' accuracy figure compare with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from email import message_from_bytes, policy
from email.charset import BASE64, QP, Charset
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.scenario import COMPANY_NAME, Scenario

__all__ = ["REPLY_KINDS", "ExpectedReply", "expected_replies", "reminder_message_id",
           "seeded_replies"]

#: what a reply can be
REPLY_KINDS = ("promise", "already_paid", "dispute", "out_of_office", "unreadable")
MAIL_DOMAIN = "northwind.example"
_TZ = dt.timezone(dt.timedelta(hours=1))  # the customers write from CET


@dataclass(frozen=True)
class ExpectedReply:
    """What a correct reader makes of one seeded reply."""

    key: str  # R01..
    message_id: str
    customer_id: str
    kind: str  # one of REPLY_KINDS
    invoices: tuple[str, ...] = ()
    amount: Decimal | None = None  # promised or paid
    date: dt.date | None = None  # promised date, or the date it was paid
    note: str = ""  # what the message illustrates


def reminder_message_id(customer_id: str, level: int, sent: dt.date) -> str:
    """The Message-ID of a reminder Northwind sent (its dunning reference as local part)."""
    return f"<DUN-{customer_id}-L{level}-{sent:%Y%m%d}@{MAIL_DOMAIN}>"


def _mid(key: str, customer_id: str) -> str:
    return f"<reply-{key.lower()}.{customer_id.lower()}@customers.example>"


_EXPECTED = (
    ExpectedReply("R01", _mid("R01", "C2002"), "C2002", "promise", ("INV-2026-1102",),
                  Decimal("3912.80"), dt.date(2026, 11, 27),
                  "promise in English, reply to the level-1 reminder, text and HTML"),
    ExpectedReply("R02", _mid("R02", "C2001"), "C2001", "promise", ("INV-2026-1101",),
                  Decimal("1847.35"), dt.date(2026, 11, 30),
                  "promise in German (1.847,35 EUR bis zum 30.11.2026), latin-1"),
    ExpectedReply("R03", _mid("R03", "C2008"), "C2008", "already_paid", ("INV-2026-1111",),
                  Decimal("1672.40"), dt.date(2026, 11, 18),
                  "already paid, remittance advice attached (CSV)"),
    ExpectedReply("R04", _mid("R04", "C2005"), "C2005", "dispute", ("INV-2026-1107",),
                  note="dispute of a short shipment"),
    ExpectedReply("R05", _mid("R05", "C2003"), "C2003", "out_of_office",
                  note="autoreply naming a return date (not a promise)"),
    ExpectedReply("R06", _mid("R06", "C2006"), "C2006", "promise", ("INV-2026-1109",),
                  Decimal("4180.00"), dt.date(2026, 11, 27),
                  "German confirmation of the promise the collector entered from a call"),
    ExpectedReply("R07", _mid("R07", "C1007"), "C1007", "unreadable",
                  note="vague: part next week, the rest later; no date, no amount"),
    ExpectedReply("R08", _mid("R08", "C2007"), "C2007", "promise", ("INV-2026-1110",),
                  Decimal("2530.75"), dt.date(2026, 11, 19),
                  "promise whose date has passed with nothing paid (broken)"),
)


def expected_replies() -> tuple[ExpectedReply, ...]:
    return _EXPECTED


def _at(day: int, hour: int, minute: int = 0) -> str:
    return format_datetime(dt.datetime(2026, 11, day, hour, minute, tzinfo=_TZ))


def _headers(msg: EmailMessage | MIMEMultipart | MIMEText, key: str, customer_id: str,
             sender: str, subject: str, date: str, in_reply_to: str | None = None) -> None:
    msg["From"] = formataddr((sender, customer_mailbox(customer_id)))
    msg["To"] = formataddr((f"{COMPANY_NAME} Accounts Receivable", FINANCE_MAILBOX))
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = _mid(key, customer_id)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to


def _text(body: str, charset: str = "utf-8", encoding: int = QP) -> MIMEText:
    cs = Charset(charset)
    cs.body_encoding = encoding
    part = MIMEText("", "plain")
    part.set_payload(body.encode(charset), charset=cs)  # type: ignore[arg-type]
    return part


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


_REMINDER_C2002 = """Dear Sir or Madam,

according to our records the following invoice is overdue:

INV-2026-1102    due 2026-10-06    EUR 3,912.80

Please pay the amount within 7 days.

Northwind Components GmbH, Accounts Receivable"""


def _r01() -> MIMEMultipart:
    text = ("Dear Northwind AR team,\n\nsorry for the delay, our payment run was postponed.\n"
            "We will pay invoice INV-2026-1102 for EUR 3,912.80 by 27 November 2026.\n\n"
            "Kind regards\nPriya Nair\nAccounts Payable, Baltic Freight Ltd\n\n"
            "On Tue, 20 Oct 2026, Northwind Components AR wrote:\n"
            + _quoted(_REMINDER_C2002) + "\n")
    html = ("<html><body><p>Dear Northwind AR team,</p><p>sorry for the delay, our payment "
            "run was postponed.<br>We will pay invoice <b>INV-2026-1102</b> for EUR 3,912.80 "
            "by 27 November 2026.</p><p>Kind regards<br>Priya Nair<br>Accounts Payable, "
            "Baltic Freight Ltd</p><blockquote>Payment reminder: INV-2026-1102 due 2026-10-06 "
            "EUR 3,912.80</blockquote></body></html>")
    msg = MIMEMultipart("alternative")
    msg.attach(_text(text))
    msg.attach(MIMEText(html, "html", "utf-8"))
    _headers(msg, "R01", "C2002", "Priya Nair", "RE: Payment reminder - INV-2026-1102",
             _at(18, 9, 12), reminder_message_id("C2002", 1, dt.date(2026, 10, 20)))
    return msg


def _r02() -> MIMEText:
    body = ("Sehr geehrte Damen und Herren,\n\nvielen Dank für Ihre Erinnerung. Wir werden "
            "die Rechnung INV-2026-1101 über 1.847,35 EUR bis zum 30.11.2026 überweisen.\n\n"
            "Mit freundlichen Grüßen\nJürgen Köhler\nBuchhaltung, Aurora Textilwerke GmbH\n")
    msg = _text(body, "iso-8859-1", QP)
    _headers(msg, "R02", "C2001", "Jürgen Köhler",
             "AW: Zahlungserinnerung Rechnung INV-2026-1101", _at(19, 14, 3))
    return msg


def _r03() -> MIMEMultipart:
    body = ("Hello,\n\ninvoice INV-2026-1111 was already paid on 18 November 2026, amount "
            "EUR 1,672.40, by bank transfer. Please find our remittance advice attached and "
            "stop the reminders.\n\nBest regards\nDaan de Vries\nHarbor Electronics B.V.\n")
    msg = MIMEMultipart("mixed")
    msg.attach(_text(body))
    advice = MIMEText("invoice_number,amount,currency,payment_date\n"
                      "INV-2026-1111,1672.40,EUR,2026-11-18\n", "csv", "utf-8")
    advice.add_header("Content-Disposition", "attachment", filename="remittance_advice.csv")
    msg.attach(advice)
    _headers(msg, "R03", "C2008", "Daan de Vries", "Re: Overdue invoice INV-2026-1111",
             _at(19, 10, 41))
    return msg


def _r04() -> MIMEText:
    body = ("Dear Sir or Madam,\n\nwe do not accept invoice INV-2026-1107. Twelve cartons were "
            "missing from the delivery, as we reported on 28 October. We will not pay this "
            "invoice until we receive a credit note for the missing goods.\n\nRegards\n"
            "Olivia Grant\nPurchasing, Everest Hotels Ltd\n")
    msg = _text(body, "utf-8", QP)
    _headers(msg, "R04", "C2005", "Olivia Grant", "Invoice INV-2026-1107 - complaint",
             _at(17, 16, 20))
    return msg


def _r05() -> MIMEText:
    body = ("Thank you for your message. I am out of the office until 30 November 2026 with "
            "limited access to e-mail. For urgent matters please contact our finance desk.\n\n"
            "Tom Becker\nCobalt Mining plc\n")
    msg = _text(body, "utf-8", QP)
    _headers(msg, "R05", "C2003", "Tom Becker",
             "Automatic reply: Payment reminder - INV-2026-1104", _at(20, 7, 2))
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Autoreply"] = "yes"
    return msg


def _r06() -> MIMEText:
    body = ("Guten Tag Frau Weber,\n\nwie telefonisch besprochen überweisen wir den Betrag von "
            "4.180,00 € für die Rechnung INV-2026-1109 am 27. November 2026.\n\n"
            "Freundliche Grüße\nAnna Fenchel\nFennel Feinkost GmbH\n")
    msg = _text(body, "utf-8", BASE64)
    _headers(msg, "R06", "C2006", "Anna Fenchel", "Zahlung Rechnung INV-2026-1109",
             _at(18, 11, 30))
    return msg


def _r07() -> MIMEText:
    body = ("Hi,\n\nwe will pay part of it next week and the rest once our own customer has "
            "paid us. Our controller is looking at your statement.\n\nThanks\nBob\n"
            "Granite Tools Inc.\n")
    msg = _text(body, "utf-8", QP)
    _headers(msg, "R07", "C1007", "Bob Miller", "Re: your statement", _at(19, 17, 55))
    return msg


def _r08() -> MIMEText:
    body = ("Hello James,\n\nfollowing our call: we will transfer EUR 2,530.75 for invoice "
            "INV-2026-1110 by 19 November 2026.\n\nBest\nChris Holm\nGlacier Sports Inc.\n")
    msg = _text(body, "utf-8", QP)
    _headers(msg, "R08", "C2007", "Chris Holm", "Payment of INV-2026-1110",
             format_datetime(dt.datetime(2026, 11, 9, 15, 45, tzinfo=_TZ)))
    return msg


def seeded_replies(scenario: Scenario) -> list[EmailMessage]:
    """The messages waiting in the finance mailbox's INBOX at the start of the seeded month
    (their order: as they arrived)."""
    del scenario  # the replies answer the collections month's reminders
    built = [_r08(), _r04(), _r01(), _r06(), _r03(), _r02(), _r07(), _r05()]
    return [_as_email_message(m) for m in built]


def _as_email_message(msg: MIMEMultipart | MIMEText) -> EmailMessage:
    """The message as an :class:`EmailMessage` (same bytes)."""
    parsed = message_from_bytes(msg.as_bytes(), _class=EmailMessage, policy=policy.default)
    return parsed  # type: ignore[return-value]


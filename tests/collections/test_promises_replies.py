"""Reading the customers' replies seeded in the finance mailbox: each classified as the
ground truth says (promises with date, amount and invoices; already paid; dispute; out of
office; unreadable), from the raw MIME bytes a mail server delivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

from bots.collections.replies import own_words, read_reply
from sandbox.mail.replies import expected_replies, seeded_replies
from sandbox.scenario import build_scenario


def _from_bytes(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_seeded_replies_are_read_as_the_truth_says() -> None:
    expected = {e.message_id: e for e in expected_replies()}
    messages = [_from_bytes(m.as_bytes()) for m in seeded_replies(build_scenario())]
    assert {str(m["Message-ID"]) for m in messages} == set(expected)
    correct = to_person = 0
    wrong: list[str] = []
    for msg in messages:
        reading = read_reply(msg)
        truth = expected[reading.message_id]
        got = (reading.kind, reading.invoices if truth.invoices else (), reading.amount,
               reading.date)
        if got == (truth.kind, truth.invoices, truth.amount, truth.date):
            correct += 1
        else:
            wrong.append(f"{truth.key}: expected {truth.kind}, read {got} ({reading.reason})")
        to_person += not reading.confident
    print(f"\nreplies read correctly: {correct} of {len(messages)}; "
          f"sent to a person: {to_person}")
    assert wrong == []
    assert to_person == sum(e.kind == "unreadable" for e in expected.values())


def test_quoted_reminder_is_not_the_customers_words() -> None:
    text = ("We will pay EUR 100.00 by 1 December 2026.\n\nOn Tue, 20 Oct 2026, AR wrote:\n"
            "> INV-2026-1102 due 2026-10-06 EUR 3,912.80\n")
    assert own_words(text) == "We will pay EUR 100.00 by 1 December 2026."


def _mail(body: str, *, sent: str = "Thu, 19 Nov 2026 10:00:00 +0100",
          **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "AP <ap.c2002@customers.example>"
    msg["Subject"] = headers.pop("Subject", "Re: reminder")
    msg["Date"] = sent
    msg["Message-ID"] = "<x@customers.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_a_promise_needs_one_date_and_one_amount_not_in_the_past() -> None:
    two_dates = read_reply(_mail("We will pay EUR 500.00 on 25 November 2026 or 2026-12-01."))
    past = read_reply(_mail("We will pay EUR 500.00 by 2 November 2026."))
    good = read_reply(_mail("Wir werden 2.500,00 EUR am 3. Dezember 2026 überweisen."))
    assert (two_dates.kind, past.kind) == ("unreadable", "unreadable")
    assert "2 dates" in two_dates.reason and "before the mail's own date" in past.reason
    assert (good.kind, good.amount, good.date) == ("promise", Decimal("2500.00"),
                                                   dt.date(2026, 12, 3))


def test_autoreply_header_wins_over_a_date_in_the_text() -> None:
    reading = read_reply(_mail("Back on 30 November 2026. We will pay EUR 10.00 then.",
                               Auto_Submitted="auto-replied"))
    assert reading.kind == "out_of_office"

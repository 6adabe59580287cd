"""The sandbox mail server through its real protocols: seeded INBOX, delivery with
attachments, the Sent copy, refusals, the outage knob, reset, ground truth."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket

import pytest
from mailsandbox import MAX_BYTES, MailSandbox

from bots.runtime.errors import ApplicationFailure, BusinessFailure
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.remittances import seeded_inbox
from sandbox.mail.replies import seeded_replies
from sandbox.mail.server import mailbox_listing
from sandbox.scenario import build_scenario

CUSTOMER = customer_mailbox("C2001")


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_finance_inbox_holds_the_seeded_replies(fresh: MailSandbox) -> None:
    seeded = seeded_inbox(build_scenario())
    inbox = fresh.finance().messages()
    assert [m.message_id for m in inbox] == [r["Message-ID"] for r in seeded]
    assert all(m.date is not None and m.date.utcoffset() == dt.timedelta(0) for m in inbox)
    assert all(m.text.strip() and not m.seen for m in inbox)
    replies = {r["Message-ID"] for r in seeded_replies(build_scenario())}
    with_advice = [m for m in inbox if m.attachments and m.message_id in replies]
    assert [a.name for m in with_advice for a in m.attachments] == ["remittance_advice.csv"]
    assert b"INV-2026" in with_advice[0].attachments[0].content
    german = next(m for m in inbox if "Zahlungserinnerung" in m.subject)
    assert any(ch in german.text for ch in "äöüß")  # latin-1 body decoded


def test_a_reminder_reaches_the_customer_with_its_attachment(fresh: MailSandbox) -> None:
    pdf = b"%PDF-1.4 statement of account C2001\n" * 20
    finance = fresh.finance()
    message_id = finance.send(
        CUSTOMER, "Payment reminder - INV-2026-0711", "Dear Sir or Madam,\nplease pay.",
        html="<p>Dear Sir or Madam,</p><script>alert(1)</script>",
        attachments=[("statement-C2001.pdf", pdf, "application/pdf")],
        reference="DUN-C2001-L1-20261120")
    [got] = fresh.customer(CUSTOMER).messages()
    assert got.message_id == message_id and got.sender == FINANCE_MAILBOX
    assert got.subject == "Payment reminder - INV-2026-0711"
    assert got.text.startswith("Dear Sir or Madam,\nplease pay.")
    assert got.attachments == (("statement-C2001.pdf", "application/pdf", pdf),)
    assert got.reference == "DUN-C2001-L1-20261120"
    # the server kept a copy in the finance mailbox's Sent folder: the ground truth shows it
    boxes = fresh.truth()["mailboxes"]
    [sent] = [m for m in boxes[FINANCE_MAILBOX] if m["folder"] == "Sent"]
    assert sent["message_id"] == message_id and sent["to"] == [CUSTOMER]
    assert sent["headers"]["X-Finbots-Reference"] == "DUN-C2001-L1-20261120"
    assert sent["attachments"] == ["statement-C2001.pdf"]
    assert [m["message_id"] for m in boxes[CUSTOMER]] == [message_id]
    assert mailbox_listing(fresh.base / "mail") == boxes  # the same without HTTP


def test_a_customer_mailbox_outside_the_scenario_is_made_by_its_first_mail(
        fresh: MailSandbox) -> None:
    newcomer = customer_mailbox("C7777")
    assert newcomer not in fresh.truth()["mailboxes"]
    message_id = fresh.finance().send(newcomer, "Welcome", "Your account is open.")
    assert [m.message_id for m in fresh.customer(newcomer).messages()] == [message_id]


def test_the_sent_folder_answers_whether_a_reference_went_out(fresh: MailSandbox) -> None:
    finance = fresh.finance()
    assert finance.sent_with_reference("DUN-C2002-L2-20261120") is None
    first = finance.send(customer_mailbox("C2002"), "Second reminder", "text",
                         reference="DUN-C2002-L2-20261120")
    finance.send(customer_mailbox("C2002"), "Other", "text", reference="DUN-C2002-L2-2026112")
    found = finance.sent_with_reference("DUN-C2002-L2-20261120")
    assert found is not None and found.message_id == first  # exact, not a substring match
    assert finance.sent_with_reference("DUN-C2002-L2") is None


def test_reading_moving_and_marking_seen(fresh: MailSandbox) -> None:
    finance = fresh.finance()
    inbox = finance.messages()
    finance.mark_seen(inbox[0].uid)
    assert [m.uid for m in finance.messages(unseen_only=True)] == [m.uid for m in inbox[1:]]
    finance.move(inbox[1].uid, "Processed")
    assert [m.message_id for m in finance.messages("Processed")] == [inbox[1].message_id]
    assert inbox[1].message_id not in {m.message_id for m in finance.messages()}
    since = dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
    assert {m.message_id for m in finance.messages(since=since)} == {
        m.message_id for m in inbox if m.date and m.date >= since and m is not inbox[1]}


def test_an_outage_refuses_connections_and_a_send_waits_it_out(fresh: MailSandbox) -> None:
    knobs = fresh.post("/_sandbox/faults", {"outage_s": 3})
    assert knobs["outage_s"] > 0
    assert _refused(fresh.smtp_port) and _refused(fresh.imap_port)
    finance = fresh.finance(retry_for_s=60)
    message_id = finance.send(CUSTOMER, "Reminder during an outage", "text",
                              reference="DUN-C2001-L1-OUTAGE")
    received = fresh.customer(CUSTOMER).messages()
    assert [m.message_id for m in received] == [message_id]  # once, not twice
    assert finance.sent_with_reference("DUN-C2001-L1-OUTAGE") is not None
    assert fresh.post("/_sandbox/faults", {})["outage_s"] == 0


def test_an_outage_longer_than_the_retries_is_an_application_failure(
        fresh: MailSandbox) -> None:
    fresh.post("/_sandbox/faults", {"outage_s": 30})
    with pytest.raises(ApplicationFailure) as failure:
        fresh.finance(retry_for_s=1).messages()
    assert failure.value.code == "MAIL_UNAVAILABLE"
    assert str(fresh.imap_port) in failure.value.message
    fresh.post("/_sandbox/faults", {"outage_s": 0})  # ends it now
    assert len(fresh.finance().messages()) == len(seeded_inbox(build_scenario()))


def test_reset_empties_every_mailbox_and_seeds_the_inbox_again(fresh: MailSandbox) -> None:
    finance = fresh.finance()
    finance.send(CUSTOMER, "to be wiped", "text", reference="WIPE-1")
    finance.move(finance.messages()[0].uid, "Processed")
    fresh.post("/_sandbox/reset")
    counts = fresh.truth()["counts"]
    assert counts[FINANCE_MAILBOX] == {"INBOX": len(seeded_inbox(build_scenario()))}
    assert sum(n for box, per in counts.items() if box != FINANCE_MAILBOX
               for n in per.values()) == 0
    assert finance.sent_with_reference("WIPE-1") is None


def test_an_oversize_message_is_refused_with_a_clear_error(fresh: MailSandbox) -> None:
    big = [("ledger.bin", b"\x00" * MAX_BYTES, "application/octet-stream")]
    with pytest.raises(BusinessFailure) as failure:
        fresh.finance().send(CUSTOMER, "too big", "text", attachments=big)
    assert failure.value.code == "MAIL_TOO_LARGE"
    assert str(MAX_BYTES) in failure.value.message
    # the server itself refuses it too (a client that does not look at SIZE)
    with smtplib.SMTP("127.0.0.1", fresh.smtp_port) as smtp:
        smtp.login(FINANCE_MAILBOX, FINANCE_PASSWORD)
        smtp.ehlo_resp, smtp.esmtp_features = None, {}  # forget the announced SIZE
        with pytest.raises(smtplib.SMTPException) as refused:
            smtp.sendmail(FINANCE_MAILBOX, [CUSTOMER], b"Subject: big\r\n\r\n" +
                          b"x" * (MAX_BYTES + 10) + b"\r\n")
    assert "552" in str(refused.value) or "Too much" in str(refused.value)
    assert fresh.truth()["counts"].get(CUSTOMER, {}).get("INBOX", 0) == 0


def test_the_smtp_server_refuses_strangers_relaying_and_forged_senders(
        fresh: MailSandbox) -> None:
    with smtplib.SMTP("127.0.0.1", fresh.smtp_port) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused):  # not signed on
            smtp.sendmail(FINANCE_MAILBOX, [CUSTOMER], b"Subject: x\r\n\r\nx\r\n")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(FINANCE_MAILBOX, "wrong")
    with smtplib.SMTP("127.0.0.1", fresh.smtp_port) as smtp:
        smtp.login(FINANCE_MAILBOX, FINANCE_PASSWORD)
        with pytest.raises(smtplib.SMTPSenderRefused):
            smtp.sendmail("ceo@northwind.example", [CUSTOMER], b"Subject: x\r\n\r\nx\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail(FINANCE_MAILBOX, ["someone@elsewhere.example"],
                          b"Subject: x\r\n\r\nx\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail(FINANCE_MAILBOX, ["nobody@northwind.example"],
                          b"Subject: x\r\n\r\nx\r\n")
    with pytest.raises(ApplicationFailure) as failure:
        fresh.customer(CUSTOMER).send(FINANCE_MAILBOX, "customers do not send here", "x")
    assert failure.value.code == "MAIL_LOGIN_FAILED"

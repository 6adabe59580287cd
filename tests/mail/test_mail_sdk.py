"""``ctx.mail``: a bot's mailbox from the vault, its steps (never the password), safe
parsing of what customers send, and the in-memory fake for bot unit tests."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from mailsandbox import MailSandbox

from bots.runtime import MemoryBackend, RunContext
from bots.runtime.errors import ApplicationFailure, BusinessFailure
from bots.runtime.mail_message import parse_message
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox


def test_a_run_sends_and_reads_with_every_call_a_step_and_no_password(
        fresh: MailSandbox, tmp_path: Path) -> None:
    with RunContext("r1", tmp_path / "run", vault=fresh.vault(tmp_path)) as ctx:
        mailbox = ctx.mail("mail/finance")
        assert ctx.mail("mail/finance") is mailbox
        inbox = mailbox.messages(unseen_only=True)
        message_id = mailbox.send(customer_mailbox("C2005"), "Your statement", "See attached.",
                                  attachments=[("statement.csv", b"INV;open\n", "text/csv")],
                                  reference="STMT-C2005-20261120")
        assert mailbox.sent_with_reference("STMT-C2005-20261120") is not None
        with pytest.raises(BusinessFailure):
            mailbox.send("not an address", "x", "x")
        steps = [(s.action, s.outcome) for s in ctx.recorder.steps]
    assert steps == [("mail.read", "ok"), ("mail.send", "ok"), ("mail.sent_lookup", "ok"),
                     ("mail.send", "failed")]
    recorded = (tmp_path / "run" / "steps.jsonl").read_text()
    assert FINANCE_PASSWORD not in recorded
    first, sent = (json.loads(line) for line in recorded.splitlines()[:2])
    assert first["data"]["count"] == len(inbox) and first["app"] == "mail/finance"
    assert sent["data"]["message_id"] == message_id  # address, ports and ids stay readable
    assert sent["data"]["to"] == customer_mailbox("C2005")
    assert sent["data"]["attachments"] == [{"name": "statement.csv", "bytes": 9,
                                            "mime": "text/csv"}]
    assert not list((tmp_path / "run").glob("screenshots/*"))  # a mail step has no page


def test_a_wrong_password_is_an_application_failure_without_the_password(
        fresh: MailSandbox, tmp_path: Path) -> None:
    vault = fresh.vault(tmp_path)
    cred = vault.get("mail/finance")
    fields = {**{f: cred[f] for f in cred.fields}, "password": "Wrong#Secret-99"}
    vault.set("mail/finance", fields)
    with RunContext("r2", tmp_path / "run", vault=vault) as ctx, \
            pytest.raises(ApplicationFailure) as failure:
        ctx.mail("mail/finance").messages()
    assert failure.value.code == "MAIL_LOGIN_FAILED"
    assert "Wrong#Secret-99" not in (tmp_path / "run" / "steps.jsonl").read_text()


def test_what_a_customer_sends_is_parsed_safely() -> None:
    msg = EmailMessage()
    msg["From"] = "=?utf-8?q?M=C3=BCller?= <ap.c2001@customers.example>"
    msg["To"] = FINANCE_MAILBOX
    msg["Subject"] = "=?utf-8?q?Zahlung_f=C3=BCr_INV-2026-0711?="
    msg["Date"] = "Thu, 19 Nov 2026 14:03:00 +0100"
    msg.set_content("<html><body><p>Wir zahlen am 30.11.</p><script>steal()</script>"
                    "<style>p{}</style></body></html>", subtype="html")
    msg.add_attachment(b"A" * 2000, maintype="application", subtype="pdf",
                       filename="../../etc/passwd.pdf")
    parsed = parse_message(msg.as_bytes(), uid="7", max_attachment_bytes=1000)
    assert parsed.subject == "Zahlung für INV-2026-0711"
    assert parsed.sender == "ap.c2001@customers.example"
    assert parsed.date == dt.datetime(2026, 11, 19, 13, 3, tzinfo=dt.UTC)
    assert parsed.text == "Wir zahlen am 30.11."  # no script, no style
    assert parsed.attachments == () and parsed.omitted == ("passwd.pdf",)
    broken = (b"From: ap.c2003@customers.example\r\nSubject: =?x-unknown?q?abc?=\r\n"
              b"Date: not a date\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
              b"caf\xe9 ok\r\n")
    odd = parse_message(broken, internal_date=dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC))
    assert odd.text.startswith("caf") and odd.text.endswith("ok\n")
    assert odd.date == dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)


def test_the_in_memory_backend_offers_a_fake_mailbox(tmp_path: Path) -> None:
    backend = MemoryBackend()
    fake = backend.add_mailbox("mail/finance", FINANCE_MAILBOX)
    reply = EmailMessage()
    reply["From"], reply["Subject"] = customer_mailbox("C2002"), "RE: reminder"
    reply.set_content("We will pay on 27 November.")
    fake.deliver(reply)
    with RunContext("r3", tmp_path / "run", backend=backend) as ctx:
        mailbox = ctx.mail("mail/finance")
        [got] = mailbox.messages(unseen_only=True)
        assert got.text.strip() == "We will pay on 27 November."
        mailbox.send(customer_mailbox("C2002"), "Thank you", "Noted.", reference="ACK-1")
        assert mailbox.sent_with_reference("ACK-1") is not None
        mailbox.move(got.uid, "Processed")
        assert mailbox.messages() == [] and len(mailbox.messages("Processed")) == 1
        fake.unavailable_for(1)
        with pytest.raises(ApplicationFailure):
            mailbox.messages()
    assert [m["Subject"] for m in fake.outbox] == ["Thank you"]

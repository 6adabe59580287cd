"""Remittance advices attached to mails of the finance mailbox (in-memory backend and
mailbox, an ERP of four open invoices): an advice mail that fits no payment yet waits in
``Remittances``, the customers' replies stay in the INBOX, the advice allocates its payment
when it comes and its mail is filed; it is never applied twice."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from learning_files import write_statement
from test_advice_intake import Erp

from bots.cashapp.matching import MatchingConfig
from bots.payment_posting import BOT
from bots.payment_posting.advice_mail import MailAdvices
from bots.payment_posting.intake import QUEUE, produce
from bots.runtime import MemoryBackend, RunContext

ADVICE = ("Payer;Granite Tools Inc.\nPayment date;2026-11-19\nPayment amount;1.600,00\n"
          "Currency;EUR\n\nInvoice number;Amount paid\nINV-2026-1020;700,00\n"
          "INV-2026-1021;900,00\n")


def _mail(subject: str, attachments: dict[str, bytes], message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = "ap.c1007@customers.example", "ar@northwind.example"
    msg["Subject"], msg["Message-ID"] = subject, message_id
    msg.set_content("Please see the attachment.")
    for name, content in attachments.items():
        msg.add_attachment(content, maintype="text", subtype="csv", filename=name)
    return msg


def _payment(ref: str) -> dict[str, str]:
    return {"bank_reference": ref, "amount": "1600.00", "counterparty_name": "GRANITE TOOLS INC",
            "remittance_text": "REMITTANCE TO FOLLOW"}


class Intake:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.backend, self.runs = tmp, MemoryBackend(), 0
        self.box = self.backend.add_mailbox("mail/finance", "ar@northwind.example")

    def run(self, *payments: dict[str, str]) -> dict[str, Any]:
        self.runs += 1
        with RunContext(self.runs, self.tmp / f"run{self.runs}", bot=BOT,
                        backend=self.backend) as ctx:
            path = write_statement(self.tmp / f"stmt{self.runs}.csv", payments)
            return produce(ctx, ctx.queue(QUEUE), statement_file=path,
                           day=dt.date(2026, 11, 20), fmt="csv", bank=None,  # type: ignore[arg-type]
                           erp=Erp(self.tmp), config=MatchingConfig(),  # type: ignore[arg-type]
                           quarantine_dir=self.tmp / "quarantine",
                           advice_mail=MailAdvices(ctx.mail("mail/finance"),
                                                   self.tmp / "quarantine"))

    def item(self, ref: str) -> Any:
        found = [i for i in self.backend.items.values() if i.reference == ref]
        return found[-1] if found else None

    def folder(self, name: str) -> list[str | None]:
        return [m.message_id for m in self.box.messages(name)]


def test_an_advice_mail_waits_for_its_payment_and_is_applied_once(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    intake.box.deliver(_mail("Remittance advice", {"granite.csv": ADVICE.encode()}, "<a1@x>"))
    intake.box.deliver(_mail("Re: Payment reminder", {"advice.csv": ADVICE.encode()}, "<r1@x>"))

    first = intake.run({**_payment("OTHER-1"), "amount": "640.00",
                        "remittance_text": "INV-2026-1019"})

    assert first["advice_mails"] == {"linked": 0, "to_a_person": 0, "waiting": 1}
    assert intake.folder("Remittances") == ["<a1@x>"]
    assert intake.folder("INBOX") == ["<r1@x>"]  # a reply: the collections bot's

    second = intake.run(_payment("REF-1"))

    payload = intake.item("REF-1").payload
    assert payload["rule"] == "remittance_advice"
    assert [(a["invoice_number"], a["amount"]) for a in payload["allocations"]] == [
        ("INV-2026-1020", "700.00"), ("INV-2026-1021", "900.00")]
    assert (payload["advice_mail"]["message_id"], payload["advice_mail"]["file"]) == (
        "<a1@x>", "granite.csv")
    assert (tmp_path / "run2" / payload["advice_mail"]["advice"]).read_text() == ADVICE
    assert second["advice_mails"]["linked"] == 1
    assert intake.folder("Remittances linked") == ["<a1@x>"]

    intake.run(_payment("REF-2"))  # the same amount again: the advice was used

    assert intake.item("REF-2").payload["rule"] != "remittance_advice"


def test_a_mail_with_one_bad_advice_goes_to_a_person_whole(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    bad = ADVICE.replace("900,00", "nine hundred")
    intake.box.deliver(_mail("Payment advice", {"good.csv": ADVICE.encode(),
                                                "bad.csv": bad.encode()}, "<a2@x>"))

    summary = intake.run(_payment("REF-1"))

    assert summary["advice_mails"] == {"linked": 0, "to_a_person": 1, "waiting": 0}
    assert intake.folder("Needs a person") == ["<a2@x>"]
    assert intake.item("REF-1").payload["rule"] != "remittance_advice"
    reason = (tmp_path / "quarantine" / "bad.csv.error.txt").read_text()
    assert "location: line 8" in reason and "nine hundred" in reason

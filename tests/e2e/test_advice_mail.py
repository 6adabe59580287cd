"""A remittance advice mailed to the finance mailbox decides a payment's allocation, end to
end: the real bot against the sandbox's mail server and ERP.

Fjord Marine paid 2,000.00 without a reference and has two open invoices of that amount
(the scenario's P07, a case for the engine alone); its advice waits in the mailbox, filed
to ``Remittances`` as the collections bot files it. A second advice mail whose CSV cannot
be read sits in the INBOX beside the customers' replies. One run posts the payment by the
advice's lines and files both mails; a rerun changes nothing.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bots.runtime.mail import Mailbox, MailSettings
from orchestrator.runner import run_bot
from sandbox.credentials import mail_entry
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.remittances import expected_remittances
from sandbox.mail.replies import expected_replies
from sandbox.remittances_check import advised, compare_remittances
from sandbox.scenario import PAYMENTS, STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
HEADER = ("booking_date,value_date,amount,direction,currency,bank_reference,end_to_end_id,"
          "counterparty_name,counterparty_iban,creditor_reference,remittance_text")
P07 = next(p for p in PAYMENTS if p.key == "P07")
BROKEN = ("Payer,Granite Tools Inc.\nPayment amount,99.00\n\nInvoice number,Amount paid\n"
          "INV-2026-1019,ninety-nine\n")


def _folders(sandbox: Any) -> dict[str, str]:
    rows = sandbox.truth("sandbox_mail")["mailboxes"][FINANCE_MAILBOX]
    return {r["subject"]: r["folder"] for r in rows if r["folder"] != "Sent"}


def test_an_advice_mail_posts_its_payment_a_broken_one_goes_to_a_person(
        home: Any, sandbox: Any, tmp_path: Path) -> None:
    statement = tmp_path / "statement.csv"
    statement.write_text(f"{HEADER}\n2026-11-20,2026-11-20,{P07.amount},CRDT,EUR,"
                         f"{P07.bank_reference},,{P07.counterparty_name},"
                         f"{P07.counterparty_iban},,\n")
    mailbox = Mailbox(MailSettings.from_fields(mail_entry(sandbox.urls["sandbox_mail"])))
    (advice,) = expected_remittances()
    seeded = next(m for m in mailbox.messages() if m.message_id == advice.message_id)
    mailbox.move(seeded.uid, "Remittances")  # where the collections bot files it
    mailbox.send(FINANCE_MAILBOX, "Remittance advice 19.11.2026", "Our advice attached.",
                 attachments=[("granite_advice.csv", BROKEN.encode(), "text/csv")])
    args = {"statement_file": str(statement), "advice_mailbox": "true",
            "update_portal": "false"}

    outcome = run_bot("payment-posting", args)

    assert outcome.status == "successful", outcome.error
    (posting,) = sandbox.truth("legacy_erp")["postings"]
    assert (posting["bank_reference"], posting["customer_id"]) == (P07.bank_reference, "C1006")
    assert [(ln["invoice_number"], ln["amount"]) for ln in posting["lines"]] == [
        ("INV-2026-1010", "2000.00")]
    folders = _folders(sandbox)
    assert folders["Remittance advice - payment of 20.11.2026"] == "Remittances linked"
    assert folders["Remittance advice 19.11.2026"] == "Needs a person"
    replies = [r for r in sandbox.truth("sandbox_mail")["mailboxes"][FINANCE_MAILBOX]
               if r["message_id"] in {e.message_id for e in expected_replies()}]
    assert {r["folder"] for r in replies} == {"INBOX"}  # the replies: the collections bot's
    reason = (home.runs / "quarantine" / "granite_advice.csv.error.txt").read_text()
    assert "location: line 5" in reason and "ninety-nine" in reason
    (item,) = home.store().list_items("payment-posting", reference=P07.bank_reference)
    assert item.payload["rule"] == "remittance_advice"
    named = item.payload["advice_mail"]
    assert (named["message_id"], named["file"]) == (advice.message_id, advice.file)
    assert advice.message_id.encode() in (outcome.run_dir / named["mail"]).read_bytes()
    assert (outcome.run_dir / named["advice"]).read_bytes().startswith(b"PK")
    erp, mail = sandbox.truth("legacy_erp"), sandbox.truth("sandbox_mail")
    assert compare_remittances(mail) == []
    assert advised(build_scenario(), mail).expected_exceptions().get(P07.bank_reference) is None

    again = run_bot("payment-posting", args)

    assert again.status == "successful", again.error
    assert sandbox.truth("legacy_erp")["postings"] == erp["postings"]
    assert _folders(sandbox) == folders
    assert Counter(i.state for i in home.store().list_items("payment-posting")) == {
        "successful": 1}


def test_the_days_run_with_the_mailbox_leaves_what_the_sandbox_check_expects(
        home: Any, sandbox: Any) -> None:
    """The day's statement read with the mailbox, as the demo runs it: the payment its
    advice mail settles is posted, every other payment as the scenario says."""
    outcome = run_bot("payment-posting", {"date": STATEMENT_DATE.isoformat(),
                                          "advice_mailbox": "true"})

    assert outcome.status == "successful", outcome.error
    assert sandbox.check() == []
    cases = home.store().list_cases(run_id=outcome.run_id)
    expected = build_scenario().expected_exceptions()
    assert {c.reference: c.reason_code for c in cases} == {
        ref: reason for ref, reason in expected.items() if ref != P07.bank_reference}
    assert _folders(sandbox)["Remittance advice - payment of 20.11.2026"] == (
        "Remittances linked")

"""``finbots sandbox`` with the mail target: the outage knob, reset, truth and what
``check`` says about the mailboxes."""

from __future__ import annotations

import imaplib
import json
import smtplib

from mailsandbox import MailSandbox
from typer.testing import CliRunner

from sandbox import cli
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.mail.check import compare_mail, mail_counts
from sandbox.scenario import build_scenario


def test_the_outage_knob_reset_and_truth_from_the_command_line(fresh: MailSandbox) -> None:
    runner = CliRunner()
    mail = ["--app", "mail", "--mail", fresh.url]
    result = runner.invoke(cli.app, ["faults", "--mail-outage", "20", *mail])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.split(None, 1)[1])["outage_s"] > 0
    result = runner.invoke(cli.app, ["faults", "--mail-outage", "0", *mail])
    assert json.loads(result.output.split(None, 1)[1])["outage_s"] == 0
    assert len(fresh.finance().messages()) > 0  # serving again
    fresh.finance().send(customer_mailbox("C2009"), "Reminder", "text", reference="CLI-1")
    assert runner.invoke(cli.app, ["reset", *mail]).exit_code == 0
    result = runner.invoke(cli.app, ["truth", *mail])
    truth = json.loads(result.output)
    assert truth["counts"][FINANCE_MAILBOX] == {"INBOX": len(truth["mailboxes"][
        FINANCE_MAILBOX])}
    assert not truth["counts"].get(customer_mailbox("C2009"), {}).get("INBOX")
    result = runner.invoke(cli.app, ["faults", "--mail-outage", "5", "--app", "erp",
                                     "--erp", "http://127.0.0.1:9"])
    assert result.exit_code != 0 and "mail" in result.output


def test_check_counts_mail_and_names_a_message_delivered_twice(fresh: MailSandbox) -> None:
    scenario = build_scenario()
    assert compare_mail(fresh.truth(), scenario) == []
    raw = (f"From: {FINANCE_MAILBOX}\r\nTo: {customer_mailbox('C2004')}\r\n"
           "Subject: Reminder\r\nMessage-ID: <DUN-C2004-L1-20261120@northwind.example>\r\n"
           "\r\ntext\r\n").encode()
    with smtplib.SMTP("127.0.0.1", fresh.smtp_port) as smtp:
        smtp.login(FINANCE_MAILBOX, FINANCE_PASSWORD)
        for _ in range(2):
            smtp.sendmail(FINANCE_MAILBOX, [customer_mailbox("C2004")], raw)
    truth = fresh.truth()
    assert f"{customer_mailbox('C2004')}: INBOX 2" in mail_counts(truth)
    problems = compare_mail(truth, scenario)
    assert any(customer_mailbox("C2004") in p and "2 times" in p for p in problems)
    # a seeded reply moved to a folder is still there; one deleted is named
    fresh.post("/_sandbox/reset")
    finance = fresh.finance()
    first, second = finance.messages()[:2]
    finance.move(first.uid, "Processed")
    assert compare_mail(fresh.truth(), scenario) == []
    imap = imaplib.IMAP4("127.0.0.1", fresh.imap_port)
    imap.login(FINANCE_MAILBOX, FINANCE_PASSWORD)
    imap.select("INBOX")
    imap.uid("STORE", second.uid, "+FLAGS", "(\\Deleted)")
    imap.expunge()
    imap.logout()
    problems = compare_mail(fresh.truth(), scenario)
    assert len(problems) == 1 and str(second.message_id) in problems[0]

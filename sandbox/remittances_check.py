"""What ``finbots sandbox check`` says about the remittance advices mailed to the finance
mailbox (:mod:`sandbox.mail.remittances`).

Until cash application links the advice mail, its payment is expected to be a case, as the
scenario says (a posting of it is named). Once the payment-posting bot linked it (``--arg
advice_mailbox=true``: the mail is filed in ``Remittances linked``), the payment is
expected posted by the advice's lines, once; a readable advice sent to a person is named.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bots.payment_posting.advice_mail import LINKED_FOLDER, PERSON_FOLDER
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.remittances import ExpectedRemittance, expected_remittances
from sandbox.scenario import ExpectedPosting, Payment, Scenario

__all__ = ["advised", "compare_remittances"]


def _folder(mail: dict[str, Any] | None, message_id: str) -> str | None:
    rows = (mail or {}).get("mailboxes", {}).get(FINANCE_MAILBOX, [])
    return next((str(m["folder"]) for m in rows if m.get("message_id") == message_id), None)


def _payment(scenario: Scenario, e: ExpectedRemittance) -> Payment | None:
    return next((p for p in scenario.payments if p.key == e.payment_key), None)


def advised(scenario: Scenario, mail: dict[str, Any] | None) -> Scenario:
    """The scenario with the payment of each advice mail cash application linked (filed
    in ``Remittances linked``) expected posted by the advice's lines instead of becoming
    a case. Without the mailbox's truth nothing changes: a posting of such a payment is
    then one the scenario does not expect."""
    payments = list(scenario.payments)
    for e in expected_remittances():
        payment = _payment(scenario, e)
        if payment is None or _folder(mail, e.message_id) != LINKED_FOLDER:
            continue
        payments[payments.index(payment)] = dataclasses.replace(
            payment, expected_posting=ExpectedPosting(e.lines), expected_reason=None)
    return dataclasses.replace(scenario, payments=payments)


def compare_remittances(mail: dict[str, Any] | None) -> list[str]:
    """A readable seeded advice mail sent to a person (nothing without the mail server's
    truth). A linked one whose payment is not posted by its lines, and a payment posted
    while its advice mail was not linked, are named by the ERP's comparison."""
    problems = []
    for e in expected_remittances():
        where = _folder(mail, e.message_id)
        if where == PERSON_FOLDER:
            problems.append(f"advice mail {e.key} ({e.customer_id}, {e.file}) in {where}, "
                            "expected read: its advice is readable")
    return problems

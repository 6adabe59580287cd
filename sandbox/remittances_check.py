"""What ``finbots sandbox check`` says about the remittance advices mailed to the finance
mailbox (:mod:`sandbox.mail.remittances`).

Until cash application reads the advice mail, its payment is expected to be a case, as the
scenario says. Once the payment-posting bot read it (``--arg advice_mailbox=true``), the
payment is expected posted by the advice's lines, once, and the mail filed in
``Remittances linked``; a readable advice sent to a person, or a payment posted by the
bot while its advice mail is still waiting, is named. A person's resolution of the case
(a posting with its own reference) stays judged as any resolution is.
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


def _bot_posted(erp: dict[str, Any], payment: Payment) -> bool:
    return any(p["bank_reference"] == payment.bank_reference and not p.get("our_ref")
               for p in erp.get("postings", []))


def _payment(scenario: Scenario, e: ExpectedRemittance) -> Payment | None:
    return next((p for p in scenario.payments if p.key == e.payment_key), None)


def _read(e: ExpectedRemittance, payment: Payment, erp: dict[str, Any],
          mail: dict[str, Any] | None) -> bool:
    return _folder(mail, e.message_id) == LINKED_FOLDER or _bot_posted(erp, payment)


def advised(scenario: Scenario, erp: dict[str, Any], mail: dict[str, Any] | None) -> Scenario:
    """The scenario with the payment of each advice mail cash application read expected
    posted by the advice's lines instead of becoming a case."""
    payments = list(scenario.payments)
    for e in expected_remittances():
        payment = _payment(scenario, e)
        if payment is None or not _read(e, payment, erp, mail):
            continue
        payments[payments.index(payment)] = dataclasses.replace(
            payment, expected_posting=ExpectedPosting(e.lines), expected_reason=None)
    return dataclasses.replace(scenario, payments=payments)


def compare_remittances(erp: dict[str, Any], mail: dict[str, Any] | None,
                        scenario: Scenario) -> list[str]:
    """The advice mails' folders against their payments' postings (nothing without the
    mail server's truth)."""
    if mail is None:
        return []
    problems = []
    for e in expected_remittances():
        payment, where = _payment(scenario, e), _folder(mail, e.message_id)
        if payment is None:
            continue
        if where == PERSON_FOLDER:
            problems.append(f"advice mail {e.key} ({e.customer_id}, {e.file}) in {where}, "
                            "expected read: its advice is readable")
        elif _bot_posted(erp, payment) and where != LINKED_FOLDER:
            problems.append(f"advice mail {e.key} ({e.customer_id}) in {where or 'no folder'}"
                            f", expected in {LINKED_FOLDER}: {payment.bank_reference} "
                            f"({payment.key}) is posted")
    return problems

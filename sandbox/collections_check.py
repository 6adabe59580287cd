"""What ``finbots sandbox check`` says about the dunning run: the reminders in the mail
server and the ERP's notes against the seeded month's expected outcome
(:mod:`sandbox.collections_scenario`).

Nothing is checked before the collections bot ran (no reminder note or message of the
month's as-of date yet). Afterwards: each expected reminder is in the customer's INBOX
once, in the finance mailbox's Sent folder once, with the statement PDF from level 2 on,
and noted in the ERP once; no other reminder of that date exists (a customer the month
skips, e.g. one whose items are disputed, got none); the last level's dunning blocks are set.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from sandbox.collections_scenario import build_month
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.scenario import Scenario

__all__ = ["compare_collections"]

HEADER = "x-finbots-reference"


def _reference(message: dict[str, Any]) -> str:
    headers = {k.lower(): v for k, v in (message.get("headers") or {}).items()}
    return str(headers.get(HEADER, ""))


def _mail_problems(mail: dict[str, Any], month: Any, suffix: str) -> list[str]:
    problems = []
    boxes: dict[str, list[dict[str, Any]]] = mail.get("mailboxes", {})
    sent = Counter(_reference(m) for m in boxes.get(FINANCE_MAILBOX, [])
                   if m["folder"] == "Sent")
    expected = {r.reference: r for r in month.reminders}
    for ref, r in sorted(expected.items()):
        got = [m for m in boxes.get(r.to, []) if _reference(m) == ref]
        if len(got) != 1:
            problems.append(f"mail: reminder {ref} in {r.to} {len(got)} time(s), expected once")
        elif r.level >= 2 and not any(a.endswith(".pdf") for a in got[0]["attachments"]):
            problems.append(f"mail: reminder {ref} without the account statement (PDF)")
        if sent[ref] != 1:
            problems.append(f"mail: reminder {ref} in {FINANCE_MAILBOX} Sent {sent[ref]} "
                            "time(s), expected once")
    for ref in sorted(r for r in sent if r.endswith(suffix) and r not in expected):
        problems.append(f"mail: reminder {ref} sent, the month expects none for that "
                        f"customer ({month.skipped.get(ref.split('-')[1], 'not overdue')})")
    return problems


def _promised_since(erp: dict[str, Any], month: Any, noted: Counter[str]) -> dict[str, str]:
    """Expected reminders no longer due because the customer's reply promised payment: a
    promise to pay taken from the mail (the replies phase), still open, covering every
    invoice of the reminder, which was not sent before it (no reminder note). The day's
    order is replies first, then dunning; a reminder sent before the reply was read stays
    expected."""
    covered: dict[str, set[str]] = {}
    for p in erp.get("promises", []):
        if p.get("source") == "mail" and p.get("status") == "open":
            numbers = {n.strip() for n in str(p.get("invoices", "")).split(",") if n.strip()}
            covered.setdefault(p["customer_id"], set()).update(numbers)
    return {r.reference: r.customer_id for r in month.reminders
            if noted[r.reference] == 0 and set(r.invoices) <= covered.get(r.customer_id, set())}


def compare_collections(erp: dict[str, Any], mail: dict[str, Any] | None,
                        scenario: Scenario) -> list[str]:
    month = build_month(scenario)
    suffix = f"-{month.as_of:%Y%m%d}"
    notes = Counter(n["reference"] for n in erp.get("collection_notes", [])
                    if n["note_type"] == "reminder" and n["reference"].endswith(suffix))
    in_mail = mail is not None and any(
        _reference(m).endswith(suffix) for box in mail.get("mailboxes", {}).values()
        for m in box)
    if not notes and not in_mail:
        return []  # the collections bot has not run on the month yet
    problems = []
    promised = _promised_since(erp, month, notes)
    if promised:
        month = dataclasses.replace(
            month, reminders=tuple(r for r in month.reminders if r.reference not in promised),
            skipped={**month.skipped, **dict.fromkeys(promised.values(), "PROMISED")})
    expected = {r.reference: r for r in month.reminders}
    for ref in sorted(expected):
        if notes[ref] != 1:
            problems.append(f"{ref}: noted {notes[ref]} time(s) in the ERP, expected once")
    for ref in sorted(set(notes) - set(expected)):
        customer = ref.split("-")[1]
        problems.append(f"{ref}: noted in the ERP, the month expects no reminder for "
                        f"{customer} ({month.skipped.get(customer, 'not overdue')})")
    blocked = {m["customer_id"] for m in erp.get("customer_master", []) if m["dunning_block"]}
    for customer in month.dunning_blocks_set:
        if customer not in blocked:
            problems.append(f"{customer}: not blocked from dunning after its final reminder")
    if mail is not None:
        problems += _mail_problems(mail, month, suffix)
    return problems

"""What ``finbots sandbox check`` says about the mail server: counts, and what is wrong.

:func:`mail_counts` are lines for people (messages per mailbox and folder);
:func:`compare_mail` lists differences from the scenario: a seeded customer reply or
remittance advice mail that is no longer in any folder of the finance mailbox, a message
delivered more than once (same Message-ID twice in one folder of one mailbox).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.remittances import seeded_inbox
from sandbox.scenario import Scenario

__all__ = ["compare_mail", "mail_counts"]


def mail_counts(truth: dict[str, Any]) -> list[str]:
    """``ar@northwind.example: INBOX 8, Sent 3`` for each mailbox holding mail."""
    lines = []
    for address, folders in sorted(truth.get("counts", {}).items()):
        if any(folders.values()):
            lines.append(f"{address}: " + ", ".join(f"{name} {n}" for name, n in
                                                      sorted(folders.items()) if n))
    total = sum(sum(f.values()) for f in truth.get("counts", {}).values())
    return [*lines, f"mail: {total} message(s) in {len(lines)} mailbox(es)"]


def compare_mail(truth: dict[str, Any], scenario: Scenario) -> list[str]:
    """Differences between the mailboxes and what the scenario allows."""
    problems = []
    boxes: dict[str, list[dict[str, Any]]] = truth.get("mailboxes", {})
    finance_ids = {m["message_id"] for m in boxes.get(FINANCE_MAILBOX, [])}
    for reply in seeded_inbox(scenario):
        if reply["Message-ID"] not in finance_ids:
            problems.append(f"mail: seeded mail {reply['Message-ID']} ({reply['Subject']}) "
                            f"is in no folder of {FINANCE_MAILBOX}")
    for address, rows in sorted(boxes.items()):
        twice = Counter((r["folder"], r["message_id"]) for r in rows if r["message_id"])
        for (folder, message_id), n in sorted(twice.items()):
            if n > 1:
                problems.append(f"mail: {address} {folder} holds {message_id} {n} times")
    return problems

"""What ``finbots sandbox check`` says about the replies phase of the collections bot: the
ERP and the finance mailbox against the seeded replies' expected reading
(:func:`sandbox.mail.replies.expected_replies`).

Nothing is checked before the phase ran (every seeded reply still in the INBOX and no
promise or note carries one's Message-ID). Afterwards: each reply is filed (an unreadable
one in ``Needs a person``, the others in ``Processed``); each promise is in the ERP once
(for a promise the collector had entered already, no second one), with its date, amount and
invoices; an already-paid or dispute reply is noted once; a promise whose date has passed
with nothing paid is set broken.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.replies import expected_replies
from sandbox.scenario import STATEMENT_DATE

__all__ = ["compare_replies"]

DONE, PERSON = "Processed", "Needs a person"


def _folders(mail: dict[str, Any] | None) -> dict[str, str]:
    if mail is None:
        return {}
    return {str(m["message_id"]): str(m["folder"])
            for m in mail.get("mailboxes", {}).get(FINANCE_MAILBOX, []) if m.get("message_id")}


def compare_replies(erp: dict[str, Any], mail: dict[str, Any] | None) -> list[str]:
    expected = expected_replies()
    ids = {e.message_id for e in expected}
    promises = erp.get("promises", [])
    notes = Counter(n["reference"] for n in erp.get("collection_notes", []))
    folders = _folders(mail)
    ran = (any(p.get("reference") in ids for p in promises) or any(notes[i] for i in ids)
           or any(f in (DONE, PERSON) for i, f in folders.items() if i in ids))
    if not ran:
        return []  # the replies phase has not run yet
    problems = []
    for e in expected:
        where = folders.get(e.message_id)
        want = PERSON if e.kind == "unreadable" else DONE
        if mail is not None and where != want:
            shown = where or "no folder"
            problems.append(f"reply {e.key} ({e.customer_id}, {e.kind}) in {shown}, "
                            f"expected in {want}")
        if e.kind == "promise":
            same = [p for p in promises if p["customer_id"] == e.customer_id
                    and p["promised_date"] == (e.date.isoformat() if e.date else "")
                    and Decimal(p["amount"]) == e.amount
                    and sorted(p["invoices"].split(",")) == sorted(e.invoices)]
            if len(same) != 1:
                problems.append(f"reply {e.key}: the promise of {e.customer_id} ({e.amount} "
                                f"by {e.date}) is in the ERP {len(same)} time(s), expected once")
            elif e.date and e.date < STATEMENT_DATE and same[0]["status"] != "broken":
                problems.append(f"reply {e.key}: the promise of {e.customer_id} due {e.date} "
                                f"is {same[0]['status']}, expected broken (nothing paid)")
        elif e.kind in ("already_paid", "dispute") and notes[e.message_id] != 1:
            problems.append(f"reply {e.key} ({e.customer_id}, {e.kind}) noted "
                            f"{notes[e.message_id]} time(s) in the ERP, expected once")
    return problems

"""Statements whose balances do not add up: a reconciliation case, not a refusal.

Such a statement is never taken in on its own. It becomes one item of the review queue
(:data:`REVIEW_QUEUE`, reference ``statement:<account>/<id>/<sequence>#<content>``) which
fails ``STATEMENT_OUT_OF_BALANCE``: one exception case showing the balances, the difference
and the entries. A rerun adds nothing (the item holds the reference), so there is never a
second case and nothing of the statement is posted; a statement of the same id with other
content (the bank sent it again, still out of balance) is a new case. A person decides:

* ``accept_statement``: the next intake run takes the entries of the statement as the
  case shows them in as payments (work items), and the case resolves;
* ``reject_statement``: the next intake run moves the file into quarantine with the reason
  and remembers the rejection (the same statement is not offered again; a corrected one
  with the same id is taken in as usual).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements import Reconciliation, quarantine, statement_to_dict
from bots.payment_posting.case_types import (
    ACCEPT_STATEMENT,
    REJECT_STATEMENT,
    STATEMENT_OUT_OF_BALANCE,
)
from bots.runtime import BusinessFailure, RunContext, WorkQueue
from bots.runtime.errors import BalanceMismatchError

__all__ = ["ACCEPT", "OUT_OF_BALANCE", "REJECT", "REJECTED", "REVIEW_QUEUE", "fingerprint",
           "review_payload", "review_reference", "settle_reviews", "statement_from_dict"]

REVIEW_QUEUE = "payment-posting-statements"
OUT_OF_BALANCE = STATEMENT_OUT_OF_BALANCE
ACCEPT, REJECT = ACCEPT_STATEMENT.name, REJECT_STATEMENT.name
#: ``ctx.state`` namespace of statements a person rejected (key -> their fingerprint)
REJECTED = "rejected_statements"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def fingerprint(statement: Statement) -> str:
    """The statement's content (not the file it came from), to know it again."""
    data = statement_to_dict(statement)
    data.pop("source", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def review_reference(statement: Statement, key: str) -> str:
    """The review item's reference: the statement's key and the start of its fingerprint."""
    return f"statement:{key}#{fingerprint(statement)[:12]}"


def _row(entry: StatementEntry) -> dict[str, str]:
    sign = "" if entry.direction is Direction.CREDIT else "-"
    return {"entry": entry.entry_id, "booked": entry.booking_date.isoformat(),
            "amount": f"{sign}{_money(entry.amount)}", "currency": entry.currency,
            "counterparty": entry.counterparty_name or "",
            "reference": entry.creditor_reference or entry.end_to_end_id
            or entry.bank_reference, "text": entry.remittance_text}


def review_payload(statement: Statement, found: Reconciliation, key: str) -> dict[str, Any]:
    """The review item: the statement itself (taken in as it is when accepted), its
    balances and its entries as the case shows them."""
    return {
        "statement_key": key, "file": statement.source, "fingerprint": fingerprint(statement),
        "statement": statement_to_dict(statement),
        "balance": {"opening": _money(found.opening), "closing": _money(found.closing),
                    "entries_sum": _money(found.movement),
                    "expected_closing": _money(found.expected),
                    "difference": _money(found.difference)},
        "entries": [_row(e) for e in statement.entries],
    }


def statement_from_dict(data: dict[str, Any]) -> Statement:
    """The statement :func:`statement_to_dict` wrote (as a review item keeps it)."""
    def date(value: Any) -> dt.date | None:
        return None if value in (None, "") else dt.date.fromisoformat(str(value))

    def money(value: Any) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    entries = tuple(StatementEntry(
        entry_id=str(e["entry_id"]), amount=Decimal(str(e["amount"])), currency=e["currency"],
        direction=Direction(e["direction"]),
        booking_date=dt.date.fromisoformat(e["booking_date"]),
        value_date=dt.date.fromisoformat(e["value_date"]),
        bank_reference=str(e["bank_reference"]), end_to_end_id=e.get("end_to_end_id"),
        counterparty_name=e.get("counterparty_name"),
        counterparty_iban=e.get("counterparty_iban"),
        creditor_reference=e.get("creditor_reference"),
        remittance_text=e.get("remittance_text") or "") for e in data["entries"])
    created = data.get("created_at")
    return Statement(
        format=data["format"], statement_id=data["statement_id"], sequence=data.get("sequence"),
        account_iban=data["account_iban"], currency=data["currency"],
        opening_balance=money(data.get("opening_balance")),
        closing_balance=money(data.get("closing_balance")),
        created_at=None if not created else dt.datetime.fromisoformat(created),
        from_date=date(data.get("from_date")), to_date=date(data.get("to_date")),
        entries=entries, source=data.get("source") or "", encoding=data.get("encoding"))


def _failure(payload: dict[str, Any]) -> BusinessFailure:
    balance, statement = payload["balance"], payload["statement"]
    return BusinessFailure(
        OUT_OF_BALANCE,
        f"statement {statement['statement_id']} of {statement['account_iban'] or '-'}: "
        f"opening {balance['opening']} + entries {balance['entries_sum']} = "
        f"{balance['expected_closing']}, but the closing balance is {balance['closing']} "
        f"(difference {balance['difference']}); nothing of it is posted until a person "
        "accepts it", rule="opening + entries = closing",
        amount=abs(Decimal(balance["difference"])),
        evidence=[payload["file"]] if payload.get("file") else ())


def settle_reviews(ctx: RunContext, queue: WorkQueue, take_in: Callable[[Statement], int],
                   remember: Callable[[str, dict[str, Any]], None],
                   quarantine_dir: Path) -> dict[str, int]:
    """Work the review queue: a new statement opens its case; an accepted one is taken in
    with ``take_in`` (it returns the items added) and remembered with ``remember(key,
    record)``; a rejected one is quarantined and remembered as rejected."""
    counts = {"cases": 0, "accepted": 0, "rejected": 0, "new_items": 0}
    for item in queue.items():
        with item:
            decision = item.resolution
            payload = item.payload
            if decision is None:
                counts["cases"] += 1
                raise _failure(payload)
            key, by = payload["statement_key"], decision.get("by") or "a person"
            note = str((decision.get("values") or {}).get("note") or "")
            if decision["name"] == ACCEPT:
                added = take_in(statement_from_dict(payload["statement"]))
                remember(key, {"file": payload.get("file"), "accepted_by": by,
                               "difference": payload["balance"]["difference"]})
                counts["accepted"] += 1
                counts["new_items"] += added
                item.output = {"summary": f"statement accepted by {by}: {added} payments "
                               "taken in"}
            elif decision["name"] == REJECT:
                moved = _quarantine(payload, by, note, quarantine_dir)
                ctx.state(REJECTED).put(key, {"fingerprint": payload["fingerprint"],
                                              "rejected_by": by, "note": note,
                                              "quarantined": moved})
                counts["rejected"] += 1
                item.output = {"summary": f"statement rejected by {by}"
                               + (f", file quarantined as {moved}" if moved else "")}
            else:
                raise BusinessFailure(OUT_OF_BALANCE, f"{decision['name']} does not fit a "
                                      "statement out of balance")
    return counts


def _quarantine(payload: dict[str, Any], by: str, note: str, folder: Path) -> str | None:
    """Move the statement's file aside with the reason (None when it is gone already)."""
    path = Path(payload["file"]) if payload.get("file") else None
    if path is None or not path.exists():
        return None
    reason = (f"rejected by {by}" + (f": {note}" if note else "") + "; "
              f"difference {payload['balance']['difference']}")
    error = BalanceMismatchError(reason, file=str(path),
                                 location=f"statement {payload['statement']['statement_id']}")
    return str(quarantine(path, folder, error))

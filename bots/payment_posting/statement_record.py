"""Each imported bank statement as a record (``ctx.records``, kind ``bank_statement``), so
finance can reconcile it later: opening balance, closing balance and every entry, each
credit with the reference of the work item that carries it (its bank reference).

The record's key is the statement's key (``IBAN/statement id/sequence``). A statement of
many entries keeps them in parts (kind ``bank_statement_part``, key ``<key>#<n>``), so no
record grows past what one record holds; the statement's record says how many parts.
"""

from __future__ import annotations

from typing import Any

from bots.cashapp.model import Statement, StatementEntry
from bots.runtime import RunContext

__all__ = ["KIND", "PART_KIND", "PART_SIZE", "entry_row", "record_statement"]

KIND = "bank_statement"
PART_KIND = "bank_statement_part"
#: entries per record (a row is ~250 bytes of JSON: well under a record's limit)
PART_SIZE = 500
#: the work queue whose items carry the statement's credits
QUEUE = "payment-posting"


def entry_row(entry: StatementEntry) -> dict[str, Any]:
    """One entry as the record keeps it; ``item`` is the work item's reference (credits)."""
    return {
        "ref": entry.bank_reference,
        "entry_id": entry.entry_id,
        "amount": entry.amount,
        "credit": entry.is_credit,
        "value_date": entry.value_date,
        "booking_date": entry.booking_date,
        "payer": (entry.counterparty_name or "")[:140],
        "item": entry.bank_reference if entry.is_credit else None,
    }


def record_statement(ctx: RunContext, statement: Statement, key: str) -> None:
    """Write ``statement`` as a ``bank_statement`` record under ``key`` (a rerun of the
    same statement writes nothing new: the records are versioned by their content)."""
    rows = [entry_row(e) for e in statement.entries]
    parts = [rows[n:n + PART_SIZE] for n in range(0, len(rows), PART_SIZE)]
    data: dict[str, Any] = {
        "account": statement.account_iban.replace(" ", "").upper(),
        "statement_id": statement.statement_id,
        "sequence": statement.sequence,
        "format": statement.format,
        "currency": statement.currency,
        "opening": statement.opening_balance,
        "closing": statement.closing_balance,
        "from_date": statement.from_date,
        "to_date": statement.to_date,
        "file": statement.source.replace("\\", "/").rsplit("/", 1)[-1],
        "queue": QUEUE,
        "entry_count": len(rows),
    }
    if len(parts) <= 1:
        data["entries"] = rows
    else:
        data["parts"] = len(parts)
        for n, part in enumerate(parts, start=1):
            ctx.records.put(PART_KIND, f"{key}#{n}", {"entries": part})
    ctx.records.put(KIND, key, data)

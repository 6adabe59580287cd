"""Work-item payloads: a statement line and the matching decision, as JSON-safe dicts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from bots.cashapp.model import MatchResult, Statement, StatementEntry
from bots.payment_posting.learning import learned_payload
from bots.runtime import BusinessFailure


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value) if hasattr(value, "value") and not isinstance(value, str) else value


def work_item_payload(statement: Statement, entry: StatementEntry, result: MatchResult) -> dict:
    """What the posting step needs, and what a person needs to see if it stops."""
    return {
        "statement": {"id": statement.statement_id, "account": statement.account_iban,
                      "format": statement.format, "file": statement.source},
        "entry": _plain(entry),
        "decision": str(result.decision),
        "reason": str(result.reason) if result.reason else None,
        "rule": result.rule,
        "confidence": round(result.confidence, 4),
        "explanation": result.explanation,
        "customer_id": result.customer_id,
        "partial": result.partial,
        "allocations": _plain(list(result.allocations)),
        "candidates": _plain(list(result.candidates)),
        "learned": learned_payload(result.learned),
    }


def row_difference(alloc: dict[str, str]) -> tuple[Decimal, str]:
    """The difference an ERP receipt row closes and its reason code (0 when none).

    One row carries one difference: a write-off and a discount on the same invoice need a
    person (both ERP clients have a single difference column per row).
    """
    write_off, discount = Decimal(alloc["write_off"]), Decimal(alloc["discount"])
    if write_off and discount:
        raise BusinessFailure("ERP_FORM_LIMIT", f"{alloc['invoice_number']}: a write-off "
                              "and a discount on one invoice need a person")
    return (write_off, "BANK_CHARGES") if write_off else (discount, "CASH_DISCOUNT")

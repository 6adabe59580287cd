"""Statement intake (the producer): download, parse, match, one work item per payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from bots.cashapp.matching import (
    MatchingConfig,
    PostedPayment,
    load_open_items_csv,
    match_statement,
)
from bots.cashapp.model import Decision, Statement
from bots.cashapp.statements import StatementKey, check_balance, parse_file, quarantine
from bots.payment_posting.bank import BankSite
from bots.payment_posting.payload import work_item_payload
from bots.runtime import RunContext, WorkQueue
from bots.runtime.errors import StatementError

QUEUE = "payment-posting"
#: ``ctx.state`` namespace of the statements taken in (key: account/statement id/sequence)
IMPORTED = "statements"


class OpenItemsSource(Protocol):
    """An ERP adapter that exports the open items (the web ERP or its desktop client)."""

    def export_open_items(self) -> Path: ...


def read_statement(ctx: RunContext, path: Path, quarantine_dir: Path) -> Statement:
    """Parse and reconcile; a refused file is moved aside with the reason and re-raised."""
    with ctx.recorder.step("parse_statement", app="finbots", data={"file": path.name},
                           rule="opening + entries = closing") as st:
        try:
            statement = parse_file(path)
            check_balance(statement)
        except StatementError as exc:
            moved = quarantine(path, quarantine_dir, exc)
            st.data["quarantined"] = str(moved)
            raise
        st.data.update(format=statement.format, statement_id=statement.statement_id,
                       entries=len(statement.entries))
    return statement


def statement_key(key: StatementKey) -> str:
    """The state key of a statement: ``IBAN/statement id/sequence`` (IBAN without spaces)."""
    account, statement_id, sequence = key
    return f"{account.replace(' ', '').upper()}/{statement_id}/{sequence or ''}"


def posted_history(queue: WorkQueue) -> list[PostedPayment]:
    """Payments posted by earlier runs, so a repeat payment is seen as a duplicate."""
    history = []
    for item in queue.history("successful"):
        entry = item.payload.get("entry", {})
        if item.payload.get("decision") != "post" or not entry:
            continue
        history.append(PostedPayment(
            entry["bank_reference"], dt.date.fromisoformat(entry["booking_date"]),
            Decimal(entry["amount"]), item.payload.get("customer_id"),
            tuple(a["invoice_number"] for a in item.payload.get("allocations", ())),
        ))
    return history


def produce(ctx: RunContext, queue: WorkQueue, *, statement_file: Path | None, day: dt.date,
            fmt: str, bank: BankSite, erp: OpenItemsSource, config: MatchingConfig,
            quarantine_dir: Path) -> dict[str, int]:
    """Add one work item per credit line of the statement (once per statement).

    The statement is ``statement_file`` when given (a file the bank delivered to an
    inbox folder), else the day's statement downloaded from the bank's site. A statement
    taken in before adds nothing and says so (``already_imported`` in the summary).
    """
    path = statement_file or bank.download_statement(day, fmt)
    statement = read_statement(ctx, path, quarantine_dir)
    key = StatementKey.of(statement)
    imported = ctx.state(IMPORTED)
    if imported.seen(statement_key(key)):
        ctx.log.info("statement {} was imported before: no new work items", key.statement_id)
        return {"entries": len(statement.entries), "new_items": 0, "already_imported": 1}
    open_items = load_open_items_csv(erp.export_open_items())
    with ctx.recorder.step("match_statement", app="finbots", rule="matching engine",
                           data={"entries": len(statement.entries),
                                 "open_items": len(open_items)}) as st:
        results = match_statement(statement.entries, open_items, config,
                                  posted_history=posted_history(queue))
        st.data["decisions"] = {d: sum(r.decision == d for r in results) for d in Decision}
    added = skipped = 0
    for entry, result in zip(statement.entries, results, strict=True):
        if result.decision is Decision.SKIP:
            skipped += 1
            continue
        added += queue.add(entry.bank_reference, work_item_payload(statement, entry, result))
    imported.put(statement_key(key), {"file": str(path), "statement_id": key.statement_id,
                                      "entries": len(statement.entries)})
    return {"entries": len(statement.entries), "new_items": added, "skipped": skipped}

"""Remittance advices that arrive apart from the payment, in a watched folder.

Customers send an advice (an Excel workbook, a PDF or a CSV file: which invoices a payment
pays) by mail or upload; it lands in the advice folder (``advice_folder``), read at every
run. The matching engine links an advice to its payment by payment reference, or by payer,
amount and payment date, and its invoice lines decide the allocation. An advice that
linked is moved to ``linked/`` beside it (with its payment's bank reference remembered); one
that did not stays for a later statement; one that cannot be read goes to the quarantine
folder with the reason (file and line) beside it, and the run goes on.

A payment the engine cannot decide may wait for its advice (``advice_wait_hours``): it is
kept aside and matched again at every run until an advice settles it or the time is up,
then it becomes a case like any other. Advices attached to mails in the finance mailbox
are read the same way (:mod:`bots.payment_posting.advice_mail`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.cashapp.model import (
    Decision,
    Direction,
    MatchResult,
    ReasonCode,
    RemittanceAdvice,
    Statement,
    StatementEntry,
)
from bots.cashapp.statements import parse_remittance_file, quarantine
from bots.runtime import RunContext
from bots.runtime.errors import StatementError

__all__ = ["ADVICE_SUFFIXES", "AdviceFolder", "Waiting"]

ADVICE_SUFFIXES = (".xlsx", ".pdf", ".csv")
#: the ``ctx.state`` namespace of advices linked and payments waiting for theirs
STATE = "advices"
#: exceptions an advice can settle: these may wait for one
WAITS_FOR_ADVICE = frozenset({ReasonCode.UNMATCHED, ReasonCode.AMBIGUOUS,
                              ReasonCode.SHORT_PAYMENT, ReasonCode.LOW_CONFIDENCE,
                              ReasonCode.UNKNOWN_PAYER})
MAX_ADVICE_FILES = 500


@dataclass
class AdviceFolder:
    """The advice files of one run (read once), and where they go afterwards."""

    folder: Path | None
    quarantine_dir: Path
    advices: list[RemittanceAdvice] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def read(self, ctx: RunContext) -> list[RemittanceAdvice]:
        if self.folder is None or not self.folder.is_dir():
            return []
        files = sorted(p for p in self.folder.iterdir()
                       if p.is_file() and p.suffix.lower() in ADVICE_SUFFIXES)
        with ctx.recorder.step("read_advices", app="finbots", data={"folder": str(self.folder)},
                               rule="every advice file of the folder") as st:
            for path in files[:MAX_ADVICE_FILES]:
                try:
                    self.advices.append(parse_remittance_file(path))
                except StatementError as exc:
                    moved = quarantine(path, self.quarantine_dir, exc)
                    self.refused.append(f"{path.name}: {exc}")
                    ctx.log.warning("advice {} quarantined to {}: {}", path.name, moved, exc)
            st.data.update(advices=len(self.advices), quarantined=self.refused,
                           left_for_next_run=max(0, len(files) - MAX_ADVICE_FILES))
        return self.advices

    def linked(self, ctx: RunContext, entry: StatementEntry, result: MatchResult) -> None:
        """Move the advice a posting was allocated by into ``linked/`` (used once)."""
        if self.folder is None or result.rule != "remittance_advice":
            return
        if result.decision is not Decision.POST:
            return
        numbers = sorted(a.invoice_number for a in result.allocations)
        for advice in list(self.advices):
            if sorted(ln.invoice_number for ln in advice.lines) != numbers:
                continue
            source = Path(advice.source)
            if source.parent != self.folder or not source.exists():
                continue
            target = self.folder / "linked" / source.name
            target.parent.mkdir(exist_ok=True)
            shutil.move(str(source), target)
            self.advices.remove(advice)
            ctx.state(STATE).put(f"linked:{source.name}", {
                "bank_reference": entry.bank_reference, "file": str(target),
                "linked_at": dt.datetime.now(dt.UTC).isoformat()})
            return


class Waiting:
    """Payments kept aside until their advice comes (or ``hours`` pass)."""

    KEY = "waiting"

    def __init__(self, ctx: RunContext, hours: float) -> None:
        self.ctx, self.hours = ctx, max(0.0, hours)
        self._held: dict[str, Any] = dict(ctx.state(STATE).get(self.KEY) or {})

    def hold(self, statement: Statement, entry: StatementEntry, result: MatchResult) -> bool:
        """Keep the payment aside (True) when it may wait for an advice."""
        if not self.hours or result.decision is not Decision.EXCEPTION:
            return False
        if result.reason not in WAITS_FOR_ADVICE or entry.bank_reference in self._held:
            return False
        until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=self.hours)
        self._held[entry.bank_reference] = {
            "entry": _entry_json(entry), "until": until.isoformat(),
            "statement": {"id": statement.statement_id, "account": statement.account_iban,
                          "format": statement.format, "file": statement.source,
                          "currency": statement.currency}}
        self._save()
        self.ctx.log.info("payment {} waits for its remittance advice until {}",
                          entry.bank_reference, until.isoformat(timespec="minutes"))
        return True

    def held(self) -> list[tuple[Statement, StatementEntry]]:
        """The waiting payments, each with a statement of its own (as it was taken in)."""
        out = []
        for held in self._held.values():
            meta = held["statement"]
            entry = _entry_of(held["entry"])
            out.append((Statement(meta["format"], meta["id"], None, meta["account"],
                                  meta.get("currency") or entry.currency, None, None, None,
                                  None, None, (entry,), meta.get("file") or ""), entry))
        return out

    def release(self, entry: StatementEntry, result: MatchResult) -> bool:
        """Whether the payment goes to the queue now: settled by an advice, or time is up."""
        held = self._held.get(entry.bank_reference)
        if held is None:
            return True
        due = dt.datetime.fromisoformat(held["until"]) <= dt.datetime.now(dt.UTC)
        if result.decision is Decision.POST or due:
            del self._held[entry.bank_reference]
            self._save()
            return True
        return False

    def _save(self) -> None:
        self.ctx.state(STATE).put(self.KEY, self._held)


def _entry_json(entry: StatementEntry) -> dict[str, Any]:
    return {"entry_id": entry.entry_id, "amount": str(entry.amount), "currency": entry.currency,
            "direction": entry.direction.value, "booking_date": entry.booking_date.isoformat(),
            "value_date": entry.value_date.isoformat(), "bank_reference": entry.bank_reference,
            "end_to_end_id": entry.end_to_end_id, "counterparty_name": entry.counterparty_name,
            "counterparty_iban": entry.counterparty_iban,
            "creditor_reference": entry.creditor_reference,
            "remittance_text": entry.remittance_text, "note": entry.note}


def _entry_of(data: dict[str, Any]) -> StatementEntry:
    return StatementEntry(
        data["entry_id"], Decimal(data["amount"]), data["currency"], Direction(data["direction"]),
        dt.date.fromisoformat(data["booking_date"]), dt.date.fromisoformat(data["value_date"]),
        data["bank_reference"], data.get("end_to_end_id"), data.get("counterparty_name"),
        data.get("counterparty_iban"), data.get("creditor_reference"),
        data.get("remittance_text") or "", data.get("note") or "")

"""Statement intake (the producer): download, parse every statement of the file, match,
one work item per payment; a statement out of balance waits for a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from bots.cashapp.bank import BankSite
from bots.cashapp.matching import (
    MatchingConfig,
    PostedPayment,
    load_open_items_csv,
    match_statement,
)
from bots.cashapp.model import (
    Decision,
    MatchResult,
    OpenItem,
    RemittanceAdvice,
    Statement,
    StatementEntry,
)
from bots.cashapp.statements import (
    StatementKey,
    parse_file_statements,
    quarantine,
    reconcile,
)
from bots.payment_posting.advice_mail import MailAdvices
from bots.payment_posting.advices import AdviceFolder, Waiting
from bots.payment_posting.evidence import (
    candidate_row,
    intake_evidence,
    original_payment,
    read_ledger,
)
from bots.payment_posting.learning import hints
from bots.payment_posting.payload import work_item_payload
from bots.payment_posting.statement_record import record_statement
from bots.payment_posting.statement_review import (
    REJECTED,
    REVIEW_QUEUE,
    fingerprint,
    review_payload,
    review_reference,
    settle_reviews,
)
from bots.runtime import RunContext, WorkQueue
from bots.runtime.errors import StatementError

QUEUE = "payment-posting"
#: ``ctx.state`` namespace of the statements taken in (key: account/statement id/sequence)
IMPORTED = "statements"


class OpenItemsSource(Protocol):
    """An ERP adapter that exports the open items (the web ERP or its desktop client)."""

    def export_open_items(self) -> Path: ...


def read_statements(ctx: RunContext, path: Path, quarantine_dir: Path) -> list[Statement]:
    """Every statement of the file; a file that does not parse is moved aside with the
    reason and the error re-raised. Balances are checked per statement by :func:`produce`."""
    with ctx.recorder.step("parse_statement", app="finbots", data={"file": path.name},
                           rule="every statement of the file") as st:
        try:
            statements = parse_file_statements(path)
        except StatementError as exc:
            moved = quarantine(path, quarantine_dir, exc)
            st.data["quarantined"] = str(moved)
            raise
        st.data.update(format=statements[0].format if statements else None,
                       statements=[s.statement_id for s in statements],
                       entries=sum(len(s.entries) for s in statements))
    return statements


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
            quarantine_dir: Path, advice_folder: Path | None = None,
            advice_wait_hours: float = 0.0,
            advice_mail: MailAdvices | None = None) -> dict[str, Any]:
    """Add one work item per credit line of every statement of the file (once per
    statement), and carry out people's decisions on statements out of balance.

    The file is ``statement_file`` when given (a file the bank delivered to an inbox
    folder), else the day's statement downloaded from the bank's site. Each statement is
    reconciled and remembered on its own key: one taken in before adds nothing
    (``already_imported``); one whose balances do not add up is not taken in but opens a
    reconciliation case (:mod:`bots.payment_posting.statement_review`). Remittance
    advices in ``advice_folder`` and those attached to mails (``advice_mail``:
    :mod:`bots.payment_posting.advice_mail`) allocate the payments they name; a payment
    the engine cannot decide may wait ``advice_wait_hours`` for its advice
    (:mod:`bots.payment_posting.advices`).
    """
    path = statement_file or bank.download_statement(day, fmt)
    statements = read_statements(ctx, path, quarantine_dir)
    imported, rejected = ctx.state(IMPORTED), ctx.state(REJECTED)
    reviews = ctx.queue(REVIEW_QUEUE)
    intake = _Intake(ctx, queue, erp, config,
                     AdviceFolder(advice_folder, quarantine_dir),
                     Waiting(ctx, advice_wait_hours), advice_mail)
    summary: dict[str, Any] = {"statements": len(statements), "entries": 0, "new_items": 0,
                               "skipped": 0, "already_imported": 0, "out_of_balance": 0}
    for statement in statements:
        key = statement_key(StatementKey.of(statement))
        summary["entries"] += len(statement.entries)
        record_statement(ctx, statement, key)  # for reconciliation (bank_statement record)
        if imported.seen(key):
            ctx.log.info("statement {} was imported before: no new work items",
                         statement.statement_id)
            summary["already_imported"] += 1
            continue
        found = reconcile(statement)
        if found is not None and not found.balanced:
            summary["out_of_balance"] += 1
            if (rejected.get(key) or {}).get("fingerprint") == fingerprint(statement):
                ctx.log.info("statement {} was rejected before", statement.statement_id)
            elif reviews.add(review_reference(statement, key),
                             review_payload(statement, found, key)):
                ctx.log.warning("statement {} is out of balance ({}): a person decides",
                                statement.statement_id, found.describe())
            continue
        summary["new_items"] += intake.take_in(statement)
        imported.put(key, {"file": str(path), "statement_id": statement.statement_id,
                           "entries": len(statement.entries)})
    settled = settle_reviews(ctx, reviews, intake.take_in, imported.put, quarantine_dir)
    summary["new_items"] += settled.pop("new_items") + intake.recheck_waiting()
    summary["skipped"] = intake.skipped
    if intake.waiting.hours:
        summary["waiting_for_advice"] = len(intake.waiting.held())
    summary.update({f"statements_{k}": v for k, v in settled.items() if v})
    if advice_mail is not None and intake.advices_read:
        summary["advice_mails"] = {"linked": intake.mail_linked,
                                   "to_a_person": len(advice_mail.refused),
                                   "waiting": advice_mail.file_waiting()}
    return summary


class _Intake:
    """Takes statements in: matches their entries (the ERP's open items exported once per
    run, when the first statement needs them) and queues one item per payment."""

    def __init__(self, ctx: RunContext, queue: WorkQueue, erp: OpenItemsSource,
                 config: MatchingConfig, advices: AdviceFolder | None = None,
                 waiting: Waiting | None = None,
                 mail_advices: MailAdvices | None = None) -> None:
        self.ctx, self.queue, self.erp, self.config = ctx, queue, erp, config
        self.advices = advices or AdviceFolder(None, Path())
        self.mail_advices = mail_advices or MailAdvices(None, Path())
        self.waiting = waiting or Waiting(ctx, 0.0)
        self._open_items: list[OpenItem] | None = None
        self._export: Path | None = None  # the ERP's export the open items came from
        self.advices_read = False
        self._held_now: set[str] = set()
        self.skipped = self.mail_linked = 0

    def _remittances(self) -> list[RemittanceAdvice]:
        if not self.advices_read:
            self.advices_read = True
            self.advices.read(self.ctx)
            self.mail_advices.read(self.ctx)
        return [*self.advices.advices, *self.mail_advices.advices]

    def recheck_waiting(self) -> int:
        """Match the payments waiting for their advice again; queue those an advice settled
        and those whose time is up. Returns how many items were new."""
        added = 0
        for statement, entry in self.waiting.held():
            if entry.bank_reference not in self._held_now:
                added += self.take_in(statement, recheck=True)
        return added

    def take_in(self, statement: Statement, *, recheck: bool = False) -> int:
        """Queue the statement's payments; returns how many items were new."""
        if self._open_items is None:
            self._export = self.erp.export_open_items()
            self._open_items = load_open_items_csv(self._export)
        with self.ctx.recorder.step("match_statement", app="finbots", rule="matching engine",
                                    data={"statement_id": statement.statement_id,
                                          "entries": len(statement.entries),
                                          "open_items": len(self._open_items)}) as st:
            learned = hints(self.ctx)  # read per statement: a withdrawn rule is not used
            results = match_statement(statement.entries, self._open_items, self.config,
                                      posted_history=posted_history(self.queue),
                                      learned=learned, remittances=self._remittances())
            st.data["learned_rules"] = len(learned)
            st.data["decisions"] = {d: sum(r.decision == d for r in results) for d in Decision}
        evidence = self._evidence(statement, results)
        added = 0
        for entry, result in zip(statement.entries, results, strict=True):
            if result.decision is Decision.SKIP:
                self.skipped += 1
                continue
            if recheck and not self.waiting.release(entry, result):
                continue  # still waiting for its advice
            if not recheck and self.waiting.hold(statement, entry, result):
                self._held_now.add(entry.bank_reference)
                continue
            self.advices.linked(self.ctx, entry, result)
            mail = self.mail_advices.linked(self.ctx, entry, result)
            payload = work_item_payload(statement, entry, result)
            if mail is not None:  # the advice's source mail, named on the item and its case
                payload["advice_mail"] = mail
                self.mail_linked += 1
            for use in payload["learned"]:  # the person's decision, as evidence
                use["decision"] = learned.decision(use["rule_id"])
            added += self.queue.add(entry.bank_reference, evidence(entry, payload))
        return added

    def _evidence(self, statement: Statement,
                  results: list[MatchResult]) -> Callable[[StatementEntry, dict], dict]:
        """What the exceptions among ``results`` need beside the bank line (see
        :mod:`bots.payment_posting.evidence`): the ERP export is read again for their
        customers only, the bot's posted payments once."""
        stops = [r for r in results if r.decision is Decision.EXCEPTION]
        if not stops or self._export is None:
            return lambda entry, payload: payload
        with self.ctx.recorder.step("capture_evidence", app="finbots",
                                    data={"exceptions": len(stops)}) as st:
            customers = {r.customer_id for r in stops if r.customer_id} | {
                c.customer_id for r in stops for c in r.candidates}
            ledger = read_ledger(self._export, customers)
            history = self.queue.history("successful")
            known: dict[str, dict] = {e.bank_reference: {"booking_date": e.booking_date,
                                                         "amount": f"{e.amount:.2f}"}
                                      for e in statement.entries}
            for item in history:  # earlier payments, with the ERP's document number
                entry = item.payload.get("entry") or {}
                if entry.get("bank_reference"):
                    known[entry["bank_reference"]] = {
                        **entry, "confirmation": (item.output or {}).get("confirmation")}
            st.data["customers"] = len(customers)

        def add(entry: StatementEntry, payload: dict) -> dict:
            if payload["decision"] != str(Decision.EXCEPTION):
                return payload
            payload["candidates"] = [candidate_row(c, ledger) for c in payload["candidates"]]
            payload["evidence"] = intake_evidence(payload["customer_id"],
                                                  payload["candidates"], ledger, history)
            if payload["reason"] == "DUPLICATE":
                payload["evidence"]["original"] = original_payment(
                    payload["explanation"] or "", entry.bank_reference, known)
            return payload
        return add

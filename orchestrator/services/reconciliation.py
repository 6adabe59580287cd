"""Bank statement reconciliation, per imported statement (the ``bank_statement`` records the
payment-posting bot writes at intake).

Three checks, each in :class:`~decimal.Decimal`:

1. the balances: opening balance plus the entries (credits less debits) is the closing
   balance (the difference shown);
2. cash posted: what the ERP's documents applied to invoices (the work items done, with
   the ERP's document numbers) is the bank's credits less the remainder;
3. the remainder explained payment by payment: waiting in an open case, left on account
   (or on the suspense account), refunded (the ERP's refund document and the bank
   transfer), written off (document, reason), or still queued for the bot. A credit nothing
   accounts for is *unexplained*, and a statement with anything unexplained (or out of
   balance) is flagged.

Every figure comes from the target systems' own document numbers as the bot recorded them
when it completed the item; nothing is counted from what a person only asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, col, select

from bots.runtime.errors import NotFoundError
from bots.runtime.records import Record
from orchestrator.services.resolutions import CaseTypes
from orchestrator.store import Store
from orchestrator.store.bot_records import as_record
from orchestrator.store.models import BotWrittenRecord, ExceptionCase, WorkItem
from orchestrator.store.states import LIVE_ITEM_STATES

__all__ = ["KINDS", "Explanation", "Line", "Reconciliation", "list_statements",
           "reconcile_record", "reconcile_statement"]

KIND, PART_KIND = "bank_statement", "bank_statement_part"
ZERO = Decimal("0.00")
#: what each explanation kind means, in the order the pages list them
KINDS: dict[str, str] = {
    "posted": "Posted to invoices",
    "on_account": "Left on account",
    "suspense": "On the suspense account",
    "refunded": "Refunded",
    "written_off": "Written off",
    "open_case": "Waiting in a case",
    "queued": "Queued for the bot",
    "unexplained": "Unexplained",
}
#: ERP document kind of a settlement's rest (see the payment-posting bot's carry-out)
_REST_KINDS = {"ON_ACCOUNT": ("on_account", "unapplied"), "SUSPENSE": ("suspense", "suspense"),
               "REFUND": ("refunded", "refund"), "WRITE_OFF": ("written_off", "write_off")}
_ACTIVE_CASE = ("open", "in_progress", "awaiting_approval", "awaiting_posting")
_CHUNK = 500  # references per IN (...) query


@dataclass(frozen=True, slots=True)
class Explanation:
    """One piece of a credit: ``amount`` of it is ``kind`` (see :data:`KINDS`)."""

    kind: str
    amount: Decimal
    text: str
    document: str | None = None
    case_id: int | None = None
    item_id: int | None = None
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": KINDS.get(self.kind, self.kind),
                "amount": f"{self.amount:.2f}", "text": self.text, "document": self.document,
                "case_id": self.case_id, "item_id": self.item_id, "run_id": self.run_id}


@dataclass(slots=True)
class Line:
    """One entry of the statement, and (a credit) what its money became."""

    ref: str
    amount: Decimal
    credit: bool
    value_date: str | None
    payer: str
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def unexplained(self) -> Decimal:
        return sum((e.amount for e in self.explanations if e.kind == "unexplained"), ZERO)

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "amount": f"{self.amount:.2f}",
                "direction": "credit" if self.credit else "debit",
                "value_date": self.value_date, "payer": self.payer,
                "explanations": [e.as_json() for e in self.explanations]}


@dataclass(slots=True)
class Reconciliation:
    """One statement reconciled."""

    id: int
    key: str
    account: str
    statement_id: str
    sequence: str | None
    currency: str
    date: str | None
    file: str
    opening: Decimal | None
    closing: Decimal | None
    credits: Decimal
    debits: Decimal
    lines: list[Line]
    totals: dict[str, Decimal]
    written_at: dt.datetime | None = None
    review_case: int | None = None  # the case of a statement out of balance

    @property
    def entries(self) -> int:
        return len(self.lines)

    @property
    def expected_closing(self) -> Decimal | None:
        return None if self.opening is None else self.opening + self.credits - self.debits

    @property
    def balance_difference(self) -> Decimal | None:
        """Closing balance less (opening + entries); None when the bank gave no balances."""
        if self.closing is None or self.expected_closing is None:
            return None
        return self.closing - self.expected_closing

    @property
    def posted(self) -> Decimal:
        return self.totals.get("posted", ZERO)

    @property
    def unexplained(self) -> Decimal:
        return self.totals.get("unexplained", ZERO)

    @property
    def explained(self) -> Decimal:
        """The remainder (credits not posted) that something accounts for."""
        return sum((v for k, v in self.totals.items() if k not in ("posted", "unexplained")),
                   ZERO)

    @property
    def flags(self) -> list[str]:
        found = []
        difference = self.balance_difference
        if difference:
            found.append(f"opening balance plus the entries is not the closing balance "
                         f"(difference {difference:,.2f} {self.currency})")
        if self.unexplained:
            found.append(f"{self.unexplained:,.2f} {self.currency} of the credits is "
                         "unexplained")
        return found

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def as_json(self, *, lines: bool = True) -> dict[str, Any]:
        def money(v: Decimal | None) -> str | None:
            return None if v is None else f"{v:.2f}"
        out: dict[str, Any] = {
            "id": self.id, "key": self.key, "account": self.account,
            "statement_id": self.statement_id, "sequence": self.sequence,
            "currency": self.currency, "date": self.date, "file": self.file,
            "entries": self.entries, "opening": money(self.opening),
            "closing": money(self.closing), "credits": money(self.credits),
            "debits": money(self.debits), "expected_closing": money(self.expected_closing),
            "balance_difference": money(self.balance_difference),
            "posted": money(self.posted), "explained": money(self.explained),
            "unexplained": money(self.unexplained),
            "totals": {k: money(v) for k, v in self.totals.items()},
            "flagged": self.flagged, "flags": self.flags, "review_case": self.review_case}
        if lines:
            out["lines"] = [line.as_json() for line in self.lines]
        return out


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(ZERO)
    except InvalidOperation:
        return None


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for n in range(0, len(values), _CHUNK):
        yield values[n:n + _CHUNK]


def _entries(s: Session, record: Record) -> list[dict[str, Any]]:
    if "parts" not in record.data:
        return list(record.data.get("entries") or [])
    keys = [f"{record.key}#{n}" for n in range(1, int(record.data["parts"]) + 1)]
    rows = {r.key: r for r in s.exec(select(BotWrittenRecord).where(
        BotWrittenRecord.kind == PART_KIND, col(BotWrittenRecord.key).in_(keys)))}
    return [e for k in keys if k in rows for e in (rows[k].data or {}).get("entries") or []]


def _items(s: Session, queue: str, refs: Sequence[str]) -> dict[str, WorkItem]:
    """The live item per reference (the newest when several)."""
    found: dict[str, WorkItem] = {}
    for chunk in _chunks(refs):
        for item in s.exec(select(WorkItem).where(
                WorkItem.queue == queue, col(WorkItem.reference).in_(list(chunk)),
                col(WorkItem.state).in_(list(LIVE_ITEM_STATES))).order_by(col(WorkItem.id))):
            found[item.reference] = item
    return found


def _cases(s: Session, refs: Sequence[str]) -> dict[str, ExceptionCase]:
    """The newest case per reference, an active one before a resolved one."""
    found: dict[str, ExceptionCase] = {}
    for chunk in _chunks(refs):
        for case in s.exec(select(ExceptionCase).where(
                col(ExceptionCase.reference).in_(list(chunk))).order_by(col(ExceptionCase.id))):
            known = found.get(case.reference)
            if known is None or case.status in _ACTIVE_CASE or known.status not in _ACTIVE_CASE:
                found[case.reference] = case
    return found


def _review_case(s: Session, key: str) -> ExceptionCase | None:
    return s.exec(select(ExceptionCase).where(
        col(ExceptionCase.reference).startswith(f"statement:{key}#", autoescape=True))
        .order_by(col(ExceptionCase.id).desc())).first()


def _done(item: WorkItem, amount: Decimal) -> list[Explanation]:
    """A completed item: the ERP's documents, split by what they did with the money."""
    payload, output = item.payload or {}, item.output or {}
    run, ident = item.run_id, item.id
    settlement = payload.get("settlement")
    if not settlement:
        invoices = ", ".join(a.get("invoice_number", "") for a in payload.get("allocations")
                             or ()) or "its invoices"
        document = output.get("confirmation")
        if not document:
            return [Explanation("unexplained", amount, "the item is done but the ERP gave no "
                                "document number", item_id=ident, run_id=run)]
        return [Explanation("posted", amount, f"posted to {invoices}", str(document),
                            item_id=ident, run_id=run)]
    pieces: list[Explanation] = []
    receipt = output.get("erp_confirmation") or output.get("confirmation")
    rows = settlement.get("rows") or []
    applied = sum((_money(r.get("amount")) or ZERO for r in rows), ZERO)
    if applied:
        invoices = ", ".join(r.get("invoice_number", "") for r in rows)
        written = [f"{r['invoice_number']} {Decimal(r['write_off']):,.2f} ({r.get('reason')})"
                   for r in rows if _money(r.get("write_off"))]
        note = f"; differences written off: {'; '.join(written)}" if written else ""
        pieces.append(Explanation("posted", applied, f"posted to {invoices}{note}",
                                  receipt, item_id=ident, run_id=run))
    rest = settlement.get("rest") or {}
    if rest and _money(rest.get("amount")):
        kind, doc_kind = _REST_KINDS.get(str(rest.get("action")), ("unexplained", ""))
        docs = [d for d in output.get("documents") or [] if d.get("kind") == doc_kind]
        number = ", ".join(d.get("number", "") for d in docs) or None
        text = {"on_account": f"left on account of {settlement.get('customer_id') or '?'}",
                "suspense": "booked to the suspense account",
                "refunded": "refunded",
                "written_off": f"written off ({rest.get('reason') or 'no reason given'})"
                }.get(kind, f"settled as {rest.get('action')}")
        if kind == "refunded":
            transfers = output.get("transfers") or {}
            paid = ", ".join(str(transfers[d["number"]]) for d in docs
                             if d.get("number") in transfers)
            text += f"; bank transfer {paid}" if paid else "; no bank transfer yet"
        if not number:
            kind, text = "unexplained", f"{text}, but the ERP shows no document for it"
        pieces.append(Explanation(kind, _money(rest["amount"]) or ZERO, text, number,
                                  item_id=ident, run_id=run))
    left = amount - sum((p.amount for p in pieces), ZERO)
    if left:
        pieces.append(Explanation("unexplained", left, "the settlement does not account for "
                                  "this part of the payment", item_id=ident, run_id=run))
    return pieces


def _explain(line: Line, item: WorkItem | None, case: ExceptionCase | None) -> list[Explanation]:
    amount = line.amount
    if case is not None and case.status in _ACTIVE_CASE and (
            item is None or item.state != "successful"):
        title = CaseTypes.shared().of(case).title or case.reason_code
        return [Explanation("open_case", amount, f"waiting in case {case.id}: {title}",
                            case_id=case.id, item_id=case.work_item_id, run_id=case.run_id)]
    if item is None:
        return [Explanation("unexplained", amount, "no work item carries this payment (one "
                            "waiting for its remittance advice gets it when the advice "
                            "comes or its wait ends)", case_id=case.id if case else None)]
    if item.state == "successful":
        return _done(item, amount)
    if item.state in ("new", "in_progress", "abandoned"):
        return [Explanation("queued", amount, f"queued for the bot (item {item.id}, "
                            f"{item.state.replace('_', ' ')})", item_id=item.id,
                            run_id=item.run_id)]
    why = f"the item {item.state}" + (f"; case {case.id} is {case.status}" if case else "")
    return [Explanation("unexplained", amount, why, case_id=case.id if case else None,
                        item_id=item.id, run_id=item.run_id)]


def reconcile_record(store: Store, record: Record) -> Reconciliation:
    """Reconcile one ``bank_statement`` record against the work items and cases."""
    data = record.data
    queue = str(data.get("queue") or "payment-posting")
    with Session(store.engine) as s:
        rows = _entries(s, record)
        lines = [Line(str(r.get("ref") or ""), _money(r.get("amount")) or ZERO,
                      bool(r.get("credit")), r.get("value_date"), str(r.get("payer") or ""))
                 for r in rows]
        refs = sorted({str(r.get("item")) for r in rows if r.get("credit") and r.get("item")})
        items, cases = _items(s, queue, refs), _cases(s, refs)
        review = _review_case(s, record.key)
    totals: dict[str, Decimal] = {}
    for line, row in zip(lines, rows, strict=True):
        if not line.credit:
            continue
        ref = str(row.get("item") or "")
        if ref not in items and ref not in cases and review is not None and \
                review.status in _ACTIVE_CASE:
            line.explanations = [Explanation(
                "open_case", line.amount, f"waiting in case {review.id}: the statement's "
                "balances do not add up", case_id=review.id, run_id=review.run_id)]
        else:
            line.explanations = _explain(line, items.get(ref), cases.get(ref))
        for e in line.explanations:
            totals[e.kind] = totals.get(e.kind, ZERO) + e.amount
    credits = sum((line.amount for line in lines if line.credit), ZERO)
    debits = sum((line.amount for line in lines if not line.credit), ZERO)
    return Reconciliation(
        id=int(record.id or 0), key=record.key, account=str(data.get("account") or ""),
        statement_id=str(data.get("statement_id") or ""),
        sequence=None if data.get("sequence") in (None, "") else str(data["sequence"]),
        currency=str(data.get("currency") or ""),
        date=data.get("to_date") or data.get("from_date"), file=str(data.get("file") or ""),
        opening=_money(data.get("opening")), closing=_money(data.get("closing")),
        credits=credits, debits=debits, lines=lines,
        totals={k: totals[k] for k in KINDS if k in totals}, written_at=record.written_at,
        review_case=review.id if review is not None else None)


def _record(store: Store, record_id: int) -> Record:
    with Session(store.engine) as s:
        row = s.get(BotWrittenRecord, record_id)
        if row is None or row.kind != KIND:
            raise NotFoundError(f"bank statement {record_id} not found")
        return as_record(row)


def reconcile_statement(store: Store, record_id: int) -> Reconciliation:
    """The statement record ``record_id`` reconciled (NotFoundError when there is none)."""
    return reconcile_record(store, _record(store, record_id))


def list_statements(store: Store, *, limit: int = 100,
                    flagged_only: bool = False) -> list[Reconciliation]:
    """The newest ``limit`` statements imported, reconciled (newest first)."""
    done = [reconcile_record(store, r) for r in store.find_records(KIND, limit=limit)]
    return [r for r in done if r.flagged] if flagged_only else done

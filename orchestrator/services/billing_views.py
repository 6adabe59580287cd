"""What the billing-validation bot checked and the revenue leakage it found, read from the
records it wrote (``ctx.records``), for the ``/billing`` pages, their CSV and the API.

Records read (kind: key, data):

- ``billing_check``: a draft invoice's number; ``draft``, ``contract``, ``outcome``
  (released, failed, held, cancelled, already released), ``failed_rules`` (each ``rule``,
  ``expected``, ``found``), ``gross_total``, ``currency``, ``reference`` (the work item, the
  case's reference), ``checked_at``, ``confirmation`` (the portal's);
- ``revenue_leakage_run``: one per report; ``run_key``, ``as_of``, ``computed_at``,
  ``totals``, ``by_customer`` and ``by_cause`` (each row an ``amount`` and ``currency``),
  ``items`` (how many);
- ``revenue_leakage``: one per item; ``run_key`` (of the report that found it last),
  ``cause``, ``contract``, ``period_start``, ``period_end``, ``amount``, ``currency``,
  ``detail``, ``owner``, ``rank``; the case opened for it has the item's key as its
  reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime.records import Record
from orchestrator.store import Store

__all__ = ["CHECK", "LEAK", "LEAK_RUN", "DraftRow", "LeakageItem", "LeakageView", "Total",
           "draft_rows", "leakage_csv", "leakage_view"]

BOT = "billing-validation"
CHECK, LEAK, LEAK_RUN = "billing_check", "revenue_leakage", "revenue_leakage_run"
#: the reason of the case opened for the owner of one of the largest items (its reference:
#: the item's key)
LEAK_REASON = "REVENUE_LEAKAGE"
MAX_DRAFTS, MAX_ITEMS = 2000, 5000
CSV_COLUMNS = ("rank", "customer_id", "cause", "contract", "period_start", "period_end",
               "amount", "currency", "owner", "detail")


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")


@dataclass(frozen=True)
class DraftRow:
    """One draft the bot checked, as its newest check left it."""

    draft: str
    customer_id: str
    contract: str
    outcome: str
    failed_rules: list[dict[str, Any]]
    gross_total: Decimal
    currency: str
    checked_at: str
    confirmation: str
    written_at: dt.datetime
    case_id: int | None
    case_status: str


def draft_rows(store: Store, *, outcome: str | None = None) -> list[DraftRow]:
    """The drafts the bot checked, most recently checked first (of ``outcome`` when given),
    each with the case its failure opened."""
    cases: dict[str, Any] = {}
    for case in store.find_cases(bot=BOT, limit=MAX_DRAFTS * 2):
        cases[case.reference] = case  # oldest first: the newest case of a reference wins
    rows: list[DraftRow] = []
    for rec in store.find_records(CHECK, limit=MAX_DRAFTS):
        data = rec.data
        if outcome and data.get("outcome") != outcome:
            continue
        case = cases.get(str(data.get("reference") or ""))
        rows.append(DraftRow(
            rec.key, rec.customer_id or str(data.get("customer_id") or ""),
            str(data.get("contract") or ""), str(data.get("outcome") or ""),
            [r for r in data.get("failed_rules") or [] if isinstance(r, dict)],
            _money(data.get("gross_total")), str(data.get("currency") or ""),
            str(data.get("checked_at") or ""), str(data.get("confirmation") or ""),
            rec.written_at, case.id if case is not None else None,
            str(case.status) if case is not None else ""))
    return rows


@dataclass(frozen=True)
class Total:
    """An amount of one currency under a name (a customer, a cause, or everything)."""

    name: str
    currency: str
    amount: Decimal
    items: int


@dataclass(frozen=True)
class LeakageItem:
    key: str
    rank: int
    customer_id: str
    cause: str
    contract: str
    period_start: str
    period_end: str
    amount: Decimal
    currency: str
    owner: str
    detail: str
    case_id: int | None

    def row(self) -> dict[str, str]:
        return {"rank": str(self.rank), "customer_id": self.customer_id, "cause": self.cause,
                "contract": self.contract, "period_start": self.period_start,
                "period_end": self.period_end, "amount": f"{self.amount:.2f}",
                "currency": self.currency, "owner": self.owner, "detail": self.detail}


@dataclass(frozen=True)
class LeakageView:
    """The newest revenue-leakage report: its run, its items and their totals."""

    run: Record | None
    items: list[LeakageItem] = field(default_factory=list)
    by_customer: list[Total] = field(default_factory=list)
    by_cause: list[Total] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)

    @property
    def as_of(self) -> str:
        return str(self.run.data.get("as_of") or "") if self.run else ""


def _totals(items: Iterable[LeakageItem], name_of: Any) -> list[Total]:
    """Amounts summed per (name, currency), largest first."""
    sums: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for item in items:
        key = (name_of(item), item.currency)
        amount, count = sums.get(key, (Decimal("0.00"), 0))
        sums[key] = (amount + item.amount, count + 1)
    totals = [Total(n, c, a, k) for (n, c), (a, k) in sums.items()]
    totals.sort(key=lambda t: (-t.amount, t.name, t.currency))
    return totals


def leakage_view(store: Store) -> LeakageView:
    """The newest report (an empty view when the bot has written none). The totals are
    summed here from the report's items, so the page, the CSV and the API agree."""
    runs = store.find_records(LEAK_RUN, limit=1)
    if not runs:
        return LeakageView(None)
    run = runs[0]
    run_key = str(run.data.get("run_key") or "")
    cases = {c.reference: c.id for c in store.find_cases(bot=BOT, reason_code=LEAK_REASON,
                                                         limit=MAX_ITEMS)}
    items = [LeakageItem(
        rec.key, int(rec.data.get("rank") or 0), rec.customer_id or "",
        str(rec.data.get("cause") or ""), str(rec.data.get("contract") or ""),
        str(rec.data.get("period_start") or ""), str(rec.data.get("period_end") or ""),
        _money(rec.data.get("amount")), str(rec.data.get("currency") or ""),
        str(rec.data.get("owner") or ""), str(rec.data.get("detail") or ""),
        cases.get(rec.key))
        for rec in store.find_records(LEAK, where={"run_key": run_key}, limit=MAX_ITEMS)]
    items.sort(key=lambda i: (i.rank or 10**9, -i.amount, i.key))
    return LeakageView(run, items, _totals(items, lambda i: i.customer_id),
                       _totals(items, lambda i: i.cause), _totals(items, lambda i: "all"))


def leakage_csv(view: LeakageView) -> str:
    """The report's items as CSV (one line each, amounts with two decimals), values that a
    spreadsheet would run as a formula prefixed with a quote."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for item in view.items:
        writer.writerow({k: _cell(v) for k, v in item.row().items()})
    return out.getvalue()


def _cell(value: str) -> str:
    if (value and value[0] in "=+@\t\r") or (value.startswith("-") and not _is_number(value)):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True

"""Revenue leakage: what the contracts entitle the seller to bill and was never billed.

:func:`find_leakage` compares every contract's billable periods up to ``as_of`` with the
drafts and invoices that bill them (any status but cancelled, void or rejected) and
reports each leak with its cause. A period a pending draft bills is no leak: the draft's
validation judges its amounts before it is released.

* ``period_not_invoiced``    a recurring line of a billable period on no invoice;
* ``usage_not_invoiced``     metered usage of an ended period beyond the quantity billed;
* ``below_contract_price``   a line billed below the contract's price and quantity in force
  (amendments and discounts applied as the validation rules read them);
* ``discount_past_end``      the part of a line's discount given after the discount ended;
* ``milestone_not_invoiced`` a milestone due by ``as_of``, not marked billed, on no invoice
  of a period that holds its due date.

Amounts are exact Decimals in the contract's currency; totals per customer and per cause
are kept per currency. The work is linear in the contract lines times their periods: the
inputs are indexed by contract and line once, nothing is scanned per item.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, TextIO

from bots.billing.model import (
    Amendment,
    Contract,
    ContractLine,
    DraftInvoice,
    DraftLine,
    Milestone,
    UsageRecord,
)
from bots.billing.rules.base import DRAFT, VOID_STATUSES
from bots.billing.rules.config import BillingRules, default_rules
from bots.billing.rules.schedule import BillingPeriod, billing_periods
from bots.billing.rules.terms import (
    discount_in_force,
    expired_discount,
    line_net,
    line_terms,
)

__all__ = ["CAUSES", "Cause", "LeakageItem", "LeakageReport", "find_leakage", "to_csv"]

Cause = Literal["period_not_invoiced", "usage_not_invoiced", "below_contract_price",
                "discount_past_end", "milestone_not_invoiced"]
CAUSES: tuple[Cause, ...] = ("period_not_invoiced", "usage_not_invoiced",
                             "below_contract_price", "discount_past_end",
                             "milestone_not_invoiced")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LeakageItem:
    """One leak: what was due for a contract line and period, what was billed, the gap."""

    customer_id: str
    contract_number: str
    line_id: str
    cause: Cause
    period_start: date
    period_end: date
    expected: Decimal
    invoiced: Decimal
    amount: Decimal
    currency: str
    detail: str

    @property
    def period(self) -> str:
        return f"{self.period_start.isoformat()}..{self.period_end.isoformat()}"


@dataclass(slots=True)
class LeakageReport:
    """The leaks found on ``as_of`` and their totals per (customer, currency) and
    (cause, currency)."""

    as_of: date
    items: list[LeakageItem] = field(default_factory=list)
    by_customer: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    by_cause: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    def add(self, item: LeakageItem) -> None:
        self.items.append(item)
        for totals, key in ((self.by_customer, (item.customer_id, item.currency)),
                            (self.by_cause, (item.cause, item.currency))):
            totals[key] = totals.get(key, ZERO) + item.amount

    def total(self, currency: str) -> Decimal:
        return sum((v for (_, cur), v in self.by_cause.items() if cur == currency), ZERO)


@dataclass(slots=True)
class _Index:
    amendments: dict[tuple[str, str], list[Amendment]]
    usage: dict[tuple[str, str], list[UsageRecord]]
    milestones: dict[str, list[Milestone]]
    invoices: dict[str, list[DraftInvoice]]


def _index(amendments: Iterable[Amendment], usage: Iterable[UsageRecord],
           milestones: Iterable[Milestone], invoices: Iterable[DraftInvoice]) -> _Index:
    idx = _Index(defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list))
    for a in amendments:
        idx.amendments[(a.contract_number, a.line_id)].append(a)
    for lst in idx.amendments.values():
        lst.sort(key=lambda a: a.effective)
    for u in usage:
        idx.usage[(u.contract_number, u.line_id)].append(u)
    for m in milestones:
        idx.milestones[m.contract_number].append(m)
    for inv in invoices:
        if inv.status not in VOID_STATUSES:
            idx.invoices[inv.contract_number].append(inv)
    for lst2 in idx.invoices.values():
        lst2.sort(key=lambda i: i.period_start)
    return idx


def _covering(periods: Sequence[BillingPeriod],
              invoices: Sequence[DraftInvoice]) -> list[list[DraftInvoice]]:
    """Per period, the invoices whose period overlaps it (both ordered by start)."""
    out: list[list[DraftInvoice]] = []
    first = 0
    for period in periods:
        while first < len(invoices) and invoices[first].period_end < period.start \
                and invoices[first].period_start < period.start:
            first += 1
        hits = []
        for inv in invoices[first:]:
            if inv.period_start > period.end:
                break
            if inv.period_end >= period.start:
                hits.append(inv)
        out.append(hits)
    return out


def _lines_for(invoices: Sequence[DraftInvoice], line_id: str) -> list[DraftLine]:
    return [ln for inv in invoices for ln in inv.lines if ln.contract_line_id == line_id]


class _Finder:
    def __init__(self, report: LeakageReport, idx: _Index, config: BillingRules) -> None:
        self.report, self.idx, self.config = report, idx, config

    def leak(self, contract: Contract, line: ContractLine, cause: Cause, period: BillingPeriod,
             expected: Decimal, invoiced: Decimal, amount: Decimal, detail: str) -> None:
        self.report.add(LeakageItem(contract.customer_id, contract.number, line.line_id, cause,
                                    period.start, period.end, expected, invoiced, amount,
                                    contract.currency, detail))

    def contract(self, contract: Contract, as_of: date) -> None:
        milestones = self.idx.milestones.get(contract.number, [])
        periods = list(billing_periods(contract, as_of, milestones))
        covering = _covering(periods, self.idx.invoices.get(contract.number, []))
        for line in contract.lines:
            if line.kind == "milestone":
                self.milestones(contract, line, milestones, periods, covering, as_of)
            elif contract.billing != "milestones":
                self.periodic(contract, line, periods, covering, as_of)

    def periodic(self, contract: Contract, line: ContractLine, periods: list[BillingPeriod],
                 covering: list[list[DraftInvoice]], as_of: date) -> None:
        amendments = self.idx.amendments.get((contract.number, line.line_id), [])
        usage = self._usage_by_period(contract, line, periods)
        for i, period in enumerate(periods):
            if any(inv.status == DRAFT for inv in covering[i]):
                continue  # billed by a pending draft: its validation judges its amounts
            terms = line_terms(line, amendments, period, self.config.mid_period_amendment)
            discount = discount_in_force(contract.discounts, line.line_id, period)
            billed = _lines_for(covering[i], line.line_id)
            if line.kind == "usage":
                if period.end >= as_of:
                    continue  # usage of a running period is not complete yet
                quantity = usage[i]
            else:
                quantity = terms.quantity
            expected = line_net(quantity, terms.unit_price, discount)
            if not billed:
                if expected > 0:
                    cause: Cause = ("usage_not_invoiced" if line.kind == "usage"
                                    else "period_not_invoiced")
                    self.leak(contract, line, cause, period, expected, ZERO, expected,
                              f"{line.description}: {quantity.normalize():f} {line.unit} x "
                              f"{terms.unit_price.normalize():f} not on any invoice")
                continue
            self.billed(contract, line, period, billed, quantity, terms.unit_price, discount,
                        expected)

    def billed(self, contract: Contract, line: ContractLine, period: BillingPeriod,
               billed: list[DraftLine], quantity: Decimal, price: Decimal, discount: Decimal,
               expected: Decimal) -> None:
        found = sum((ln.net_amount for ln in billed), ZERO)
        past_end = ZERO
        ended = expired_discount(contract.discounts, line.line_id, period)
        if ended is not None:
            for ln in billed:
                if ln.discount_percent > discount:
                    past_end += (line_net(ln.quantity, ln.unit_price, discount)
                                 - line_net(ln.quantity, ln.unit_price, ln.discount_percent))
        if past_end > 0:
            self.leak(contract, line, "discount_past_end", period, found + past_end, found,
                      past_end, f"{line.description}: discount ended "
                      f"{ended.ends.isoformat() if ended else ''} still given")
        billed_qty = sum((ln.quantity for ln in billed), Decimal(0))
        if line.kind == "usage" and quantity > billed_qty:
            short = expected - line_net(billed_qty, price, discount)
            self.leak(contract, line, "usage_not_invoiced", period, expected, found, short,
                      f"{line.description}: {(quantity - billed_qty).normalize():f} "
                      f"{line.unit} used but not billed")
            found += short
        gap = expected - found - past_end
        if gap > self.config.rounding_tolerance:
            self.leak(contract, line, "below_contract_price", period, expected,
                      found + past_end, gap, f"{line.description}: billed "
                      f"{found + past_end:f} of {expected:f} due at contract price")

    def _usage_by_period(self, contract: Contract, line: ContractLine,
                         periods: list[BillingPeriod]) -> list[Decimal]:
        sums = [Decimal(0)] * len(periods)
        if line.kind != "usage" or not periods:
            return sums
        starts = [p.start for p in periods]
        for record in self.idx.usage.get((contract.number, line.line_id), []):
            i = bisect_right(starts, record.period_end) - 1
            if i >= 0 and record.period_end <= periods[i].end:
                sums[i] += record.quantity
        return sums

    def milestones(self, contract: Contract, line: ContractLine, milestones: list[Milestone],
                   periods: list[BillingPeriod], covering: list[list[DraftInvoice]],
                   as_of: date) -> None:
        starts = [p.start for p in periods]
        for m in milestones:
            if m.line_id != line.line_id or m.billed or m.due > as_of:
                continue
            i = bisect_right(starts, m.due) - 1
            inside = i >= 0 and m.due <= periods[i].end
            if inside and _lines_for(covering[i], line.line_id):
                continue
            period = periods[i] if inside else BillingPeriod(0, m.due, m.due, m.due, m.due)
            self.leak(contract, line, "milestone_not_invoiced", period, m.amount, ZERO,
                      m.amount, f"milestone {m.name} due {m.due.isoformat()} not invoiced")


def find_leakage(contracts: Iterable[Contract], amendments: Iterable[Amendment],
                 usage: Iterable[UsageRecord], milestones: Iterable[Milestone],
                 drafts_and_invoices: Iterable[DraftInvoice], as_of: date,
                 config: BillingRules | None = None) -> LeakageReport:
    """Every leak of every contract on ``as_of``, with totals per customer and cause."""
    report = LeakageReport(as_of)
    finder = _Finder(report, _index(amendments, usage, milestones, drafts_and_invoices),
                     config or default_rules())
    for contract in contracts:
        finder.contract(contract, as_of)
    return report


_COLUMNS = ("customer_id", "contract", "line", "cause", "period_start", "period_end",
            "expected", "invoiced", "amount", "currency", "detail")


def to_csv(report: LeakageReport, stream: TextIO) -> None:
    """The report's items as CSV (one header row, amounts with two decimals)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for it in report.items:
        writer.writerow((it.customer_id, it.contract_number, it.line_id, it.cause,
                         it.period_start.isoformat(), it.period_end.isoformat(),
                         f"{it.expected:.2f}", f"{it.invoiced:.2f}", f"{it.amount:.2f}",
                         it.currency, _safe(it.detail)))


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

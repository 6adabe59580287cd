"""The billing schedule: which periods a contract bills, and whether a draft bills the next.

Periods are anchored on the contract's start: a monthly contract starting 31 January bills
31 Jan-27 Feb, 28 Feb-30 Mar, 31 Mar-29 Apr ... (the start day, or the month's last day when
the month is shorter). A contract's end cuts its last period short (billed pro rata by
days). Periods billed *in advance* are due from their first day, periods billed *in
arrears* from the day after their last. A milestone contract bills one period per
milestone, from the day after the previous milestone up to the milestone's due date.

By construction consecutive periods never overlap nor leave a gap (property-tested).

Rules: BV-PERIOD-SCHEDULE, BV-PERIOD-DUP, BV-PERIOD-GAP.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bots.billing.model import Contract, DraftInvoice, Milestone
from bots.billing.rules.base import RuleResult, ValidationContext

__all__ = ["BillingPeriod", "add_months", "billing_periods", "period_of", "validate"]

_MONTHS = {"monthly_in_advance": 1, "monthly_in_arrears": 1,
           "quarterly_in_advance": 3, "quarterly_in_arrears": 3}
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BillingPeriod:
    """One billable period (inclusive dates); ``nominal_end`` before a contract end cut it."""

    index: int
    start: date
    end: date
    nominal_end: date
    billable_from: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def nominal_days(self) -> int:
        return (self.nominal_end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, its day clamped to the target month's length."""
    total = anchor.month - 1 + months
    year, month = anchor.year + total // 12, total % 12 + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def _period_at(contract: Contract, index: int) -> BillingPeriod | None:
    """The contract's period number ``index`` (billable or not); None past its end."""
    step = _MONTHS[contract.billing]
    start = add_months(contract.start, index * step)
    if contract.end is not None and start > contract.end:
        return None
    nominal_end = add_months(contract.start, (index + 1) * step) - DAY
    end = min(nominal_end, contract.end) if contract.end is not None else nominal_end
    billable = start if contract.billing.endswith("in_advance") else end + DAY
    return BillingPeriod(index, start, end, nominal_end, billable)


def _periodic(contract: Contract, through: date) -> Iterator[BillingPeriod]:
    index = 0
    while (period := _period_at(contract, index)) is not None \
            and period.billable_from <= through:
        yield period
        index += 1


def _milestone_periods(contract: Contract, milestones: Iterable[Milestone],
                       through: date) -> Iterator[BillingPeriod]:
    start = contract.start
    dues = sorted({m.due for m in milestones if m.contract_number == contract.number})
    for index, due in enumerate(d for d in dues if d >= contract.start):
        if due > through:
            return
        yield BillingPeriod(index, start, due, due, due)
        start = due + DAY


def billing_periods(contract: Contract, through: date,
                    milestones: Iterable[Milestone] = ()) -> Iterator[BillingPeriod]:
    """The contract's periods billable on ``through``, oldest first."""
    if contract.billing == "milestones":
        return _milestone_periods(contract, milestones, through)
    return _periodic(contract, through)


def period_of(contract: Contract, day: date,
              milestones: Iterable[Milestone] = ()) -> BillingPeriod | None:
    """The schedule period (billable or not) holding ``day``; None outside the contract."""
    if day < contract.start or (contract.end is not None and day > contract.end):
        return None
    if contract.billing == "milestones":
        return next((p for p in _milestone_periods(contract, milestones, date.max)
                     if p.start <= day <= p.end), None)
    step = _MONTHS[contract.billing]
    months = (day.year - contract.start.year) * 12 + day.month - contract.start.month
    index = max(months // step, 0)
    while index > 0 and add_months(contract.start, index * step) > day:
        index -= 1
    while add_months(contract.start, (index + 1) * step) <= day:
        index += 1
    return _period_at(contract, index)


def _overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def _schedule_result(draft: DraftInvoice, periods: Sequence[BillingPeriod],
                     ctx: ValidationContext) -> RuleResult:
    found = f"{draft.period_start.isoformat()}..{draft.period_end.isoformat()}"
    match = next((p for p in periods
                  if p.start == draft.period_start and p.end == draft.period_end), None)
    if match is not None:
        return RuleResult("BV-PERIOD-SCHEDULE", True, match.label(), found, None,
                          f"The period is period {match.index + 1} of the contract's "
                          f"{ctx.contract.billing.replace('_', ' ')} schedule.")
    later = period_of(ctx.contract, draft.period_start, ctx.milestones)
    if later is not None and later.start == draft.period_start and later.end == draft.period_end:
        return RuleResult("BV-PERIOD-SCHEDULE", False, f"billable from {later.billable_from}",
                          f"issued {draft.issue_date}", None,
                          f"The period {found} is not due yet: it can be billed from "
                          f"{later.billable_from.isoformat()}.")
    expected = later.label() if later is not None else "a period within the contract"
    return RuleResult("BV-PERIOD-SCHEDULE", False, expected, found, None,
                      f"The period {found} is not a period of the contract's "
                      f"{ctx.contract.billing.replace('_', ' ')} schedule.")


def validate(draft: DraftInvoice, ctx: ValidationContext) -> list[RuleResult]:
    through = max(draft.issue_date, draft.period_end)
    periods = list(billing_periods(ctx.contract, through, ctx.milestones))
    others = ctx.others(draft)
    found = f"{draft.period_start.isoformat()}..{draft.period_end.isoformat()}"
    results = [_schedule_result(draft, periods, ctx)]

    clash = [o for o in others
             if _overlaps(o.period_start, o.period_end, draft.period_start, draft.period_end)]
    if clash:
        names = ", ".join(f"{o.number} ({o.period_start}..{o.period_end}, {o.status})"
                          for o in clash)
        results.append(RuleResult("BV-PERIOD-DUP", False, "a period not billed before", found,
                                  None, f"The period is already billed by {names}."))
    else:
        results.append(RuleResult("BV-PERIOD-DUP", True, "a period not billed before", found,
                                  None, "No other invoice of the contract bills this period."))

    billed = sorted((o.period_start, o.period_end) for o in others)
    unbilled: list[BillingPeriod] = []
    cursor, latest_end = 0, date.min
    for period in periods:  # one walk: periods and billed spans both ordered by start
        if period.start >= draft.period_start:
            break
        while cursor < len(billed) and billed[cursor][0] <= period.end:
            latest_end = max(latest_end, billed[cursor][1])
            cursor += 1
        if latest_end < period.start:  # no billed span starting by its end reaches into it
            unbilled.append(period)
    if unbilled:
        first = unbilled[0]
        more = f" and {len(unbilled) - 1} more" if len(unbilled) > 1 else ""
        results.append(RuleResult("BV-PERIOD-GAP", False, first.label(), found, None,
                                  f"The period {first.label()}{more} before this one was "
                                  "never billed: bill the earlier period first."))
    else:
        results.append(RuleResult("BV-PERIOD-GAP", True, "the next period due", found, None,
                                  "Every earlier period of the contract is billed."))
    return results

"""The finance view of operations in money and time: the ``/finance`` page, its API
(``/api/v1/dashboard/finance``) and ``/metrics`` draw the same figures from here.

Where each figure comes from (the page says it too):

- cash applied: finance events ``payment_applied`` (today and this month, UTC);
- unapplied cash: the money of cases still waiting from the cash-application processes
  (:data:`CASH_APPLICATION`: payments the bot could not apply), and the payments put on
  account this month (finance events ``payment_on_account``);
- straight-through rate per process: work items its runs finished with no exception case,
  out of all items they finished (successful, failed, abandoned), last 30 days;
- exceptions by value, reason and age: cases still waiting (open, in progress, awaiting
  approval or posting) with their amounts, per age bucket;
- approval delays: request -> decision of approvals decided in the last 30 days (median,
  p90), and what waits now;
- manual touches: people's entries in the history of cases resolved in the last 30 days,
  per case;
- SLA breaches: cases waiting past their SLA now, and resolved after it (30 days);
- rework: cases reopened in the last 30 days (history entries ``reopened``);
- revenue leakage: the newest ``revenue_leakage_run`` record of the billing checks.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.services.shared_figures import FINANCE_TTL, shared
from orchestrator.store import Store, utcnow
from orchestrator.store.figures import AGE_BUCKETS, midnight

__all__ = ["CASH_APPLICATION", "TREND_DAYS", "FinanceOut", "finance_figures",
           "percentile", "recent_finance_figures"]

TREND_DAYS = 30
#: processes (bots) whose waiting cases are payments not yet applied
CASH_APPLICATION = ("payment-posting",)
ZERO = Decimal("0.00")


class CurrencyAmount(BaseModel):
    currency: str
    count: int
    amount: Decimal


class ProcessOut(BaseModel):
    process: str
    items_finished: int = Field(description="work items finished, last 30 days")
    items_straight_through: int = Field(description="of them successful with no case")
    straight_through_rate: float | None
    cases_resolved: int = Field(description="cases resolved, last 30 days")
    manual_touches: int = Field(description="people's actions on those cases")
    touches_per_case: float | None
    resolved_late: int
    waiting: int = Field(description="cases waiting now")
    waiting_amount: Decimal
    past_sla: int = Field(description="cases waiting past their SLA now")
    past_sla_amount: Decimal
    reopened: int = Field(description="cases reopened, last 30 days")


class ExceptionCell(BaseModel):
    reason: str
    bucket: str
    count: int
    amount: Decimal


class ReasonOut(BaseModel):
    reason: str
    count: int
    amount: Decimal
    buckets: dict[str, ExceptionCell]


class ApprovalDelays(BaseModel):
    decided: int = Field(description="approvals decided, last 30 days")
    median_seconds: float | None
    p90_seconds: float | None
    pending: int
    pending_amount: Decimal
    oldest_pending_seconds: float | None


class LeakageOut(BaseModel):
    total: Decimal
    currency: str | None
    by_cause: dict[str, Decimal]
    found_at: dt.datetime | None


class DayOut(BaseModel):
    day: dt.date
    cash_applied: Decimal = Field(description="in the main currency")
    payments_applied: int
    cases_opened: int
    cases_resolved: int
    items_finished: int
    items_straight_through: int


class FinanceOut(BaseModel):
    generated_at: dt.datetime
    currency: str = Field(description="the main currency: the one most cash was applied in")
    cash_applied_today: list[CurrencyAmount]
    cash_applied_month: list[CurrencyAmount]
    unapplied_waiting: CurrencyAmount
    on_account_month: list[CurrencyAmount]
    straight_through_rate: float | None
    processes: list[ProcessOut]
    age_buckets: list[str]
    exceptions: list[ReasonOut]
    exceptions_count: int
    exceptions_amount: Decimal
    past_sla: int
    past_sla_amount: Decimal
    resolved_late: int
    resolved: int
    reopened: int
    manual_touches_per_case: float | None
    approvals: ApprovalDelays
    leakage: LeakageOut | None
    trend: list[DayOut]


def percentile(sorted_values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.9 = p90) of ascending values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return ZERO


def _amounts(sums: dict[str, Any]) -> list[CurrencyAmount]:
    return [CurrencyAmount(currency=cur or "", count=mc.count, amount=mc.amount)
            for cur, mc in sorted(sums.items(), key=lambda kv: -kv[1].amount)]


def _leakage(data: dict[str, Any] | None) -> LeakageOut | None:
    if data is None:
        return None
    causes = data.get("by_cause") or data.get("causes") or {}
    by_cause = {str(k): _dec(v.get("total") if isinstance(v, dict) else v)
                for k, v in causes.items()} if isinstance(causes, dict) else {}
    written = data.get("_written_at")
    return LeakageOut(total=_dec(data.get("total")), currency=data.get("currency"),
                      by_cause=by_cause,
                      found_at=written if isinstance(written, dt.datetime) else None)


def finance_figures(store: Store, now: dt.datetime | None = None) -> FinanceOut:
    now = now or utcnow()
    today = midnight(now)
    first = today - dt.timedelta(days=TREND_DAYS - 1)
    month = today.replace(day=1)
    since = min(first, month)
    applied = store.finance_event_sums("payment_applied", since)
    on_account = store.finance_event_sums("payment_on_account", month)
    month_sums = applied.total(month.date().isoformat())
    main = max(month_sums, key=lambda c: month_sums[c].amount, default="") or "EUR"

    per: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for done in store.items_done(first):
        per[done.process]["finished"] += done.finished
        per[done.process]["stp"] += done.straight_through
        days[done.day]["finished"] += done.finished
        days[done.day]["stp"] += done.straight_through
    cells: dict[str, dict[str, ExceptionCell]] = defaultdict(dict)
    for w in store.waiting_cases(now):
        p = per[w.process]
        p["waiting"] += w.count
        p["waiting_amount"] += w.amount
        p["past_sla"] += w.past_sla
        p["past_sla_amount"] += w.past_sla_amount
        old = cells[w.reason].get(w.bucket)
        cells[w.reason][w.bucket] = ExceptionCell(
            reason=w.reason, bucket=w.bucket, count=w.count + (old.count if old else 0),
            amount=w.amount + (old.amount if old else ZERO))
    for t in store.manual_touches(first):
        per[t.process]["resolved"] += t.cases
        per[t.process]["touches"] += t.events
    for r in store.case_events_by_process("reopened", first):
        per[r.process]["reopened"] += r.cases
    for process, (_n, late) in store.resolved_late(first).items():
        per[process]["late"] += late

    processes = [ProcessOut(
        process=name, items_finished=p["finished"], items_straight_through=p["stp"],
        straight_through_rate=p["stp"] / p["finished"] if p["finished"] else None,
        cases_resolved=p["resolved"], manual_touches=p["touches"],
        touches_per_case=p["touches"] / p["resolved"] if p["resolved"] else None,
        resolved_late=p["late"], waiting=p["waiting"],
        waiting_amount=p["waiting_amount"] or ZERO, past_sla=p["past_sla"],
        past_sla_amount=p["past_sla_amount"] or ZERO, reopened=p["reopened"],
    ) for name, p in sorted(per.items())]

    labels = [label for label, _ in AGE_BUCKETS]
    reasons = sorted(
        (ReasonOut(reason=reason, count=sum(c.count for c in b.values()),
                   amount=sum((c.amount for c in b.values()), ZERO),
                   buckets={lb: b.get(lb) or ExceptionCell(reason=reason, bucket=lb, count=0,
                                                          amount=ZERO) for lb in labels})
         for reason, b in cells.items()),
        key=lambda r: (-r.amount, -r.count, r.reason))

    spans = store.approval_spans(first)
    pending, pending_amount, oldest = store.pending_approvals()
    finished = sum(p.items_finished for p in processes)
    resolved = sum(p.cases_resolved for p in processes)
    opened_resolved = store.cases_per_day(first)
    trend = []
    for i in range(TREND_DAYS):
        day = (first + dt.timedelta(days=i)).date()
        key = day.isoformat()
        cash = applied.by_day.get((key, main))
        o, r = opened_resolved.get(key, (0, 0))
        trend.append(DayOut(day=day, cash_applied=cash.amount if cash else ZERO,
                            payments_applied=cash.count if cash else 0, cases_opened=o,
                            cases_resolved=r, items_finished=days[key]["finished"],
                            items_straight_through=days[key]["stp"]))
    waiting_cash = store.waiting_money_of(CASH_APPLICATION)
    return FinanceOut(
        generated_at=now, currency=main,
        cash_applied_today=_amounts(applied.total(today.date().isoformat())),
        cash_applied_month=_amounts(month_sums),
        unapplied_waiting=CurrencyAmount(currency=main, count=waiting_cash.count,
                                         amount=waiting_cash.amount),
        on_account_month=_amounts(on_account.total(month.date().isoformat())),
        straight_through_rate=(sum(p.items_straight_through for p in processes) / finished
                               if finished else None),
        processes=processes, age_buckets=labels, exceptions=reasons,
        exceptions_count=sum(r.count for r in reasons),
        exceptions_amount=sum((r.amount for r in reasons), ZERO),
        past_sla=sum(p.past_sla for p in processes),
        past_sla_amount=sum((p.past_sla_amount for p in processes), ZERO),
        resolved_late=sum(p.resolved_late for p in processes), resolved=resolved,
        reopened=sum(p.reopened for p in processes),
        manual_touches_per_case=(sum(p.manual_touches for p in processes) / resolved
                                 if resolved else None),
        approvals=ApprovalDelays(
            decided=len(spans), median_seconds=statistics.median(spans) if spans else None,
            p90_seconds=percentile(spans, 0.9), pending=pending,
            pending_amount=pending_amount,
            oldest_pending_seconds=(now - oldest).total_seconds() if oldest else None),
        leakage=_leakage(store.latest_leakage_run()),
        trend=trend,
    )



def recent_finance_figures(store: Store) -> FinanceOut:
    """:func:`finance_figures` shared by everyone asking within a few seconds
    (:mod:`orchestrator.services.shared_figures`)."""
    return shared(store, "finance", lambda: finance_figures(store), ttl=FINANCE_TTL)

"""Money in the inbox: the amounts of the cases a filter lists, per reason and in all,
summed by the database from the inbox index (status, SLA, age, reason, owner, amount).

SQLite keeps money as a number without decimals of its own, so it sums whole cents (exact
whatever the count); PostgreSQL sums its ``numeric`` column as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, cast
from sqlmodel import Session, col, func, select

from orchestrator.store import Store
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.models import ExceptionCase
from orchestrator.store.types import utcnow

__all__ = ["ReasonTotal", "Totals", "inbox_totals"]

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ReasonTotal:
    reason: str
    cases: int
    amount: Decimal  # the cases' amounts added (cases without an amount count as none)
    without_amount: int  # cases that state no amount


@dataclass(frozen=True, slots=True)
class Totals:
    reasons: list[ReasonTotal]  # largest amount first

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.reasons)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.reasons), Decimal("0.00"))


def inbox_totals(store: Store, flt: CaseFilter, now: dt.datetime | None = None) -> Totals:
    """Count and amount per reason of the cases ``flt`` lists (all its filters applied);
    kept like the inbox's counts until a case changes (``now`` given: counted afresh)."""
    return store._kept(("money", flt), lambda: _count(store, flt, now),
                       fresh=now is not None)


def _count(store: Store, flt: CaseFilter, now: dt.datetime | None) -> Totals:
    c = ExceptionCase
    amount = col(c.amount)
    sqlite = store.engine.dialect.name == "sqlite"
    summed = func.sum(cast(func.round(amount * 100), BigInteger)) if sqlite else func.sum(amount)
    query = (select(c.reason_code, func.count(), func.count(amount), summed)
             .where(*flt.conditions(now or utcnow(), dialect=store.engine.dialect.name))
             .group_by(col(c.reason_code)))
    with Session(store.engine) as s:
        rows = list(s.exec(query))
    reasons = []
    for reason, count, counted, total in rows:
        value = Decimal(int(total or 0)) * CENT if sqlite else Decimal(total or 0).quantize(CENT)
        reasons.append(ReasonTotal(str(reason), int(count), value, int(count) - int(counted)))
    reasons.sort(key=lambda r: (-r.amount, r.reason))
    return Totals(reasons)

"""The inbox's queries: filter, sort and page exception cases in SQL, count by reason and age.

Everything runs in the database (WHERE, ORDER BY, LIMIT/OFFSET, GROUP BY) on indexed
columns, so an inbox of tens of thousands of cases answers in milliseconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.case_search import search_condition
from orchestrator.store.models import ExceptionCase
from orchestrator.store.states import CaseStatus
from orchestrator.store.types import utcnow

__all__ = ["AGE_BUCKETS", "SORTS", "CaseFilter", "CasePage", "CaseQueryMixin", "InboxCounts"]

_C = ExceptionCase
#: Statuses that still need someone (a person, an approver or a bot): the inbox default.
PENDING = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_APPROVAL,
           CaseStatus.AWAITING_POSTING)
#: key -> (label, age from, age below) in whole days since the case was opened.
AGE_BUCKETS: dict[str, tuple[str, int, int | None]] = {
    "0-1": ("0-1 days", 0, 2),
    "2-3": ("2-3 days", 2, 4),
    "4-7": ("4-7 days", 4, 8),
    "over-7": ("over 7 days", 8, None),
}
SORTS: dict[str, Any] = {
    "sla": _C.sla_due_at, "age": _C.created_at, "amount": _C.amount,
    "reason": _C.reason_code, "customer": _C.customer_id, "owner": _C.owner,
    "status": _C.status, "reference": _C.reference, "bot": _C.bot, "id": _C.id,
}


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """``owner``: a user name, ``"mine"`` (then ``me``) or ``"unassigned"``; ``status``:
    ``"pending"`` (default: not yet resolved), ``"all"`` or one status."""

    reason: str | None = None
    bot: str | None = None
    customer: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    owner: str | None = None
    me: str | None = None
    status: str = "pending"
    age: str | None = None
    breached: bool = False
    q: str | None = None
    run_id: int | None = None

    def __post_init__(self) -> None:
        if self.age is not None and self.age not in AGE_BUCKETS:
            raise ValueError(f"age must be one of {list(AGE_BUCKETS)}, not {self.age!r}")
        if self.status not in ("pending", "all", *CaseStatus):
            raise ValueError(f"unknown case status {self.status!r}")

    def conditions(self, now: dt.datetime, *, without: str = "") -> list[ColumnElement[bool]]:
        """The WHERE clauses; ``without`` leaves one filter out (for its own facet)."""
        where: list[ColumnElement[bool]] = []
        if self.status == "pending":
            where.append(col(_C.status).in_(PENDING))
        elif self.status != "all":
            where.append(col(_C.status) == self.status)
        for name, column in (("reason", _C.reason_code), ("bot", _C.bot),
                             ("customer", _C.customer_id), ("run_id", _C.run_id)):
            value = getattr(self, name)
            if value not in (None, "") and name != without:
                where.append(col(column) == value)
        if self.amount_min is not None:
            where.append(col(_C.amount) >= self.amount_min)
        if self.amount_max is not None:
            where.append(col(_C.amount) <= self.amount_max)
        if self.owner == "unassigned":
            where.append(col(_C.owner).is_(None))
        elif self.owner == "mine":
            where.append(col(_C.owner) == (self.me or "\x00nobody"))
        elif self.owner:
            where.append(col(_C.owner) == self.owner)
        if self.age and without != "age":
            where.append(_age_condition(self.age, now))
        if self.breached:
            where.append(col(_C.sla_due_at) < now)
        found = search_condition(self.q) if self.q else None
        if found is not None:
            where.append(found)
        return where


def _age_condition(key: str, now: dt.datetime) -> ColumnElement[bool]:
    _, start, stop = AGE_BUCKETS[key]
    newest = col(_C.created_at) <= now - dt.timedelta(days=start)
    if stop is None:
        return newest
    return and_(newest, col(_C.created_at) > now - dt.timedelta(days=stop))


@dataclass(slots=True)
class CasePage:
    cases: list[ExceptionCase]
    total: int
    offset: int
    limit: int
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboxCounts:
    pending: int  # not yet resolved
    active: int  # open or in progress: waiting for a person
    mine: int  # pending and owned by the caller
    unassigned: int  # open or in progress and nobody's
    breached: int  # pending past their SLA due date
    awaiting_approval: int


class CaseQueryMixin(StoreBase):
    def search_cases(
        self, flt: CaseFilter | None = None, *, sort: str = "sla", offset: int = 0,
        limit: int = 50, now: dt.datetime | None = None,
    ) -> CasePage:
        """One page of cases; ``sort`` is a key of :data:`SORTS`, ``-key`` for descending."""
        flt, now = flt or CaseFilter(), now or utcnow()
        key = sort.removeprefix("-")
        if key not in SORTS:
            raise ValueError(f"sort by one of {sorted(SORTS)}, not {sort!r}")
        column = col(SORTS[key])
        order = column.desc() if sort.startswith("-") else column.asc()
        where = flt.conditions(now)
        query = select(_C).where(*where).order_by(order, col(_C.id)).offset(max(offset, 0))
        with self._tx() as s:
            total = s.exec(select(func.count()).select_from(_C).where(*where)).one()
            cases = list(s.exec(query.limit(max(1, min(limit, 500)))))
        return CasePage(cases, int(total), offset, limit)

    def case_facets(
        self, flt: CaseFilter | None = None, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Counts for the inbox's chips: per reason (ignoring the reason filter), per age
        bucket (ignoring the age filter), past SLA, and the total."""
        flt, now = flt or CaseFilter(), now or utcnow()
        reasons_q = (select(_C.reason_code, func.count())
                     .where(*flt.conditions(now, without="reason"))
                     .group_by(col(_C.reason_code)).order_by(col(_C.reason_code)))
        buckets = [func.sum(case((_age_condition(k, now), 1), else_=0)) for k in AGE_BUCKETS]
        aging_q = select(*buckets, func.sum(case((col(_C.sla_due_at) < now, 1), else_=0)),
                         func.count()).where(*flt.conditions(now, without="age"))
        total_q = select(func.count()).select_from(_C).where(*flt.conditions(now))
        with self._tx() as s:
            reasons = {code: int(n) for code, n in s.exec(reasons_q)}
            *ages, breached, _ = s.exec(aging_q).one()
            total = s.exec(total_q).one()
        return {"reasons": reasons,
                "aging": {k: int(n or 0) for k, n in zip(AGE_BUCKETS, ages, strict=True)},
                "breached": int(breached or 0), "total": int(total)}

    def inbox_counts(self, me: str | None = None, now: dt.datetime | None = None) -> InboxCounts:
        now = now or utcnow()
        pending = col(_C.status).in_(PENDING)
        active = col(_C.status).in_((CaseStatus.OPEN, CaseStatus.IN_PROGRESS))

        def count_if(cond: ColumnElement[bool]) -> Any:
            return func.sum(case((cond, 1), else_=0))

        query = select(
            func.count(), count_if(active), count_if(col(_C.owner) == (me or "\x00nobody")),
            count_if(and_(active, col(_C.owner).is_(None))),
            count_if(col(_C.sla_due_at) < now),
            count_if(col(_C.status) == CaseStatus.AWAITING_APPROVAL),
        ).where(pending)
        with self._tx() as s:
            row = s.exec(query).one()
        return InboxCounts(*(int(n or 0) for n in row))

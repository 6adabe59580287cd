"""The inbox's queries: filter, sort and page exception cases in SQL, count by reason and age.

Everything runs in the database (WHERE, ORDER BY, LIMIT/OFFSET, GROUP BY) on indexed
columns, so an inbox of tens of thousands of cases answers in milliseconds.

The chips and counts (:meth:`CaseQueryMixin.case_facets`, :meth:`~CaseQueryMixin.inbox_counts`)
aggregate every pending case; several people reloading the inbox would recount the same
cases each time. They are kept for :data:`COUNTS_SECONDS` at most and only while no case
was opened or changed (every change of a case writes an event to its history: the
newest event id and the newest case id are the version a kept count is checked against).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func
from sqlalchemy.orm import defer
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.case_search import search_condition
from orchestrator.store.models import CaseEvent, ExceptionCase
from orchestrator.store.states import CaseStatus
from orchestrator.store.types import utcnow

__all__ = ["AGE_BUCKETS", "COUNTS_SECONDS", "SEARCH_IDS", "SORTS", "CaseFilter", "CasePage",
           "CaseQueryMixin", "InboxCounts"]

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
#: How long the inbox's counts are kept while no case changes.
COUNTS_SECONDS = 5.0
#: A search that matches at most this many cases is looked up once per page (see
#: :meth:`CaseQueryMixin.resolve_search`); a broader one stays a condition of each query.
SEARCH_IDS = 2000
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
    #: the cases a search matched (see :meth:`CaseQueryMixin.resolve_search`): used
    #: instead of ``q`` so that a page's queries do not search the text again each
    ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.age is not None and self.age not in AGE_BUCKETS:
            raise ValueError(f"age must be one of {list(AGE_BUCKETS)}, not {self.age!r}")
        if self.status not in ("pending", "all", *CaseStatus):
            raise ValueError(f"unknown case status {self.status!r}")

    def conditions(self, now: dt.datetime, *, without: str = "",
                   dialect: str = "") -> list[ColumnElement[bool]]:
        """The WHERE clauses; ``without`` leaves one filter out (for its own facet);
        ``dialect``: the database's (how a search uses its text index)."""
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
        if self.ids is not None:
            where.append(col(_C.id).in_(self.ids) if self.ids else false())
        elif self.q and (found := search_condition(self.q, dialect)) is not None:
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


#: What a page of the inbox does not show (left in the database; read when touched).
_NOT_LISTED = (_C.candidates, _C.evidence, _C.search_text)


class _KeptCounts:
    """Counts by key, each with the case version and time it was counted at."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: dict[Any, tuple[tuple[int, int], float, Any]] = {}

    def get(self, key: Any, version: tuple[int, int], count: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self.lock:
            hit = self.kept.get(key)
        if hit is not None and hit[0] == version and now - hit[1] < COUNTS_SECONDS:
            return hit[2]
        value = count()
        with self.lock:
            if len(self.kept) > 1000:  # filters people typed: start over
                self.kept.clear()
            self.kept[key] = (version, now, value)
        return value


class CaseQueryMixin(StoreBase):
    def _case_version(self) -> tuple[int, int]:
        """Changes whenever a case is opened or changed (both are index lookups)."""
        query = select(select(func.max(col(CaseEvent.id))).scalar_subquery(),
                       select(func.max(col(_C.id))).scalar_subquery())
        with self._tx() as s:
            events, cases = s.exec(query).one()
        return int(events or 0), int(cases or 0)

    def _kept(self, key: Any, count: Callable[[], Any], fresh: bool) -> Any:
        if fresh:
            return count()
        kept = self.__dict__.get("_kept_counts")
        if kept is None:
            kept = self.__dict__.setdefault("_kept_counts", _KeptCounts())
        return kept.get(key, self._case_version(), count)

    def resolve_search(self, flt: CaseFilter) -> CaseFilter:
        """``flt`` with its search text replaced by the ids of the cases it matches (one
        pass over the cases' text instead of one per query of a page), when they are at
        most :data:`SEARCH_IDS`; else ``flt`` unchanged."""
        found = search_condition(flt.q, self.dialect) if flt.q and flt.ids is None else None
        if found is None:
            return flt
        with self._tx() as s:
            ids = list(s.exec(select(_C.id).where(found).limit(SEARCH_IDS + 1)))
        if len(ids) > SEARCH_IDS:
            return flt
        return replace(flt, ids=tuple(int(i) for i in ids if i is not None))

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
        where = flt.conditions(now, dialect=self.dialect)
        # the page's ids first (sorted from an index, small rows), then their cases: the
        # database never sorts whole cases with their data
        ids_q = (select(_C.id).where(*where).order_by(order, col(_C.id))
                 .offset(max(offset, 0)).limit(max(1, min(limit, 500))))
        with self._tx() as s:
            total = s.exec(select(func.count()).select_from(_C).where(*where)).one()
            ids = [int(i) for i in s.exec(ids_q) if i is not None]
            rows = s.exec(select(_C).where(col(_C.id).in_(ids))
                          .options(*(defer(c) for c in _NOT_LISTED))) if ids else []
            by_id = {c.id: c for c in rows}
        return CasePage([by_id[i] for i in ids if i in by_id], int(total), offset, limit)

    def case_facets(
        self, flt: CaseFilter | None = None, now: dt.datetime | None = None,
        total: int | None = None,
    ) -> dict[str, Any]:
        """Counts for the inbox's chips: per reason (ignoring the reason filter), per age
        bucket (ignoring the age filter), past SLA, and the total (``total``: already
        counted for the same filter, e.g. by :meth:`search_cases`)."""
        flt = flt or CaseFilter()
        found = self._kept(("facets", flt, total), lambda: self._facets(flt, now, total),
                           fresh=now is not None)
        return {**found, "reasons": dict(found["reasons"]), "aging": dict(found["aging"])}

    def _facets(self, flt: CaseFilter, now: dt.datetime | None,
                total: int | None) -> dict[str, Any]:
        now = now or utcnow()
        reasons_q = (select(_C.reason_code, func.count())
                     .where(*flt.conditions(now, without="reason", dialect=self.dialect))
                     .group_by(col(_C.reason_code)).order_by(col(_C.reason_code)))
        buckets = [func.sum(case((_age_condition(k, now), 1), else_=0)) for k in AGE_BUCKETS]
        aging_q = select(*buckets, func.sum(case((col(_C.sla_due_at) < now, 1), else_=0)),
                         func.count()).where(*flt.conditions(now, without="age",
                                                            dialect=self.dialect))
        total_q = select(func.count()).select_from(_C).where(
            *flt.conditions(now, dialect=self.dialect))
        with self._tx() as s:
            reasons = {code: int(n) for code, n in s.exec(reasons_q)}
            *ages, breached, unaged = s.exec(aging_q).one()
            if total is None:
                total = unaged if not flt.age else s.exec(total_q).one()
        return {"reasons": reasons,
                "aging": {k: int(n or 0) for k, n in zip(AGE_BUCKETS, ages, strict=True)},
                "breached": int(breached or 0), "total": int(total)}

    def inbox_counts(self, me: str | None = None, now: dt.datetime | None = None) -> InboxCounts:
        """The navigation's and inbox's numbers for ``me`` (kept briefly, see the module)."""
        return self._kept(("counts", me), lambda: self._counts(me, now), fresh=now is not None)

    def _counts(self, me: str | None, now: dt.datetime | None) -> InboxCounts:
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

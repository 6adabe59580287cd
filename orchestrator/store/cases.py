"""Exception cases: what a bot must not decide alone, for a person to clear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bots.runtime.evidence import for_other_run
from orchestrator.store.base import StoreBase
from orchestrator.store.case_events import add_event
from orchestrator.store.case_search import case_search_text
from orchestrator.store.models import ExceptionCase, RunRecord, WorkItem
from orchestrator.store.states import CaseStatus, guard
from orchestrator.store.types import CENT, to_jsonable, utcnow

__all__ = ["CasesMixin"]

_OPEN = [CaseStatus.OPEN, CaseStatus.IN_PROGRESS]


class CasesMixin(StoreBase):
    def open_case(
        self,
        run_id: int | None,
        item_id: int | None,
        reference: str,
        reason_code: str,
        summary: str,
        data: Mapping[str, Any] | None = None,
        candidates: Sequence[Mapping[str, Any]] = (),
        evidence: Sequence[str | PurePath] = (),
        rule: str | None = None,
        amount: Decimal | None = None,
        customer_id: str | None = None,
        sla_hours: float | None = None,
        sla_due: dt.datetime | None = None,
    ) -> ExceptionCase:
        """Open a case, or return the case already open for (reference, reason_code).

        A rerun or a retry therefore never duplicates a case. A new case records its bot
        (from the run) and a ``created`` event in its history. It is due at ``sla_due``
        (timezone-aware) when given, else ``sla_hours`` (or the store's default) from now.
        """
        now = utcnow()
        if sla_due is not None and sla_due.utcoffset() is None:
            raise ValueError(f"case {reference}: sla_due must be timezone-aware")
        case = ExceptionCase(
            run_id=run_id, work_item_id=item_id, reference=reference,
            reason_code=str(reason_code), summary=summary, rule=rule,
            data=to_jsonable(dict(data or {})),
            candidates=to_jsonable([dict(c) for c in candidates]),
            evidence=[str(p) for p in evidence], customer_id=customer_id,
            amount=None if amount is None else Decimal(amount).quantize(CENT),
            created_at=now,
            sla_due_at=sla_due.astimezone(dt.UTC) if sla_due is not None else
            now + dt.timedelta(hours=self.case_sla_hours if sla_hours is None else sla_hours),
        )
        try:
            with self._tx(write=True) as s:
                existing = self._resolving_case(s, item_id, case.evidence, run_id)
                existing = existing or self._open_case(s, reference, case.reason_code)
                if existing is not None:
                    return existing
                case.bot = self._run_bot(s, run_id)
                case.search_text = case_search_text(case)
                s.add(case)
                s.flush()
                add_event(s, case.id or 0, f"bot:{case.bot}" if case.bot else "bot", "created",
                          summary, {"reason_code": case.reason_code, "run_id": run_id,
                                    "work_item_id": item_id})
                return case
        except IntegrityError:  # another process opened it first
            with self._tx() as s:
                existing = self._open_case(s, reference, case.reason_code)
            return self._need(existing, "open case", (reference, reason_code))

    @staticmethod
    def _run_bot(s: Session, run_id: int | None) -> str | None:
        run = s.get(RunRecord, run_id) if run_id is not None else None
        return run.bot if run is not None else None

    @staticmethod
    def _resolving_case(
        s: Session, item_id: int | None, evidence: list[str], run_id: int | None = None
    ) -> ExceptionCase | None:
        """The case a failed item was posting a person's decision for: no second case.

        The failure itself is already in that case's history (the item's release reopened
        it); new evidence (the screenshot of the failure) is added to it, naming the run
        that recorded it when that is not the case's run (``run:<id>/<path>``).
        """
        item = s.get(WorkItem, item_id) if item_id is not None else None
        case_id = (item.payload or {}).get("resolves_case") if item is not None else None
        case = s.get(ExceptionCase, int(case_id)) if case_id is not None else None
        if case is not None:
            if run_id is not None and run_id != case.run_id:
                evidence = [for_other_run(e, run_id) for e in evidence]
            case.evidence = [*case.evidence, *(e for e in evidence if e not in case.evidence)]
            s.add(case)
        return case

    @staticmethod
    def _open_case(s: Session, reference: str, reason_code: str) -> ExceptionCase | None:
        return s.exec(
            select(ExceptionCase).where(
                ExceptionCase.reference == reference,
                ExceptionCase.reason_code == reason_code,
                col(ExceptionCase.status).in_(_OPEN),
            )
        ).first()

    def get_case(self, case_id: int) -> ExceptionCase:
        with self._tx() as s:
            return self._need(s.get(ExceptionCase, case_id), "exception case", case_id)

    def list_cases(
        self,
        reason_code: str | None = None,
        status: str | None = None,
        run_id: int | None = None,
        reference: str | None = None,
        limit: int | None = None,
    ) -> list[ExceptionCase]:
        """Oldest first (the one closest to its SLA leads)."""
        query = select(ExceptionCase).order_by(col(ExceptionCase.id)).limit(limit)
        for column, value in (
            (ExceptionCase.reason_code, reason_code), (ExceptionCase.status, status),
            (ExceptionCase.run_id, run_id), (ExceptionCase.reference, reference),
        ):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query))

    def find_cases(self, *, bot: str | None = None, statuses: Sequence[str] = (),
                   customer_id: str | None = None, reason_code: str | None = None,
                   limit: int = 100) -> list[ExceptionCase]:
        """Cases of ``bot`` (any when None) in ``statuses`` (any when empty), of
        ``customer_id`` and ``reason_code`` when given; oldest first (a bot's read-only
        lookup, ``ctx.cases``)."""
        query = select(ExceptionCase).order_by(col(ExceptionCase.id)).limit(limit)
        if statuses:
            query = query.where(col(ExceptionCase.status).in_(list(statuses)))
        for column, value in ((ExceptionCase.bot, bot), (ExceptionCase.reason_code, reason_code),
                              (ExceptionCase.customer_id, customer_id)):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query))

    def set_case_status(
        self, case_id: int, status: str, owner: str | None = None
    ) -> ExceptionCase:
        """Move a case along its workflow (guarded); ``owner`` assigns it to a person."""
        with self._tx(write=True) as s:
            case = self._need(s.get(ExceptionCase, case_id), "exception case", case_id)
            case.status = guard(CaseStatus, case.status, status)
            if owner is not None:
                case.owner = owner
            s.add(case)
            return case

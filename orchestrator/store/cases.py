"""Exception cases: what a bot must not decide alone, for a person to clear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import ExceptionCase
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
    ) -> ExceptionCase:
        """Open a case, or return the case already open for (reference, reason_code).

        A rerun or a retry therefore never duplicates a case.
        """
        now = utcnow()
        case = ExceptionCase(
            run_id=run_id, work_item_id=item_id, reference=reference,
            reason_code=str(reason_code), summary=summary, rule=rule,
            data=to_jsonable(dict(data or {})),
            candidates=to_jsonable([dict(c) for c in candidates]),
            evidence=[str(p) for p in evidence], customer_id=customer_id,
            amount=None if amount is None else Decimal(amount).quantize(CENT),
            created_at=now,
            sla_due_at=now + dt.timedelta(hours=self.case_sla_hours if sla_hours is None
                                          else sla_hours),
        )
        try:
            with self._tx(write=True) as s:
                existing = self._open_case(s, reference, case.reason_code)
                if existing is not None:
                    return existing
                s.add(case)
                s.flush()
                return case
        except IntegrityError:  # another process opened it first
            with self._tx() as s:
                existing = self._open_case(s, reference, case.reason_code)
            return self._need(existing, "open case", (reference, reason_code))

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

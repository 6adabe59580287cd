"""Recovering work from robots that died: expired leases, runs whose process is gone, and
failed items whose exception case was never opened."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import ColumnElement, exists, func, or_
from sqlmodel import Session, col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.case_hooks import item_released
from orchestrator.store.cases import CasesMixin
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import ExceptionCase, RunRecord, WorkItem
from orchestrator.store.states import ItemState, RunStatus, guard
from orchestrator.store.types import utcnow

__all__ = ["RecoveryMixin", "pid_alive"]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _abandon(s: Session, items: Iterable[WorkItem], now: dt.datetime) -> list[int]:
    abandoned = []
    for item in items:
        item.state = guard(ItemState, item.state, ItemState.ABANDONED)
        item.finished_at, item.lease_expires_at = now, None
        item.failure_kind, item.failure_code = "application", "ABANDONED"
        item.failure_message = f"lease of {item.lease_owner!r} lapsed: the robot stopped"
        s.add(item)
        s.flush()
        clone = retry_as_clone(s, item, now)
        item_released(s, item, clone)  # a case waiting for this posting follows it
        assert item.id is not None
        abandoned.append(item.id)
    return abandoned


def _covered_by_a_case() -> ColumnElement[bool]:
    """The item's failure went to a case: its own, or the case that was open for the same
    reference and reason when the item failed (a failure joins an open case)."""
    failed_at = func.coalesce(WorkItem.finished_at, WorkItem.created_at)
    own = exists().where(ExceptionCase.work_item_id == WorkItem.id)
    joined = exists().where(
        ExceptionCase.reference == WorkItem.reference,
        ExceptionCase.reason_code == WorkItem.failure_code,
        ExceptionCase.created_at <= failed_at,
        or_(col(ExceptionCase.resolved_at).is_(None), ExceptionCase.resolved_at >= failed_at))
    return or_(own, joined)


class RecoveryMixin(CasesMixin, StoreBase):
    def recover_expired_leases(self, now: dt.datetime | None = None) -> list[int]:
        """``in_progress`` items whose lease expired → ``abandoned`` → retried as a clone.

        Returns the ids of the abandoned items.
        """
        now = now or utcnow()
        with self._tx(write=True) as s:
            items = s.exec(
                select(WorkItem)
                .where(
                    WorkItem.state == ItemState.IN_PROGRESS,
                    col(WorkItem.lease_expires_at) < now,
                )
                .order_by(col(WorkItem.id))
                .with_for_update(skip_locked=True)
            ).all()
            return _abandon(s, items, now)

    def mark_dead_runs_abandoned(
        self, host: str, is_alive: Callable[[int], bool] = pid_alive
    ) -> list[int]:
        """Runs on ``host`` still marked running whose process is gone → ``abandoned``.

        Their ``in_progress`` items are abandoned and retried as clones at once, without
        waiting for the lease to expire. Returns the ids of the abandoned runs.
        """
        now = utcnow()
        with self._tx(write=True) as s:
            runs = s.exec(
                select(RunRecord).where(
                    RunRecord.host == host,
                    col(RunRecord.status).in_([RunStatus.RUNNING, RunStatus.STOPPING]),
                )
            ).all()
            dead = [r for r in runs if r.pid is not None and not is_alive(r.pid)]
            for run in dead:
                run.status = guard(RunStatus, run.status, RunStatus.ABANDONED)
                run.finished_at = now
                run.error = run.error or f"process {run.pid} on {host} is gone"
                s.add(run)
            ids = [r.id for r in dead if r.id is not None]
            if ids:
                items = s.exec(
                    select(WorkItem)
                    .where(
                        col(WorkItem.run_id).in_(ids),
                        WorkItem.state == ItemState.IN_PROGRESS,
                    )
                    .order_by(col(WorkItem.id))
                    .with_for_update()
                ).all()
                _abandon(s, items, now)
            return ids

    def open_missing_cases(self) -> list[int]:
        """Failed items that should have a case and have none get it; returns the case ids.

        Such an item failed for a business reason, or for a technical one past its retry
        limit (``failed`` or ``abandoned`` and never retried), and no case holds it: its
        run died between the two writes, before they were one transaction. The case opens
        with the item's payload and failure, for its run's bot. Idempotent: an item a case
        holds (its own, or the one open for its reference and reason when it failed) is
        left alone, and so is an item carrying out a person's decision (its case follows
        it already).
        """
        # one query finds the orphans (usually none): every run's start asks it
        resolving = col(WorkItem.payload)["resolves_case"].as_string()
        with self._tx() as s:
            orphans = s.exec(
                select(WorkItem)
                .where(col(WorkItem.state).in_([ItemState.FAILED, ItemState.ABANDONED]),
                       resolving.is_(None), ~_covered_by_a_case())
                .order_by(col(WorkItem.id))
            ).all()
        opened = []
        for item in orphans:
            code = item.failure_code or "FAILED"
            case = self.open_case(
                item.run_id, item.id, item.reference, code, item.failure_message or code,
                data={"payload": item.payload, "failure_kind": item.failure_kind,
                      "opened_by": "recovery"})
            if case.id is not None and case.id not in opened:
                opened.append(case.id)
        return opened

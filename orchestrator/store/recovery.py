"""Recovering work from robots that died: expired leases and runs whose process is gone."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlmodel import Session, col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.case_hooks import item_released
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import RunRecord, WorkItem
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


class RecoveryMixin(StoreBase):
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

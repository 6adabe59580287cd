"""Stopping, killing and ending jobs; the flag a running bot reads to stop.

Stop is cooperative: ``request_stop`` marks the job ``stopping`` and the bot, between two
items, sees :meth:`JobControlMixin.job_stop_requested` turn true and returns (the run ends
``stopped``). Kill is not: ``request_kill`` only records the request; the robot running the
job terminates its child process and ends the job ``killed`` with :meth:`end_job`. A
pending job is stopped or killed at once (no robot has it yet). A run started in-process by
``finbots run`` has no robot: it takes a kill request as a stop request.

These methods do not write the audit trail: the caller (CLI, web) knows who acted and
records it, as for every other action a person takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bots.runtime.errors import IllegalTransitionError
from orchestrator.store.base import StoreBase
from orchestrator.store.job_signal import signal_jobs
from orchestrator.store.models import RunRecord, WorkItem
from orchestrator.store.recovery import _abandon
from orchestrator.store.runs import upsert_bot
from orchestrator.store.states import ItemState, RunStatus, guard
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["ACTIVE", "JobControlMixin", "release_items"]

#: A robot (or an in-process run) holds the job.
ACTIVE = (RunStatus.RUNNING, RunStatus.STOPPING)


def release_items(s: Session, run_ids: Iterable[int], now: dt.datetime) -> list[int]:
    """The runs' ``in_progress`` items → ``abandoned``, each retried as a clone at once."""
    ids = list(run_ids)
    if not ids:
        return []
    items = s.exec(
        select(WorkItem)
        .where(col(WorkItem.run_id).in_(ids), WorkItem.state == ItemState.IN_PROGRESS)
        .order_by(col(WorkItem.id))
        .with_for_update()
    ).all()
    return _abandon(s, items, now)


class JobControlMixin(StoreBase):
    def _locked_run(self, s: Session, run_id: int) -> RunRecord:
        run = s.exec(select(RunRecord).where(RunRecord.id == run_id).with_for_update()).first()
        return self._need(run, "job", run_id)

    def request_stop(self, run_id: int, actor: str) -> RunRecord:
        """Ask the job to stop: pending → ``stopped``; running → ``stopping``.

        Asking again while it stops changes nothing; a finished job refuses
        (``IllegalTransitionError``).
        """
        now = utcnow()
        with self._tx(write=True) as s:
            run = self._locked_run(s, run_id)
            if run.status == RunStatus.PENDING:
                run.status = guard(RunStatus, run.status, RunStatus.STOPPED)
                run.finished_at = now
                run.error = f"stopped by {actor} before a robot took it"
            elif run.status != RunStatus.STOPPING:
                run.status = guard(RunStatus, run.status, RunStatus.STOPPING)
            run.stop_requested_at = run.stop_requested_at or now
            s.add(run)
            return run

    def request_kill(self, run_id: int, actor: str) -> RunRecord:
        """Ask for the job's process to be terminated: pending → ``killed`` at once;
        running or stopping → its robot kills the child process and ends it ``killed``."""
        now = utcnow()
        with self._tx(write=True) as s:
            run = self._locked_run(s, run_id)
            if run.status == RunStatus.PENDING:
                run.status = guard(RunStatus, run.status, RunStatus.KILLED)
                run.finished_at = now
                run.error = f"killed by {actor} before a robot took it"
            elif run.status in ACTIVE:
                run.kill_requested_at = run.kill_requested_at or now
                run.error = run.error or f"killed at the request of {actor}"
            else:
                raise IllegalTransitionError("run", run.status, RunStatus.KILLED)
            s.add(run)
            return run

    def job_stop_requested(self, run_id: int) -> bool:
        """Whether the job should stop now: asked to stop or be killed, or no longer running
        (abandoned because its robot stopped answering)."""
        with self._tx() as s:
            row = s.exec(
                select(RunRecord.status, RunRecord.stop_requested_at, RunRecord.kill_requested_at)
                .where(RunRecord.id == run_id)
            ).first()
        if row is None:
            return True
        status, stop_at, kill_at = row
        return status != RunStatus.RUNNING or stop_at is not None or kill_at is not None

    def set_job_process(
        self, run_id: int, host: str, pid: int, bot_version: str | None = None
    ) -> RunRecord:
        """Where the job runs: the host and the id of the process running the bot."""
        with self._tx(write=True) as s:
            run = self._locked_run(s, run_id)
            run.host, run.pid = host, pid
            run.bot_version = bot_version or run.bot_version
            s.add(run)
            return run

    def start_job_process(
        self, run_id: int, host: str, pid: int, *, bot: str, version: str,
        description: str = "", apps: Sequence[str] = (),
    ) -> RunRecord:
        """A job's process begins: the bot's record registered (latest version wins, as
        :meth:`register_bot`) and where the job runs recorded, in one transaction."""
        for attempt in (1, 2):
            try:
                with self._tx(write=True) as s:
                    upsert_bot(s, bot, version, description, apps)
                    run = self._locked_run(s, run_id)
                    run.host, run.pid, run.bot_version = host, pid, version
                    s.add(run)
                    return run
            except IntegrityError:  # another job registered the same new bot meanwhile
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def end_job(
        self,
        run_id: int,
        status: str,
        error: str | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> RunRecord | None:
        """End a job whose process is gone (killed, crashed): its items go back to the queue.

        ``None`` when the job had already ended (the bot finished it itself first).
        ``error`` replaces the job's error when given.
        """
        now = utcnow()
        with self._tx(write=True) as s:
            run = self._locked_run(s, run_id)
            if run.status not in ACTIVE:
                return None
            run.status = guard(RunStatus, run.status, status)
            run.finished_at, run.error = now, error or run.error
            if summary is not None:
                run.summary = to_jsonable({**run.summary, **summary})
            s.add(run)
            s.flush()
            release_items(s, [run_id], now)
            signal_jobs(s)  # its slot and credentials are free for a waiting job
            return run

"""Jobs: a run waiting for a robot, claimed, listed.

A job is a :class:`RunRecord` created ``pending``; a robot claims it (``running``) and runs
it in a child process. A claim respects two limits: the bot's ``max_concurrent_jobs``, and
the vault credentials a job uses (``RunRecord.credentials``): two active jobs never share
one, since most target systems end the older session when the same login signs in again.

Claims are serialized: on PostgreSQL a transaction-scoped advisory lock (the limits are a
property of all active jobs, not of one row) plus ``FOR UPDATE SKIP LOCKED`` on the pending
rows, the lock and the claim's one statement sent in one round trip (:mod:`.job_claim`); on
SQLite ``BEGIN IMMEDIATE``. Stopping, killing and ending jobs: :mod:`.job_control`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from orchestrator.store.base import _JOINED
from orchestrator.store.job_claim import CLAIM_LOCK, claim_pg
from orchestrator.store.job_control import ACTIVE, JobControlMixin
from orchestrator.store.job_signal import signal_jobs
from orchestrator.store.models import BotRecord, RunRecord
from orchestrator.store.states import RunStatus, guard
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["JobsMixin"]

_SCAN = 200  # pending jobs looked at per claim (oldest first)
#: Not finished yet: waiting for a robot, or running.
UNFINISHED = (RunStatus.PENDING, *ACTIVE)


class JobsMixin(JobControlMixin):
    def create_job(
        self,
        bot: str,
        args: Mapping[str, Any] | None = None,
        *,
        trigger: str = "manual",
        requested_by: str | None = None,
        schedule_id: int | None = None,
        credentials: Sequence[str] = (),
        time_limit_seconds: int | None = None,
    ) -> RunRecord:
        """A ``pending`` job for a robot to claim.

        ``credentials``: the vault entries the job uses, as the caller computed them from
        the bot's declaration (:func:`orchestrator.services.jobs.start_job`); the store
        knows no bots. ``time_limit_seconds`` defaults, at claim time, to the bot's
        ``BotRecord.time_limit_seconds``.
        """
        if time_limit_seconds is not None and time_limit_seconds <= 0:
            raise ValueError("time_limit_seconds must be > 0")
        args = dict(args or {})
        now = utcnow()
        job = RunRecord(
            bot=bot, status=RunStatus.PENDING, args=to_jsonable(args), trigger=trigger,
            requested_by=requested_by, schedule_id=schedule_id,
            credentials=sorted(set(credentials)), time_limit_seconds=time_limit_seconds,
            created_at=now, started_at=now,
        )
        with self._tx(write=True) as s:
            s.add(job)
            s.flush()
            signal_jobs(s)  # idle robots claim it at once instead of at their next poll
            return job

    def claim_job(self, robot: str, *, host: str | None = None, pid: int | None = None,
                  likely_pending: bool = False) -> RunRecord | None:
        """Hand the oldest pending job the limits allow to ``robot`` (now ``running``).

        ``None`` when nothing is pending or every pending job waits for a bot slot or a
        credential. Never hands one job to two robots. ``likely_pending``: the caller was
        just told a job was created, so the cheap look for one first is skipped. ``pid``:
        the process that will run the job, when the robot has it ready (its spare), so that
        the job is traceable to a live process from the claim on.
        """
        if not likely_pending and not self._anything_pending():  # idle robots poll often
            return None
        if self.dialect == "postgresql" and _JOINED.get().get(id(self.engine)) is None:
            autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit as conn:
                return claim_pg(conn, robot, host, pid, utcnow())
        with self._tx(write=True) as s:
            self._serialize_claims(s)
            active = s.exec(
                select(RunRecord.bot, RunRecord.credentials)
                .where(col(RunRecord.status).in_(ACTIVE))
            ).all()
            per_bot = Counter(bot for bot, _ in active)
            busy = {name for _, names in active for name in names or ()}
            bots = {b.name: b for b in s.exec(select(BotRecord))}
            pending = s.exec(
                select(RunRecord)
                .where(RunRecord.status == RunStatus.PENDING)
                .order_by(col(RunRecord.created_at), col(RunRecord.id))
                .limit(_SCAN)
                .with_for_update(skip_locked=True)
            ).all()
            for job in pending:
                record = bots.get(job.bot)
                limit = record.max_concurrent_jobs if record else None
                if limit is not None and per_bot[job.bot] >= limit:
                    continue
                if busy.intersection(job.credentials or ()):
                    continue
                job.status = guard(RunStatus, job.status, RunStatus.RUNNING)
                # taken after reading the active jobs: never before a job it waited for ended
                job.robot, job.started_at = robot, utcnow()
                job.host = host if host is not None else job.host
                job.pid = pid if pid is not None else job.pid
                if job.time_limit_seconds is None and record is not None:
                    job.time_limit_seconds = record.time_limit_seconds
                s.add(job)
                return job
        return None

    def _anything_pending(self) -> bool:
        with self._tx() as s:
            query = select(RunRecord.id).where(RunRecord.status == RunStatus.PENDING).limit(1)
            return s.exec(query).first() is not None

    def _serialize_claims(self, s: Session) -> None:
        if self.dialect == "postgresql":
            s.connection().execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLAIM_LOCK})

    def list_bots(self) -> list[BotRecord]:
        """Registered bots with their job limits, by name."""
        with self._tx() as s:
            return list(s.exec(select(BotRecord).order_by(col(BotRecord.name))))

    def set_bot_limits(
        self, bot: str, *, time_limit_seconds: int | None = None,
        max_concurrent_jobs: int | None = None,
    ) -> BotRecord:
        """A registered bot's job limits (``None`` removes a limit). Jobs claimed from now
        on follow them."""
        for value in (time_limit_seconds, max_concurrent_jobs):
            if value is not None and value <= 0:
                raise ValueError("limits must be > 0 (or None for no limit)")
        with self._tx(write=True) as s:
            record = s.exec(select(BotRecord).where(BotRecord.name == bot)).first()
            record = self._need(record, "bot", bot)
            record.time_limit_seconds = time_limit_seconds
            record.max_concurrent_jobs = max_concurrent_jobs
            s.add(record)
            return record

    def list_jobs(
        self,
        status: str | None = None,
        bot: str | None = None,
        robot: str | None = None,
        limit: int | None = 100,
    ) -> list[RunRecord]:
        """Jobs and runs, newest first, optionally of one status, bot or robot."""
        query = select(RunRecord).order_by(col(RunRecord.id).desc()).limit(limit)
        for column, value in ((RunRecord.status, status), (RunRecord.bot, bot),
                              (RunRecord.robot, robot)):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query))

    def active_jobs(self, bot: str | None = None) -> list[RunRecord]:
        """Jobs not finished yet (pending, running, stopping), oldest first."""
        query = (select(RunRecord).where(col(RunRecord.status).in_(UNFINISHED))
                 .order_by(col(RunRecord.id)))
        if bot is not None:
            query = query.where(RunRecord.bot == bot)
        with self._tx() as s:
            return list(s.exec(query))

    def get_jobs(self, run_ids: Sequence[int]) -> dict[int, RunRecord]:
        """Several jobs at once, by id (ids that do not exist are left out)."""
        if not run_ids:
            return {}
        with self._tx() as s:
            rows = s.exec(select(RunRecord).where(col(RunRecord.id).in_(list(run_ids))))
            return {r.id: r for r in rows if r.id is not None}

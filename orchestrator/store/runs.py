"""Bots, runs and their steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import BotRecord, ExceptionCase, RunRecord, StepRecord, WorkItem
from orchestrator.store.states import ItemState, RunStatus, guard
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["RunsMixin", "upsert_bot"]


def upsert_bot(s: Session, name: str, version: str, description: str = "",
               apps: Sequence[str] = ()) -> BotRecord:
    """Create or update the bot's record in the session's transaction (an insert racing
    another process's raises ``IntegrityError`` at the flush: the caller tries again)."""
    bot = s.exec(select(BotRecord).where(BotRecord.name == name)).first()
    bot = bot or BotRecord(name=name, version=version)
    bot.version, bot.description, bot.apps = version, description, list(apps)
    s.add(bot)
    s.flush()
    return bot


class RunsMixin(StoreBase):
    def register_bot(
        self, name: str, version: str, description: str = "", apps: Sequence[str] = ()
    ) -> BotRecord:
        """Create or update the bot's record (latest version wins).

        Two processes may register a new bot at once: the one whose insert loses updates
        the record the other created.
        """
        for attempt in (1, 2):
            try:
                with self._tx(write=True) as s:
                    return upsert_bot(s, name, version, description, apps)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def start_run(
        self,
        bot_name: str,
        args: Mapping[str, Any] | None = None,
        host: str = "",
        pid: int | None = None,
        bot_version: str | None = None,
    ) -> RunRecord:
        with self._tx(write=True) as s:
            if bot_version is None:
                bot = s.exec(select(BotRecord).where(BotRecord.name == bot_name)).first()
                bot_version = bot.version if bot else None
            run = RunRecord(
                bot=bot_name, bot_version=bot_version, status=RunStatus.RUNNING,
                args=to_jsonable(dict(args or {})), host=host, pid=pid,
            )
            s.add(run)
            s.flush()
            return run

    def set_run_status(self, run_id: int, status: str) -> RunRecord:
        """A non-final change (e.g. ``stopping``); guarded like every other."""
        with self._tx(write=True) as s:
            run = self._need(s.get(RunRecord, run_id), "run", run_id)
            run.status = guard(RunStatus, run.status, status)
            s.add(run)
            return run

    def finish_run(
        self,
        run_id: int,
        status: str,
        summary: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> RunRecord:
        with self._tx(write=True) as s:
            run = self._need(s.get(RunRecord, run_id), "run", run_id)
            run.status = guard(RunStatus, run.status, status)
            run.summary = to_jsonable(dict(summary or {}))
            run.error, run.finished_at = error, utcnow()
            s.add(run)
            return run

    def add_step(self, run_id: int, **fields: Any) -> int:
        """Record one step; ``fields`` are :class:`StepRecord` columns. Returns its id."""
        return self.add_steps(run_id, [fields])[0]

    def add_steps(self, run_id: int, records: Sequence[Mapping[str, Any]]) -> list[int]:
        """Record several steps of one run in one transaction, numbered in order."""
        steps = [self._step_fields(dict(r)) for r in records]
        with self._tx(write=True) as s:
            # Locking the run row serializes the numbering of its steps (SQLite: the
            # IMMEDIATE transaction already does).
            locked = s.exec(
                select(RunRecord.id).where(RunRecord.id == run_id).with_for_update()
            ).first()
            self._need(locked, "run", run_id)
            last = s.exec(
                select(func.max(StepRecord.seq)).where(StepRecord.run_id == run_id)
            ).one() or 0
            rows = [StepRecord(run_id=run_id, seq=last + n, **f) for n, f in enumerate(steps, 1)]
            s.add_all(rows)
            s.flush()
            return [row.id for row in rows if row.id is not None]

    @staticmethod
    def _step_fields(fields: dict[str, Any]) -> dict[str, Any]:
        unknown = set(fields) - set(StepRecord.model_fields)
        if unknown or {"id", "run_id", "seq"} & set(fields):
            raise TypeError(f"add_step: unexpected fields {sorted(unknown)}")
        if isinstance(fields.get("evidence"), PurePath):
            fields["evidence"] = str(fields["evidence"])
        fields["data"] = to_jsonable(fields.get("data") or {})
        if fields.get("started_at") is None:
            fields.pop("started_at", None)
        return fields

    def get_run(self, run_id: int) -> RunRecord:
        with self._tx() as s:
            return self._need(s.get(RunRecord, run_id), "run", run_id)

    def list_runs(
        self, bot: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> list[RunRecord]:
        """Newest first."""
        query = select(RunRecord).order_by(col(RunRecord.id).desc()).limit(limit)
        if bot:
            query = query.where(RunRecord.bot == bot)
        if status:
            query = query.where(RunRecord.status == status)
        with self._tx() as s:
            return list(s.exec(query))

    def list_steps(self, run_id: int) -> list[StepRecord]:
        with self._tx() as s:
            query = select(StepRecord).where(StepRecord.run_id == run_id)
            return list(s.exec(query.order_by(col(StepRecord.seq))))

    def run_counts(self, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per run: items ``ok`` and ``failed`` (claimed by that run) and ``exceptions``."""
        counts = {rid: {"ok": 0, "failed": 0, "exceptions": 0} for rid in run_ids}
        wanted = {ItemState.SUCCESSFUL: "ok", ItemState.FAILED: "failed"}
        with self._tx() as s:
            rows = s.exec(
                select(WorkItem.run_id, WorkItem.state, func.count())
                .where(col(WorkItem.run_id).in_(run_ids))
                .group_by(col(WorkItem.run_id), col(WorkItem.state))
            )
            for run_id, state, n in rows:
                if run_id is not None and state in wanted:
                    counts[run_id][wanted[ItemState(state)]] += n
            cases = s.exec(
                select(ExceptionCase.run_id, func.count())
                .where(col(ExceptionCase.run_id).in_(run_ids))
                .group_by(col(ExceptionCase.run_id))
            )
            for run_id, n in cases:
                if run_id is not None:
                    counts[run_id]["exceptions"] = n
        return counts

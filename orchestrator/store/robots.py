"""Robots: registration, heartbeats, robots that stopped answering.

A robot heartbeats every few seconds with the jobs it runs. Any robot (or ``finbots
serve``'s supervisor) calls :meth:`RobotsMixin.mark_unresponsive`: a robot silent for longer
than the timeout is ``unresponsive``, its jobs ``abandoned`` and their leased work items
back in the queue (as clones, like an expired lease). This works across hosts on a shared
PostgreSQL store; no process ids are compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.job_control import ACTIVE, release_items
from orchestrator.store.models import RobotRecord, RunRecord
from orchestrator.store.states import RunStatus, guard
from orchestrator.store.types import utcnow

__all__ = ["LIVE_ROBOT", "RobotsMixin"]

#: A robot expected to heartbeat.
LIVE_ROBOT = ("idle", "busy")


def _abandon_jobs(s: Session, robots: Sequence[str], reason: str, now: dt.datetime) -> list[int]:
    if not robots:
        return []
    jobs = s.exec(
        select(RunRecord)
        .where(col(RunRecord.robot).in_(list(robots)), col(RunRecord.status).in_(ACTIVE))
        .with_for_update()
    ).all()
    for job in jobs:
        job.status = guard(RunStatus, job.status, RunStatus.ABANDONED)
        job.finished_at = now
        job.error = f"robot {job.robot} {reason}"
        s.add(job)
    s.flush()
    ids = [j.id for j in jobs if j.id is not None]
    release_items(s, ids, now)
    return ids


class RobotsMixin(StoreBase):
    def register_robot(self, name: str, host: str, pid: int, slots: int = 1) -> RobotRecord:
        """Create or take over the robot ``name`` (now ``idle``).

        Jobs a previous process of the same robot left running are abandoned: that process
        is gone, or it would not be registering again.
        """
        if slots < 1:
            raise ValueError("a robot needs at least one slot")
        now = utcnow()
        with self._tx(write=True) as s:
            robot = s.exec(select(RobotRecord).where(RobotRecord.name == name)
                           .with_for_update()).first()
            robot = robot or RobotRecord(name=name, host=host)
            robot.host, robot.pid, robot.slots, robot.status = host, pid, slots, "idle"
            robot.current_run_ids, robot.started_at, robot.heartbeat_at = [], now, now
            s.add(robot)
            _abandon_jobs(s, [name], "restarted", now)
            s.flush()
            return robot

    def heartbeat(self, name: str, run_ids: Sequence[int] = ()) -> RobotRecord:
        """The robot is alive and runs ``run_ids`` (``busy``), or nothing (``idle``)."""
        with self._tx(write=True) as s:
            robot = s.exec(select(RobotRecord).where(RobotRecord.name == name)
                           .with_for_update()).first()
            robot = self._need(robot, "robot", name)
            robot.heartbeat_at = utcnow()
            robot.current_run_ids = list(run_ids)
            robot.status = "busy" if run_ids else "idle"
            s.add(robot)
            return robot

    def robot_stopped(self, name: str) -> RobotRecord:
        """The robot shut down cleanly."""
        with self._tx(write=True) as s:
            robot = self._need(
                s.exec(select(RobotRecord).where(RobotRecord.name == name)).first(), "robot", name
            )
            robot.status, robot.current_run_ids = "stopped", []
            s.add(robot)
            return robot

    def get_robot(self, name: str) -> RobotRecord:
        with self._tx() as s:
            robot = s.exec(select(RobotRecord).where(RobotRecord.name == name)).first()
            return self._need(robot, "robot", name)

    def list_robots(self) -> list[RobotRecord]:
        """By name."""
        with self._tx() as s:
            return list(s.exec(select(RobotRecord).order_by(col(RobotRecord.name))))

    def mark_unresponsive(
        self, timeout_seconds: float, now: dt.datetime | None = None
    ) -> list[str]:
        """Robots silent for over ``timeout_seconds`` → ``unresponsive``; their running jobs
        → ``abandoned``, the jobs' leased items back in the queue. Returns the robots' names.
        """
        now = now or utcnow()
        cutoff = now - dt.timedelta(seconds=timeout_seconds)
        query = (select(RobotRecord)
                 .where(col(RobotRecord.status).in_(LIVE_ROBOT), RobotRecord.heartbeat_at < cutoff)
                 .order_by(col(RobotRecord.name)))
        with self._tx() as s:  # a read first: every robot asks every few seconds
            if s.exec(query.limit(1)).first() is None:
                return []
        with self._tx(write=True) as s:
            silent = s.exec(query.with_for_update(skip_locked=True)).all()
            for robot in silent:
                robot.status = "unresponsive"
                s.add(robot)
            names = [r.name for r in silent]
            _abandon_jobs(s, names, f"stopped answering (no heartbeat for {timeout_seconds:g} s)",
                          now)
            return names

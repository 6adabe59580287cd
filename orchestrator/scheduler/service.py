"""The scheduler service: a thread that turns due schedules into pending jobs.

APScheduler (3.x) is the trigger engine: its ``CronTrigger``, ``IntervalTrigger`` and
``DateTrigger`` (wrapped by :class:`~orchestrator.scheduler.business.BusinessDayTrigger` for
day rules) compute every fire time through ``get_next_fire_time``. The loop, the persistence
and the misfire handling are deliberately this module's own rather than APScheduler's
``BackgroundScheduler`` and job store: the store's ``Schedule.next_fire_at`` /
``last_fire_at`` are the only state, so

* a restart knows exactly which fires it missed (see :mod:`orchestrator.scheduler.timing`
  for what happens to them: run late once, one each, or skip);
* every fire is a conditional update of ``next_fire_at`` that creates its jobs in the same
  transaction, so two services started on one database by accident never double (or lose)
  a fire;
* schedules added, paused or changed through the CLI, API or another process are seen on
  the next pass (the table is read every ``poll_seconds``).

With a :class:`~orchestrator.scheduler.leadership.Leadership`, the loop passes only while its
node leads, so of several nodes on one store one fires schedules (the others stand by).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import TYPE_CHECKING

from loguru import logger

from orchestrator.scheduler.timing import TIMING, plan_fires

if TYPE_CHECKING:
    from orchestrator.scheduler.leadership import Leadership
    from orchestrator.store import RunRecord, Store
    from orchestrator.store.models import Schedule

__all__ = ["SchedulerService"]

_CREDENTIALS_SECONDS = 30.0  # how long a bot's credentials are reused


class SchedulerService:
    """Fires the store's schedules by creating pending jobs (``store.create_job``).

    ``start()`` runs passes in a daemon thread: one at once, then every ``poll_seconds``
    or at the next due fire time, whichever comes first. ``tick(now)`` is one pass, callable
    directly (tests, or a caller with its own loop). With ``leadership``, ``start()`` starts
    it too, the loop passes only while this node leads, and ``shutdown()`` steps down.
    """

    def __init__(self, store: Store, *, poll_seconds: float = 1.0,
                 leadership: Leadership | None = None) -> None:
        if poll_seconds <= 0:
            raise ValueError("poll_seconds must be > 0")
        self.store = store
        self.poll_seconds = poll_seconds
        self.leadership = leadership
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_due: dt.datetime | None = None
        self._known_credentials: dict[str, tuple[float, list[str]]] = {}

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        if self.leadership is not None:
            self.leadership.start()
        self._thread = threading.Thread(target=self._loop, name="finbots-scheduler",
                                        daemon=True)
        self._thread.start()
        logger.info("scheduler started (poll every {}s)", self.poll_seconds)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the loop; with ``wait``, return once the current pass has finished."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join()
        self._thread = None
        if self.leadership is not None:
            self.leadership.stop()

    def __enter__(self) -> SchedulerService:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.leadership is not None and not self.leadership.leading:
                self._next_due = None  # standing by: look again after poll_seconds
                self._stop.wait(self.poll_seconds)
                continue
            try:
                self.tick()
            except Exception:
                logger.exception("scheduler pass failed; retrying")
            self._stop.wait(self._pause())

    def _pause(self) -> float:
        if self._next_due is None:
            return self.poll_seconds
        until = (self._next_due - dt.datetime.now(dt.UTC)).total_seconds()
        return min(self.poll_seconds, max(until, 0.005))

    def tick(self, now: dt.datetime | None = None) -> list[RunRecord]:
        """One pass over the enabled schedules; returns the jobs it created."""
        now = now or dt.datetime.now(dt.UTC)
        calendars = {c.name: c for c in self.store.list_calendars()}
        created: list[RunRecord] = []
        upcoming: list[dt.datetime] = []
        for schedule in self.store.list_schedules(enabled=True):
            assert schedule.id is not None
            try:
                if schedule.kind == "queue":
                    created += self.store.fire_queue_schedule(
                        schedule.id, now, timing=TIMING, credentials=self._credentials(schedule))
                    continue
                calendar = calendars.get(schedule.calendar) if schedule.calendar else None
                plan = plan_fires(schedule, calendar, now)
                if plan is None:
                    upcoming += [schedule.next_fire_at] if schedule.next_fire_at else []
                    continue
                jobs = self.store.fire_schedule(schedule.id, plan,
                                                credentials=self._credentials(schedule))
                upcoming += [plan.next_fire_at] if plan.next_fire_at else []
                if jobs is not None:
                    self._log(schedule.name, plan.expected, plan.fire_times, jobs, now)
                    created += jobs
            except Exception:
                logger.exception("schedule {!r}: fire failed", schedule.name)
        self._next_due = min(upcoming, default=None)
        return created

    def _credentials(self, schedule: Schedule) -> list[str]:
        """The vault entries a job of ``schedule`` uses, from its bot's declaration.

        Read again after ``_CREDENTIALS_SECONDS`` (a queue trigger asks on every pass).
        """
        from orchestrator.services.jobs import schedule_credentials  # no import cycle

        key = json.dumps([schedule.bot, schedule.args], sort_keys=True, default=str)
        known = self._known_credentials.get(key)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        names = schedule_credentials(schedule.bot, schedule.args)
        self._known_credentials[key] = (time.monotonic() + _CREDENTIALS_SECONDS, names)
        return names

    @staticmethod
    def _log(name: str, due: dt.datetime, fired: tuple[dt.datetime, ...],
             jobs: list[RunRecord], now: dt.datetime) -> None:
        ids = [j.id for j in jobs]
        late = (now - due).total_seconds()
        if not fired:
            logger.warning("schedule {!r}: fire due {} missed ({:.0f}s late), not run", name,
                           due.isoformat(), late)
        else:
            logger.info("schedule {!r}: {} fire(s) from {} ({:.1f}s late) -> job(s) {}", name,
                        len(fired), due.isoformat(), late, ids)

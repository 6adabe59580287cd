"""A robot: a worker process that claims jobs and runs each in a child process.

One loop, every ``poll_seconds`` and whenever the store says a job is waiting
(:mod:`.wakeup`: PostgreSQL notifications, SQLite's wake-up file): reap children that ended,
watch the running ones (kill requested, time limit exceeded, job ended elsewhere), claim jobs
while slots are free. A spare child process, started and connected ahead, takes the next job
(:mod:`.launcher`); the next spare starts as soon as it is handed one, so it is ready by the
time a slot frees. The heartbeat (which also marks silent robots unresponsive) runs in its
own thread (:mod:`.heartbeat`). SIGTERM or SIGINT: stop claiming, ask the running jobs to
stop, wait up to ``stop_grace`` seconds, then kill what is left (SIGTERM, SIGKILL after
``kill_grace``); a second signal kills at once.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from loguru import logger

from bots.runtime.errors import ConfigError, IllegalTransitionError
from orchestrator.robots.heartbeat import Heartbeat
from orchestrator.robots.launcher import ChildProcess, SpareChild, warm_up
from orchestrator.robots.wakeup import JobWakeups
from orchestrator.robots.watch import Running, verdict
from orchestrator.store import Store, pid_alive, utcnow
from orchestrator.store.robots import LIVE_ROBOT

__all__ = ["Robot", "RobotConfig"]


@dataclass(frozen=True)
class RobotConfig:
    name: str
    slots: int = 1
    poll_seconds: float = 1.0
    heartbeat_seconds: float = 5.0
    unresponsive_after: float = 30.0  # another robot's silence before its jobs are abandoned
    kill_grace: float = 10.0  # SIGTERM → SIGKILL
    stop_grace: float = 60.0  # on shutdown: jobs asked to stop, then killed
    wakeups: bool = True  # woken when a job waits (off: polls only, e.g. behind PgBouncer)


class Robot:
    def __init__(self, store: Store, config: RobotConfig, host: str | None = None) -> None:
        self.store, self.config = store, config
        self.host = host or socket.gethostname()
        self.running: dict[int, Running] = {}
        self._run_ids: tuple[int, ...] = ()  # what the heartbeat thread reports
        self._heart = Heartbeat(store, config.name, config.heartbeat_seconds,
                                config.unresponsive_after, lambda: self._run_ids)
        self._wake = threading.Event()
        self._told = threading.Event()  # a notification said a job is waiting
        self._wakeups = JobWakeups(store.engine, self._on_notice)
        self._spare: SpareChild | None = None
        self._signals = 0
        self._stopped = False
        self._shutdown_at: float | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def run(self) -> None:
        """Register, work until told to stop, exit cleanly."""
        faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: where is it stuck?
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        self._check_name()
        warm_up()  # imports the bots once; may take seconds on a busy machine
        self.store.register_robot(self.config.name, self.host, os.getpid(), self.config.slots)
        self._heart.start()
        threading.Thread(target=self._watch_exits, name="child-exits", daemon=True).start()
        if self.config.wakeups:
            self._wakeups.start()
        logger.info("robot {} on {} (pid {}), {} slot(s)", self.config.name, self.host,
                    os.getpid(), self.config.slots)
        try:
            self._loop()
        finally:
            self._stopped = True
            if self._wakeups.is_alive():
                self._wakeups.stop()
            if self._spare is not None:
                self._spare.discard()
            for job in self.running.values():
                job.child.kill()
            self._reap(wait=True)
            self._heart.stop()
            self.store.robot_stopped(self.config.name)
            logger.info("robot {} stopped", self.config.name)

    def _check_name(self) -> None:
        """Refuse a name a live robot uses (a dead one's record is taken over)."""
        name, cfg = self.config.name, self.config
        existing = {r.name: r for r in self.store.list_robots()}.get(name)
        if existing is not None and existing.status in LIVE_ROBOT:
            age = (utcnow() - existing.heartbeat_at).total_seconds()
            dead_here = existing.host == self.host and not pid_alive(existing.pid or 0)
            if age < cfg.unresponsive_after and not dead_here:
                raise ConfigError(f"robot {name!r} is running on {existing.host} "
                                  f"(pid {existing.pid}); give this one another --name")

    def _on_notice(self) -> None:
        self._told.set()
        self._wake.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals += 1
        if self._shutdown_at is None:
            self._shutdown_at = time.monotonic()
        self._wake.set()

    # -- the loop ----------------------------------------------------------------------
    def _loop(self) -> None:
        stop_asked = False
        while True:
            now = time.monotonic()
            self._heart.tick()
            try:
                self._reap()
                self._watch()
                if self._shutdown_at is None:
                    self._claim()
                else:
                    if not self.running:
                        return
                    if not stop_asked:
                        self._ask_to_stop()
                        stop_asked = True
                    if self._signals > 1 or now > self._shutdown_at + self.config.stop_grace:
                        grace = 0.0 if self._signals > 1 else self.config.kill_grace
                        for job in self.running.values():
                            job.kill("the robot shut down", now, grace)
            except Exception as exc:  # the store is unreachable for a moment: try again
                logger.warning("robot {}: {}", self.config.name, exc)
            self._wake.wait(self.config.poll_seconds)
            self._wake.clear()

    def _watch_exits(self) -> None:
        """Wake the loop when a job's process ends: its slot is free for the next job."""
        while not self._stopped:
            sentinels = []
            for job in list(self.running.values()):
                with contextlib.suppress(ValueError):  # closed meanwhile
                    sentinels.append(job.child.sentinel)
            if not sentinels:
                time.sleep(0.05)
                continue
            try:
                ended = multiprocessing.connection.wait(sentinels, timeout=0.5)
            except (OSError, ValueError):  # reaped meanwhile
                continue
            if ended:
                self._wake.set()
                time.sleep(0.01)  # the loop reaps it

    def _jobs_changed(self) -> None:
        self._run_ids = tuple(sorted(self.running))
        self._heart.now()  # tell the store at once what this robot runs

    def _claim(self) -> None:
        told = self._told.is_set()
        self._told.clear()
        while len(self.running) < self.config.slots:
            spare_pid = self._spare.pid if self._spare is not None else None
            job = self.store.claim_job(self.config.name, host=self.host, pid=spare_pid,
                                       likely_pending=told)
            if job is None or job.id is None:
                break
            try:
                child = self._start(job.id, job.bot,
                                    job.args if job.pid is not None and job.pid == spare_pid
                                    else None)
            except Exception as exc:
                self.store.end_job(job.id, "failed", f"could not start the job's process: {exc}")
                continue
            self.running[job.id] = Running(job.id, child, job.time_limit_seconds)
            self._jobs_changed()
            logger.info("job {} ({}) started in process {}", job.id, job.bot, child.pid)
        if self._spare is None:  # even with every slot busy: ready when one frees
            try:
                self._spare = SpareChild.start()
            except Exception as exc:  # the next job starts a process of its own
                logger.warning("robot {}: no spare process: {}", self.config.name, exc)

    def _start(self, run_id: int, bot: str,
               claimed: dict[str, Any] | None = None) -> ChildProcess:
        """The job's process: the spare one when it is alive, else a new one (which records
        its own process id). ``claimed``: the job's arguments, when the claim recorded the
        spare as the job's process."""
        spare, self._spare = self._spare, None
        if spare is not None:
            child = spare.hand(run_id, bot, claimed)
            if child is not None:
                return child
        return ChildProcess.start(run_id)

    def _watch(self) -> None:
        if not self.running:
            return
        jobs = self.store.get_jobs(list(self.running))
        now, wall = time.monotonic(), utcnow()
        for run_id, job in self.running.items():
            reason = verdict(jobs.get(run_id), job, wall)
            if reason is not None:
                job.kill(reason, now, grace=self.config.kill_grace)
            elif job.kill_deadline is not None and now >= job.kill_deadline:
                job.child.kill()

    def _reap(self, wait: bool = False) -> None:
        deadline = time.monotonic() + (self.config.kill_grace if wait else 0)
        for run_id, job in list(self.running.items()):
            while job.child.exitcode is None and time.monotonic() < deadline:
                time.sleep(0.05)
            code = job.child.exitcode
            if code is None:
                continue
            job.child.clean_up()
            del self.running[run_id]
            self._jobs_changed()
            if job.kill_reason is not None:
                ended = self.store.end_job(run_id, "killed", job.kill_reason or None)
            else:
                ended = self.store.end_job(
                    run_id, "failed",
                    f"the bot's process ended with exit code {code} before it finished the job")
            if ended is None:
                logger.info("job {} ended (exit code {})", run_id, code)
            else:
                logger.warning("job {} {}: {}", run_id, ended.status, ended.error)

    def _ask_to_stop(self) -> None:
        for run_id in self.running:
            with contextlib.suppress(IllegalTransitionError):  # it ended meanwhile
                self.store.request_stop(run_id, f"robot:{self.config.name}")

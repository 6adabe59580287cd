"""``finbots serve``: the web app, the scheduler and N robots in one process tree.

The web app (uvicorn) and the scheduler run in this process; each robot is a child process
(``finbots robots start``) in a session of its own, so Ctrl-C in the terminal reaches only
this process, which then shuts everything down in order: web app, scheduler, robots (asked
to stop their jobs, then killed after their grace). A robot that dies is started again; a
robot that ends with a configuration error (its name taken) is not. Robots exit by
themselves if this process is killed outright.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from loguru import logger

from orchestrator.store import Store

__all__ = ["RobotPool", "serve"]

_CONFIG_ERROR = 2  # exit code of ``robots start`` when its name is taken


@dataclass
class _Slot:
    name: str
    proc: subprocess.Popen[bytes] | None = None
    failures: int = 0
    start_after: float = 0.0
    given_up: bool = False


@dataclass
class RobotPool:
    """N robot processes, restarted with a growing delay (1 s, 2 s, ... 30 s) when they die."""

    names: list[str]
    options: list[str] = field(default_factory=list)  # extra ``robots start`` options
    slots: list[_Slot] = field(init=False)

    def __post_init__(self) -> None:
        self.slots = [_Slot(n) for n in self.names]
        self._lock = threading.Lock()
        self._stopping = False

    def _spawn(self, slot: _Slot) -> None:
        cmd = [sys.executable, "-m", "orchestrator.cli", "robots", "start", "--name", slot.name,
               "--exit-with-parent", str(os.getpid()), *self.options]
        slot.proc = subprocess.Popen(cmd, start_new_session=True)

    def start(self) -> None:
        with self._lock:
            for slot in self.slots:
                self._spawn(slot)

    def check(self) -> None:
        """Restart robots that died (not while stopping)."""
        now = time.monotonic()
        with self._lock:
            for slot in self.slots:
                if self._stopping or slot.given_up or slot.proc is None:
                    continue
                code = slot.proc.poll()
                if code is None:
                    continue
                if code == _CONFIG_ERROR:
                    logger.error("robot {} cannot start (see above); not restarted", slot.name)
                    slot.given_up = True
                    continue
                if slot.start_after == 0.0:
                    slot.failures += 1
                    slot.start_after = now + min(30.0, 2.0 ** (slot.failures - 1))
                    logger.warning("robot {} ended with code {}; restarting", slot.name, code)
                elif now >= slot.start_after:
                    slot.start_after = 0.0
                    self._spawn(slot)

    def stop(self, timeout: float) -> None:
        """SIGTERM every robot, wait up to ``timeout`` seconds, SIGKILL what is left."""
        with self._lock:
            self._stopping = True
            procs = [s.proc for s in self.slots if s.proc is not None and s.proc.poll() is None]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


#: the proxies whose ``X-Forwarded-For`` names the client (comma-separated addresses);
#: unset, no one's is believed: the throttle of failed sign-ins counts per client, and a
#: client that could name itself would get a fresh allowance with every try
TRUSTED_PROXIES_ENV = "FINBOTS_TRUSTED_PROXIES"


def trusted_proxies() -> list[str]:
    return [a.strip() for a in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if a.strip()]


def _start_scheduler(store: Store, node: str) -> Any:
    """The scheduler, firing only while this node leads (see ``scheduler.leadership``)."""
    from orchestrator.scheduler import SchedulerService
    from orchestrator.scheduler.leadership import Leadership, leader_lock

    service = SchedulerService(store, leadership=Leadership(leader_lock(store, node), node))
    service.start()
    return service


def _supervise(store: Store, pool: RobotPool, done: threading.Event, timeout: float) -> None:
    while not done.wait(2.0):
        pool.check()
        try:
            silent = store.mark_unresponsive(timeout)
        except Exception as exc:  # the store is unreachable for a moment
            logger.warning("supervisor: {}", exc)
            continue
        if silent:
            logger.warning("robots not answering, their jobs abandoned: {}", ", ".join(silent))


def serve(n_robots: int = 1, host: str = "127.0.0.1", port: int = 8000, *,
          scheduler: bool = True, slots: int = 1, poll_seconds: float = 1.0,
          unresponsive_after: float = 30.0, stop_grace: float = 60.0,
          log_level: str = "info", node: str | None = None) -> None:
    """Run until SIGTERM or Ctrl-C, then shut everything down cleanly.

    ``node`` names this orchestrator node (default ``FINBOTS_NODE`` or the host name): its
    robots are ``<node>-1``, ``<node>-2``, ... and the fleet page shows whether it leads.
    """
    import uvicorn

    from orchestrator.scheduler.leadership import node_name

    node = node or node_name()
    store = Store.from_settings()  # the tables exist before any robot or request needs them
    names = [f"{node}-{i}" for i in range(1, n_robots + 1)]
    pool = RobotPool(names, ["--slots", str(slots), "--poll", str(poll_seconds),
                             "--unresponsive-after", str(unresponsive_after),
                             "--stop-grace", str(stop_grace)])
    shutdown = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        shutdown.set()  # uvicorn has its own handlers while it serves; this is for after

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    pool.start()
    service = _start_scheduler(store, node) if scheduler else None
    done = threading.Event()
    watcher = threading.Thread(target=_supervise, name="supervisor", daemon=True,
                               args=(store, pool, done, unresponsive_after))
    watcher.start()
    proxies = trusted_proxies()
    config = uvicorn.Config("orchestrator.app:create_app", factory=True, host=host,
                            port=port, log_level=log_level, proxy_headers=bool(proxies),
                            forwarded_allow_ips=proxies or None)
    logger.info("node {}: serving http://{}:{} with {} robot(s), scheduler {}", node, host,
                port, n_robots, "on (fires while this node leads)" if service else "off")
    try:
        uvicorn.Server(config).run()
    finally:
        done.set()
        watcher.join(5)
        if service is not None:
            service.shutdown()
        pool.stop(stop_grace + 15)
        store.close()
        logger.info("stopped")

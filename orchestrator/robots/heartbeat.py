"""A robot's heartbeat, in a thread of its own so that a slow job start cannot silence it.

Every ``interval`` seconds (or at once when :meth:`Heartbeat.now` is called): tell the
store which jobs the robot runs, and mark robots silent for over ``unresponsive_after``
seconds unresponsive. A robot whose main loop has not come round for ``unresponsive_after``
seconds is stuck: the thread then stays quiet too, so that other robots take its jobs over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from loguru import logger

from orchestrator.store import Store

__all__ = ["Heartbeat"]


class Heartbeat(threading.Thread):
    def __init__(self, store: Store, name: str, interval: float, unresponsive_after: float,
                 run_ids: Callable[[], Sequence[int]]) -> None:
        super().__init__(name=f"heartbeat-{name}", daemon=True)
        self.store, self.robot, self.interval = store, name, interval
        self.unresponsive_after, self.run_ids = unresponsive_after, run_ids
        self.last_tick = time.monotonic()  # the main loop's last round
        self._wake, self._done = threading.Event(), threading.Event()

    def tick(self) -> None:
        """The main loop came round."""
        self.last_tick = time.monotonic()

    def now(self) -> None:
        """Beat at once (the robot's jobs changed)."""
        self._wake.set()

    def stop(self) -> None:
        self._done.set()
        self._wake.set()
        self.join(10)

    def run(self) -> None:
        while not self._done.is_set():
            if time.monotonic() - self.last_tick < self.unresponsive_after:
                self.beat()
            self._wake.wait(self.interval)
            self._wake.clear()

    def beat(self) -> None:
        try:
            self.store.heartbeat(self.robot, list(self.run_ids()))
            silent = self.store.mark_unresponsive(self.unresponsive_after)
        except Exception as exc:  # the store is unreachable for a moment: beat again later
            logger.warning("robot {}: heartbeat failed: {}", self.robot, exc)
            return
        if silent:
            logger.warning("robots not answering, their jobs abandoned: {}", ", ".join(silent))

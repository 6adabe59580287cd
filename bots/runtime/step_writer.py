"""Steps reach the store in batches, from a background thread, so an action never waits
for a database commit.

What is durable when: a step's line is in ``steps.jsonl`` of the run folder (written and
flushed by :class:`~bots.runtime.steps.StepRecorder`) before the bot's next action starts,
so a crash or a kill of the bot's process loses no completed step; that file is the run's
record of what happened. The store receives the same steps at most ``interval_s`` later,
one transaction per batch: a killed process leaves at most the last ``interval_s`` of steps
out of the store (never out of ``steps.jsonl``). No fsync per step: an operating-system
crash may lose the last seconds the kernel had not written yet.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from loguru import logger

from bots.runtime.sinks import StepSink

__all__ = ["BatchingStepSink"]

_STOP = object()


class BatchingStepSink:
    """Wraps a sink; ``add_step`` queues, a thread writes what gathered every ``interval_s``
    (at most ``batch`` steps per transaction).

    The first step of a batch starts the clock: the steps of the next ``interval_s`` join
    it, so a bot making ten steps a second writes twice a second, not ten times. Uses the
    sink's ``add_steps(run_id, records)`` when it has one (one transaction per batch),
    else ``add_step`` per record. :meth:`close` writes what is left at once.
    """

    def __init__(self, sink: StepSink, interval_s: float = 0.2, batch: int = 200) -> None:
        self.sink, self.interval_s, self.batch = sink, interval_s, batch
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="step-writer", daemon=True)
        self._start_lock, self._started, self._closed = threading.Lock(), False, False
        self.written = 0

    def add_step(self, run_id: Any, **fields: Any) -> int:
        self._queue.put((run_id, fields))
        if not self._started:  # the thread starts with the first step, not with the run
            self._start()
        return 0

    def _start(self) -> None:
        with self._start_lock:
            if not self._started and not self._closed:
                self._thread.start()
                self._started = True

    def _run(self) -> None:
        while True:
            first = self._queue.get()  # sleeps until there is something to write
            if first is _STOP:
                return
            self._closing.wait(self.interval_s)  # let the batch gather (close: at once)
            pending = [first]
            stop = False
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                pending.append(item)
            for at in range(0, len(pending), self.batch):
                self._write(pending[at:at + self.batch])
            if stop:
                return

    def _write(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        by_run: dict[Any, list[dict[str, Any]]] = {}
        for run_id, fields in pending:
            by_run.setdefault(run_id, []).append(fields)
        for run_id, records in by_run.items():
            try:
                many = getattr(self.sink, "add_steps", None)
                if many is not None:
                    many(run_id, records)
                else:
                    for fields in records:
                        self.sink.add_step(run_id, **fields)
                self.written += len(records)
            except Exception as exc:
                logger.error("{} steps of run {} not stored: {}", len(records), run_id, exc)

    def close(self) -> None:
        """Write every queued step, then stop the thread (idempotent)."""
        with self._start_lock:
            self._closed, started = True, self._started
        if not started:  # a step queued while closing, before it could start the thread
            self._write([i for i in _drain(self._queue) if i is not _STOP])
            return
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._closing.set()
            self._thread.join()


def _drain(q: queue.Queue[Any]) -> list[Any]:
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out

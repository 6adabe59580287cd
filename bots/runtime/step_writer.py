"""Steps reach the store in batches, from a background thread, so an action never waits
for a database commit. ``steps.jsonl`` in the run folder is still written at once: a
crash loses no evidence, at most the last fraction of a second of steps in the store.
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
    """Wraps a sink; ``add_step`` queues, a thread writes every ``interval_s`` or ``batch``.

    Uses the sink's ``add_steps(run_id, records)`` when it has one (one transaction per
    batch), else ``add_step`` per record. :meth:`close` writes what is left.
    """

    def __init__(self, sink: StepSink, interval_s: float = 0.2, batch: int = 200) -> None:
        self.sink, self.interval_s, self.batch = sink, interval_s, batch
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="step-writer", daemon=True)
        self._thread.start()
        self.written = 0

    def add_step(self, run_id: Any, **fields: Any) -> int:
        self._queue.put((run_id, fields))
        return 0

    def _run(self) -> None:
        stop = False
        while not stop:
            pending: list[tuple[Any, dict[str, Any]]] = []
            try:
                first = self._queue.get(timeout=self.interval_s)
            except queue.Empty:
                continue
            if first is _STOP:
                stop = True
            else:
                pending.append(first)
            while len(pending) < self.batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                pending.append(item)
            self._write(pending)

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
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

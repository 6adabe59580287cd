"""A run stops when its target keeps failing: N application failures in a row.

When a target application is down, every item fails the same way, each with its retries,
its screenshot and its time. A work queue's loop (:meth:`WorkQueue.items
<bots.runtime.queues.WorkQueue.items>`) therefore counts the items released as
``application`` failures one after another; when the count reaches the limit, the loop
claims nothing more and raises :class:`~bots.runtime.errors.ConsecutiveFailuresError` as
the bot asks for the next item:

- the item that failed last is released as any failed item (its retry, or its case);
- the items not yet started stay ``new`` in the queue, for the next run;
- a ``failure_limit`` step and an error line in the run's log say so; the run ends
  ``failed`` with the message "stopped after 5 consecutive application failures (queue
  ...): <the last failure>" (the orchestrator's summary of the run says
  ``stopped_after_failures``, and a queue trigger on that queue waits a while before it
  starts another run).

A successful item starts the count again. A business failure neither counts nor starts it
again: it is bad data, which says nothing of the target (a bot may refuse an item's data
before it opens a page).

The limit: :data:`STOP_AFTER_FAILURES` unless the bot declares its own
(``Bot(stop_after_failures=...)``), ``ctx.queue(name, stop_after_failures=...)`` sets it for
one queue, and a run's argument ``stop_after_failures`` (any bot accepts it) overrides
both for that run. ``0`` never stops.
"""

from __future__ import annotations

from typing import Any

from bots.runtime.errors import BotFailure, ConfigError, ConsecutiveFailuresError
from bots.runtime.steps import StepRecorder

__all__ = ["STOP_AFTER_FAILURES", "FailureStreak", "failure_limit"]

#: application failures in a row after which a queue's loop stops the run (0: never)
STOP_AFTER_FAILURES = 5


def failure_limit(value: Any, where: str = "stop_after_failures") -> int:
    """``value`` (a number, or its text) as a limit; ConfigError names ``where``."""
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a whole number of 0 or more, not {value!r}")
    try:
        limit = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where} must be a whole number of 0 or more, "
                          f"not {str(value)[:60]!r}") from None
    if limit < 0:
        raise ConfigError(f"{where} must be 0 (never stop) or more, not {limit}")
    return limit


class FailureStreak:
    """The application failures in a row of one queue's items, in one run."""

    def __init__(self, queue: str, limit: int, recorder: StepRecorder, log: Any) -> None:
        self.queue, self.limit = queue, failure_limit(limit)
        self.recorder, self.log = recorder, log
        self.count = 0
        self.last: BotFailure | None = None

    def settle(self, result: str | None, failure: BotFailure | None) -> None:
        """Count one released item by its result (successful, business, application)."""
        if result == "application":
            self.count += 1
            self.last = failure
        elif result == "successful":
            self.count, self.last = 0, None

    @property
    def reached(self) -> bool:
        return self.limit > 0 and self.count >= self.limit

    def check(self) -> None:
        """Raise :class:`ConsecutiveFailuresError` when the limit is reached (after a
        ``failure_limit`` step and a line in the run's log)."""
        if not self.reached:
            return
        error = ConsecutiveFailuresError(self.queue, self.count, self.last)
        step = self.recorder.start(
            "failure_limit", rule=f"{self.limit} application failures in a row stop the "
            "run; the items not yet started stay in the queue for the next run",
            data={"queue": self.queue, "failures": self.count, "limit": self.limit,
                  "last_code": self.last.code if self.last is not None else None})
        self.recorder.finish(step, error, capture=False)
        self.log.error("{}; the items not yet started stay in the queue for the next run",
                       error)
        raise error

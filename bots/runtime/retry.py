"""Retry one unit of UI work after technical trouble, bringing the target back first.

Target applications fail in the same few ways: a 500/503 page, a session that expired
and landed on the login page, a page that never finished rendering. Each target adapter
of a bot knows how to get back to a known state (``recover``); :func:`attempt` decides
when::

    class Erp:
        name = "erp"

        def recover(self) -> None:
            self.login()

    confirmation = attempt(erp, lambda: erp.post(receipt))

A business failure (bad data) is never retried here; a technical one that outlasts the
attempts becomes an :class:`ApplicationFailure`, which the work queue retries later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from playwright.sync_api import Error as PlaywrightError

from bots.runtime.errors import ApplicationFailure, SelectorError

__all__ = ["TECHNICAL", "Recoverable", "attempt"]

T = TypeVar("T")
TECHNICAL = (PlaywrightError, SelectorError, ApplicationFailure)


class Recoverable(Protocol):
    name: str

    def recover(self) -> None:
        """Bring the application back to a known, logged-in state."""


def attempt(target: Recoverable, work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``work``; on a technical failure recover ``target`` and try again.

    The last failure is raised as an :class:`ApplicationFailure` (retryable by the
    queue). ``work`` must be safe to repeat: posting work starts with the idempotency
    look-up, so a retry after a lost response never posts twice.
    """
    last: Exception | None = None
    for _ in range(attempts):
        try:
            return work()
        except TECHNICAL as exc:
            last = exc
            try:
                target.recover()
            except TECHNICAL as again:
                last = again
    code = (last.code if isinstance(last, ApplicationFailure)
            else f"{target.name.upper()}_UNAVAILABLE")
    raise ApplicationFailure(code, f"{target.name}: {last}") from last

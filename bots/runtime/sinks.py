"""Where the runtime reports steps and work-item outcomes.

The orchestrator store satisfies these Protocols; the runtime never imports it.
``MemorySink`` is an in-memory stand-in for tests and for running a bot without a store.

Step fields passed to :meth:`StepSink.add_step` (the sink numbers the steps of a run):
``started_at`` (tz-aware UTC datetime), ``app``, ``selector``,
``locator``, ``action``, ``data`` (dict, secrets redacted), ``rule``, ``outcome``
(``ok`` | ``failed`` | ``skipped``), ``duration_ms`` (int), ``message``, ``evidence``
(screenshot path relative to the run directory, or None). ``steps.jsonl`` holds the
same fields plus ``seq``, with ``started_at`` as an ISO-8601 string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["ItemSink", "MemorySink", "RunSink", "StepSink"]


@runtime_checkable
class StepSink(Protocol):
    def add_step(self, run_id: Any, **fields: Any) -> int: ...


@runtime_checkable
class ItemSink(Protocol):
    def complete_item(self, item_id: Any, output: dict[str, Any]) -> Any: ...

    def fail_item(self, item_id: Any, kind: str, code: str, message: str) -> Any: ...


@runtime_checkable
class RunSink(StepSink, ItemSink, Protocol):
    """Both at once, as the store is."""


@dataclass
class MemorySink:
    """Records steps and item releases in lists."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    completed: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[Any, str, str, str]] = field(default_factory=list)

    def add_step(self, run_id: Any, **fields: Any) -> int:
        self.steps.append({"run_id": run_id, **fields})
        return len(self.steps)

    def complete_item(self, item_id: Any, output: dict[str, Any]) -> None:
        self.completed.append((item_id, dict(output)))

    def fail_item(self, item_id: Any, kind: str, code: str, message: str) -> None:
        self.failed.append((item_id, kind, code, message))

    def releases(self, item_id: Any) -> int:
        """How many times ``item_id`` was released (completed or failed)."""
        done = sum(1 for i, _ in self.completed if i == item_id)
        return done + sum(1 for f in self.failed if f[0] == item_id)

"""A bot's small persistent key-value store (``ctx.state(namespace)``).

For facts a bot must remember between runs, e.g. the statements it imported already::

    imported = ctx.state("statements")
    if imported.seen(key):
        return
    ...
    imported.put(key, {"file": path.name})

Values are JSON (dicts, lists, text, numbers, booleans). The orchestrator keeps them per
bot and namespace in its store; :class:`~bots.runtime.memory.MemoryBackend` in memory.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["BotState", "StateBackend"]


@runtime_checkable
class StateBackend(Protocol):
    def get_state(self, bot: str, namespace: str, key: str) -> Any | None:
        """The value stored under (bot, namespace, key), or None."""
        ...

    def put_state(self, bot: str, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON) under (bot, namespace, key), replacing what was there."""
        ...


class BotState:
    """One namespace of a bot's state."""

    def __init__(self, backend: StateBackend, bot: str, namespace: str) -> None:
        self.backend, self.bot, self.namespace = backend, bot, namespace

    def __repr__(self) -> str:
        return f"BotState({self.bot!r}, {self.namespace!r})"

    def get(self, key: str, default: Any = None) -> Any:
        value = self.backend.get_state(self.bot, self.namespace, str(key))
        return default if value is None else value

    def put(self, key: str, value: Any = True) -> None:
        self.backend.put_state(self.bot, self.namespace, str(key), value)

    def seen(self, key: str) -> bool:
        """Whether anything was stored under ``key``."""
        return self.backend.get_state(self.bot, self.namespace, str(key)) is not None

"""A bot's definition: name, version, description, the target apps it drives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bots.runtime.errors import ConfigError

if TYPE_CHECKING:
    from bots.runtime.context import RunContext

__all__ = ["Bot", "BotTask"]

BotTask = Callable[["RunContext"], Any]


@dataclass
class Bot:
    """``bot = Bot(name=..., version=..., apps=(...))``; ``@bot.task`` marks its entry."""

    name: str
    version: str
    description: str = ""
    apps: tuple[str, ...] = ()
    entry: BotTask | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name or not self.version:
            raise ConfigError("a bot needs a name and a version")
        self.apps = tuple(self.apps)

    def task(self, fn: BotTask) -> BotTask:
        """Decorator: the function the runner calls with the RunContext."""
        self.entry = fn
        return fn

    def run(self, ctx: RunContext) -> Any:
        if self.entry is None:
            raise ConfigError(f"bot {self.name!r} has no @task entry point")
        return self.entry(ctx)

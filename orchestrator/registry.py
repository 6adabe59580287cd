"""The bots this orchestrator can run, by name."""

from __future__ import annotations

import importlib

from bots.runtime import Bot
from orchestrator.errors import ConfigError

BOTS: dict[str, str] = {
    "payment-posting": "bots.payment_posting:BOT",
}


def load_bot(name: str) -> Bot:
    """The :class:`Bot` registered as ``name``."""
    target = BOTS.get(name)
    if target is None:
        known = ", ".join(sorted(BOTS))
        raise ConfigError(f"no bot named {name!r}; known bots: {known}")
    module, _, attr = target.partition(":")
    bot = getattr(importlib.import_module(module), attr)
    if not isinstance(bot, Bot):
        raise ConfigError(f"{target} is not a Bot")
    return bot

"""The bots this orchestrator can run: by registered name, or as ``module:attribute``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

from bots.runtime import Bot
from bots.runtime.errors import ConfigError

BOTS: dict[str, str] = {
    "payment-posting": "bots.payment_posting:BOT",
}


def load_bot(name: str) -> Bot:
    """The :class:`Bot` registered as ``name``, or the one ``name`` = ``module:attr`` names."""
    target = BOTS.get(name) or (name if ":" in name else None)
    if target is None:
        known = ", ".join(sorted(BOTS))
        raise ConfigError(f"no bot named {name!r}; known bots: {known}")
    module, _, attr = target.partition(":")
    try:
        bot = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load bot {target!r}: {exc}") from exc
    if not isinstance(bot, Bot):
        raise ConfigError(f"{target} is not a Bot")
    return bot


def bot_credentials(name: str, args: Mapping[str, Any]) -> list[str]:
    """The vault entries a job of bot ``name`` with ``args`` uses (sorted, no repeats).

    A bot declares them in its entry module as ``DEFAULT_CREDENTIALS`` (argument name →
    default vault entry; an argument overrides the default). Unknown bot: none.
    """
    try:
        bot = load_bot(name)
    except ConfigError:
        return []
    module = sys.modules.get(bot.entry.__module__) if bot.entry else None
    defaults: Mapping[str, str] = getattr(module, "DEFAULT_CREDENTIALS", {})
    return sorted({str(args.get(key) or default) for key, default in defaults.items()})

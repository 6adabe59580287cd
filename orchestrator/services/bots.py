"""The bots catalogue: what each bot declares and how its last runs went.

One view for ``finbots bots``, the Bots page and ``/api/v1/bots``. A bot that fails to load
is listed with its error (and where it was found), never hiding the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.runtime import Bot
from bots.runtime.errors import NotFoundError
from orchestrator.registry import BotLoadError, discover
from orchestrator.store import RunRecord, Store

__all__ = ["BotEntry", "bot_entries", "bot_entry"]


@dataclass
class BotEntry:
    """One bot of the catalogue: the bot, or the error that kept it from loading."""

    name: str
    origin: str
    bot: Bot | None = None
    error: str | None = None
    runs: list[RunRecord] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.bot is not None


def bot_entries(store: Store | None = None, *, runs: int = 5) -> list[BotEntry]:
    """Every bot the registry finds (and every source that failed), by name.

    With ``store``, each entry carries the bot's last ``runs`` runs, newest first.
    """
    found = discover()
    entries: list[BotEntry] = []
    for name, item in found.listing().items():
        if isinstance(item, BotLoadError):
            entry = BotEntry(name, item.source, error=item.error)
        else:
            entry = BotEntry(name, found.origins.get(name, ""), bot=item)
        if store is not None and runs > 0:
            entry.runs = store.list_runs(bot=name, limit=runs)
        entries.append(entry)
    return entries


def bot_entry(name: str, store: Store | None = None, *, runs: int = 10) -> BotEntry:
    """One bot of the catalogue; :class:`NotFoundError` when no source has that name."""
    for entry in bot_entries(None):
        if entry.name == name:
            if store is not None and runs > 0:
                entry.runs = store.list_runs(bot=name, limit=runs)
            return entry
    raise NotFoundError(f"no bot named {name!r}")

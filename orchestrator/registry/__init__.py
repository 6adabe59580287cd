"""The bots this orchestrator can run, found without editing finbots.

Bots come from installed ``finbots.bots`` entry points and from the folders of
``FINBOTS_BOTS_PATH`` (the rule: :mod:`orchestrator.registry.sources`). ``Bot.name`` is a
bot's one identity: the registry maps it to where the bot was found. Two different bots
with one name are a :class:`ConfigError` naming both places. ``module:attr`` is still
accepted by :func:`load_bot` (the CLI, and jobs that name a bot that way).

Every call looks again (a bot folder changed meanwhile is seen); modules already imported
stay imported, so a second look costs a folder listing and the entry-point scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bots.runtime import Bot
from bots.runtime.errors import ConfigError
from orchestrator.registry.sources import (
    BOTS_PATH_ENV,
    ENTRY_POINT_GROUP,
    BotSource,
    NotABot,
    bot_folders,
    discover_sources,
    import_bot,
    put_on_sys_path,
)

__all__ = ["BOTS_PATH_ENV", "ENTRY_POINT_GROUP", "BotLoadError", "Discovery", "bot_credentials",
           "bot_names", "bot_origin", "discover", "is_reference", "list_bots", "load_bot"]


@dataclass(frozen=True, slots=True)
class BotLoadError:
    """A place a bot was expected that did not give one: listed, never hiding the others."""

    source: str
    error: str

    def __str__(self) -> str:
        return f"{self.source}: {self.error}"


@dataclass
class Discovery:
    """One look at every source: the bots by name, where each came from, what failed."""

    bots: dict[str, Bot] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # name -> origins
    errors: dict[str, BotLoadError] = field(default_factory=dict)  # by the source's label

    def duplicate_error(self, name: str) -> ConfigError:
        places = " and ".join(self.duplicates[name])
        return ConfigError(f"two bots are named {name!r}: {places}; rename one of them")

    def add(self, source: BotSource, bot: Bot) -> None:
        known = self.bots.get(bot.name)
        if known is bot:
            return  # one bot found twice (installed and in a folder): the same module
        if known is not None or bot.name in self.duplicates:
            self.duplicates.setdefault(bot.name, [self.origins[bot.name]]).append(source.origin)
            return
        self.bots[bot.name] = bot
        self.origins[bot.name] = source.origin

    def listing(self) -> dict[str, Bot | BotLoadError]:
        """What :func:`list_bots` returns."""
        listed: dict[str, Bot | BotLoadError] = dict(self.bots)
        for name, places in self.duplicates.items():
            listed[name] = BotLoadError(" and ".join(places), str(self.duplicate_error(name)))
        for label, error in self.errors.items():
            listed[label if label not in listed else f"{label} ({error.source})"] = error
        return dict(sorted(listed.items()))

    def fail(self, source: BotSource, exc: BaseException) -> None:
        label = source.label
        while label in self.errors:
            label += "'"
        message = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        self.errors[label] = BotLoadError(source.origin, message)


def discover() -> Discovery:
    """Load every source once; a source that fails is recorded, the others still load."""
    found = Discovery()
    for source in discover_sources():
        try:
            bot = source.load()
        except NotABot:
            continue
        except Exception as exc:  # a bot's import may raise anything: list it, go on
            found.fail(source, exc)
            continue
        found.add(source, bot)
    return found


def is_reference(name: str) -> bool:
    """``module:attr`` rather than a bot's name."""
    return ":" in name


def load_bot(name: str) -> Bot:
    """The bot named ``name`` (``Bot.name``), or the one ``module:attr`` names.

    Raises :class:`ConfigError`: no such bot (naming the known ones, and sources that
    failed to load), or two bots of that name.
    """
    if is_reference(name):
        for folder in bot_folders():  # a folder's module may be named this way too
            if folder.is_dir():
                put_on_sys_path(folder)
        try:
            return import_bot(name)
        except (ImportError, ConfigError) as exc:
            raise ConfigError(f"cannot load bot {name!r}: {exc}") from exc
    found = discover()
    if name in found.duplicates:
        raise found.duplicate_error(name)
    bot = found.bots.get(name)
    if bot is not None:
        return bot
    known = ", ".join(sorted(found.bots)) or "none"
    message = f"no bot named {name!r}; known bots: {known}"
    if found.errors:
        broken = "; ".join(str(e) for e in found.errors.values())
        message += f" (could not load: {broken})"
    raise ConfigError(message)


def list_bots() -> dict[str, Bot | BotLoadError]:
    """Every bot by name, and by its source's name every source that failed, sorted.

    Two bots of one name are listed under that name as a :class:`BotLoadError` naming
    both places.
    """
    return discover().listing()


def bot_names() -> list[str]:
    """The names of the bots that load (for choices in forms and checks), sorted."""
    found = discover()
    return sorted(name for name in found.bots if name not in found.duplicates)


def bot_origin(name: str) -> str | None:
    """Where the bot ``name`` was found (an entry point, a folder), if it was."""
    return discover().origins.get(name)


def bot_credentials(name: str, args: Mapping[str, Any]) -> list[str]:
    """The vault entries a job of bot ``name`` with ``args`` uses (sorted, no repeats)."""
    return load_bot(name).credential_names(args)

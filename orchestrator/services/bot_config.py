"""Bots' configuration documents for people: list, read, compare and change them.

One service for ``finbots config``, the bot's configuration pages and
``/api/v1/bots/{bot}/config``. A change is checked the way the bot reads it (YAML, a
mapping, the bot's own ``validate``) before it is saved, so a run never meets a document
it cannot use; the store appends the version and its audit record together.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from bots.runtime.bot_config import ConfigSpec, digest, packaged_document, parse_config
from bots.runtime.errors import ConfigError, NotFoundError
from orchestrator.registry import load_bot
from orchestrator.store import Store
from orchestrator.store.models import BotConfigVersion

__all__ = ["ConfigView", "config_diff", "config_history", "config_view", "config_views",
           "save_config"]


@dataclass(frozen=True)
class ConfigView:
    """A document as people see it: the version runs use now, and its text."""

    bot: str
    name: str
    description: str
    version: int  # 0: the packaged default
    content: str
    sha256: str
    changed_by: str
    changed_at: dt.datetime | None
    note: str

    @property
    def origin(self) -> str:
        if self.version == 0:
            return "packaged default"
        return f"version {self.version}"


def _spec(bot_name: str, name: str) -> ConfigSpec:
    try:
        bot = load_bot(bot_name)
    except (LookupError, ConfigError) as exc:
        raise NotFoundError(f"no bot named {bot_name!r} ({exc})") from None
    specs = bot.config_specs()
    if name not in specs:
        raise NotFoundError(f"bot {bot_name!r} has no configuration document {name!r} "
                            f"(it has: {', '.join(sorted(specs)) or 'none'})")
    return specs[name]


def _view(bot: str, name: str, spec: ConfigSpec, row: BotConfigVersion | None) -> ConfigView:
    if row is None:
        default = packaged_document(bot, name, spec)
        return ConfigView(bot, name, spec.description, 0, default.content, default.sha256,
                          "", None, "")
    return ConfigView(bot, name, spec.description, row.version, row.content, row.sha256,
                      row.changed_by, row.changed_at, row.note)


def config_views(store: Store, bot_name: str) -> list[ConfigView]:
    """Every document the bot declares, at the version runs use now."""
    try:
        bot = load_bot(bot_name)
    except (LookupError, ConfigError) as exc:
        raise NotFoundError(f"no bot named {bot_name!r} ({exc})") from None
    return [_view(bot_name, name, spec, store.latest_config(bot_name, name))
            for name, spec in sorted(bot.config_specs().items())]


def config_view(store: Store, bot: str, name: str, version: int | None = None) -> ConfigView:
    """The version runs use now, or ``version`` (0: the packaged default)."""
    spec = _spec(bot, name)
    if version is None:
        return _view(bot, name, spec, store.latest_config(bot, name))
    if version == 0:
        return _view(bot, name, spec, None)
    row = store.config_version(bot, name, version)
    if row is None:
        raise NotFoundError(f"{bot} {name}: no version {version}")
    return _view(bot, name, spec, row)


def config_history(store: Store, bot: str, name: str) -> list[ConfigView]:
    """Every saved version, newest first, then the packaged default."""
    spec = _spec(bot, name)
    return [*(_view(bot, name, spec, row) for row in store.config_versions(bot, name)),
            _view(bot, name, spec, None)]


def config_diff(store: Store, bot: str, name: str, old: int, new: int) -> str:
    """A unified diff between two versions (0: the packaged default)."""
    a, b = config_view(store, bot, name, old), config_view(store, bot, name, new)
    return "".join(difflib.unified_diff(
        a.content.splitlines(keepends=True), b.content.splitlines(keepends=True),
        fromfile=f"{name} {a.origin}", tofile=f"{name} {b.origin}"))


def save_config(store: Store, actor: str, bot: str, name: str, content: str, *,
                note: str = "", previous_sha256: str | None = None) -> ConfigView:
    """Check ``content`` as the bot would read it, then save it as the next version.

    Raises :class:`ConfigError` naming the line or field that is wrong, and
    :class:`~bots.runtime.errors.DuplicateError` when nothing changed or someone saved
    another version since ``previous_sha256`` was read.
    """
    spec = _spec(bot, name)
    content = content.replace("\r\n", "\n")
    parse_config(content, name, spec.validate)
    if not note.strip():
        raise ConfigError("say why the document changes (a note is required)")
    if store.latest_config(bot, name) is None:
        default = packaged_document(bot, name, spec)
        if digest(content) == default.sha256:
            raise ConfigError(f"{bot} {name}: no change from the packaged default")
        if previous_sha256 not in (None, default.sha256):
            raise ConfigError(f"{bot} {name}: the version edited is not the current one; "
                              "reload and edit again")
        previous_sha256 = None
    row = store.save_config(bot, name, content, actor=actor, note=note.strip(),
                            previous_sha256=previous_sha256)
    return _view(bot, name, spec, row)

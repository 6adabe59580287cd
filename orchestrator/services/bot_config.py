"""Bots' configuration documents for people: list, read, compare and change them.

One service for ``finbots config``, the bot's configuration pages and
``/api/v1/bots/{bot}/config``. A change is checked the way the bot reads it (YAML, a
mapping, the bot's own ``validate``) before it is saved, so a run never meets a document
it cannot use; the store appends the version and its audit record together. A change to
one of the document's control settings (``ConfigSpec.controls``: limits, thresholds) waits
for a second person's approval before runs use it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from bots.runtime.bot_config import (
    ConfigSpec,
    changed_controls,
    digest,
    packaged_document,
    parse_config,
)
from bots.runtime.errors import ConfigError, NotFoundError
from orchestrator.registry import load_bot
from orchestrator.store import Store
from orchestrator.store.models import BotConfigVersion

__all__ = [
    "ConfigView",
    "PendingChange",
    "config_diff",
    "config_history",
    "config_view",
    "config_views",
    "decide_config",
    "pending_change",
    "pending_changes",
    "save_config",
]


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
    status: str = "current"  # pending: awaits a second person's approval; or rejected
    decided_by: str = ""
    controls: tuple[str, ...] = ()  # the document's control settings

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
                          "", None, "", controls=spec.controls)
    return ConfigView(bot, name, spec.description, row.version, row.content, row.sha256,
                      row.changed_by, row.changed_at, row.note, row.status,
                      row.decided_by or "", spec.controls)


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
    current = config_view(store, bot, name)
    if current.version == 0:  # the packaged default is in use
        if digest(content) == current.sha256:
            raise ConfigError(f"{bot} {name}: no change from the packaged default")
        if previous_sha256 not in (None, current.sha256):
            raise ConfigError(f"{bot} {name}: the version edited is not the current one; "
                              "reload and edit again")
        previous_sha256 = None
    touched = _touched(spec, current.content, content, name)
    row = store.save_config(bot, name, content, actor=actor, note=note.strip(),
                            previous_sha256=previous_sha256, pending=bool(touched),
                            controls=tuple(touched), basis=current.version)
    return _view(bot, name, spec, row)


def _touched(spec: ConfigSpec, before: str, after: str, name: str) -> list[str]:
    """The control settings ``after`` changes against ``before``."""
    return changed_controls(spec.controls, parse_config(before, name),
                            parse_config(after, name))


@dataclass(frozen=True)
class PendingChange:
    """A version waiting for a second person: what it changes against the one in use."""

    pending: ConfigView
    current: ConfigView
    diff: str
    controls: tuple[str, ...]  # the control settings it changes


def _pending_change(store: Store, spec: ConfigSpec, row: BotConfigVersion) -> PendingChange:
    pending = _view(row.bot, row.name, spec, row)
    current = config_view(store, row.bot, row.name)
    return PendingChange(pending, current,
                         config_diff(store, row.bot, row.name, current.version, row.version),
                         tuple(_touched(spec, current.content, row.content, row.name)))


def pending_change(store: Store, bot: str, name: str) -> PendingChange | None:
    """The version of this document waiting for a second person's approval, if any."""
    spec = _spec(bot, name)
    row = store.pending_config(bot, name)
    return None if row is None else _pending_change(store, spec, row)


def pending_changes(store: Store) -> list[PendingChange]:
    """Every configuration change waiting for approval, oldest first; one of a bot that no
    longer loads is left out (its page says why)."""
    found = []
    for row in store.pending_configs():
        try:
            spec = _spec(row.bot, row.name)
        except NotFoundError:
            continue
        found.append(_pending_change(store, spec, row))
    return found


def decide_config(store: Store, actor: str, bot: str, name: str, version: int, *,
                  approve: bool, note: str = "") -> ConfigView:
    """A second person approves a pending version (runs use it from now on) or rejects
    it. :class:`~bots.runtime.errors.SelfApprovalError` for the person who saved it."""
    spec = _spec(bot, name)
    row = store.decide_config(bot, name, version, actor=actor, approve=approve, note=note)
    return _view(bot, name, spec, row)

"""Saved versions of bots' configuration documents (``ctx.config``).

A save appends a version and its audit record (``config.change``: bot, document, version,
the digests before and after, the note) in one transaction; a save whose text equals the
newest version's is refused, so the history only holds real changes. Versions are never
edited or deleted. Whether a text is a valid document is the service's business (it knows
the bot's check); the store keeps what it is given.
"""

from __future__ import annotations

from sqlmodel import col, select

from bots.runtime.bot_config import digest
from bots.runtime.errors import DuplicateError
from orchestrator.store.audit import append_audit
from orchestrator.store.base import StoreBase
from orchestrator.store.models import BotConfigVersion

__all__ = ["BotConfigsMixin"]


class BotConfigsMixin(StoreBase):
    def latest_config(self, bot: str, name: str) -> BotConfigVersion | None:
        with self._tx() as s:
            return s.exec(select(BotConfigVersion).where(
                BotConfigVersion.bot == bot, BotConfigVersion.name == name,
            ).order_by(col(BotConfigVersion.version).desc()).limit(1)).first()

    def config_versions(self, bot: str, name: str) -> list[BotConfigVersion]:
        """Newest first."""
        with self._tx() as s:
            return list(s.exec(select(BotConfigVersion).where(
                BotConfigVersion.bot == bot, BotConfigVersion.name == name,
            ).order_by(col(BotConfigVersion.version).desc())))

    def config_version(self, bot: str, name: str, version: int) -> BotConfigVersion | None:
        with self._tx() as s:
            return s.exec(select(BotConfigVersion).where(
                BotConfigVersion.bot == bot, BotConfigVersion.name == name,
                BotConfigVersion.version == version)).first()

    def save_config(self, bot: str, name: str, content: str, *, actor: str, note: str = "",
                    previous_sha256: str | None = None) -> BotConfigVersion:
        """Append the next version (audited). ``previous_sha256`` is the digest the person
        edited; it must still be the current one's (no lost update between two editors)."""
        sha = digest(content)
        with self._tx(write=True) as s:
            newest = s.exec(select(BotConfigVersion).where(
                BotConfigVersion.bot == bot, BotConfigVersion.name == name,
            ).order_by(col(BotConfigVersion.version).desc()).limit(1)).first()
            if newest is not None and newest.sha256 == sha:
                raise DuplicateError(f"{bot} {name}: no change from version {newest.version}")
            if previous_sha256 is not None and newest is not None \
                    and newest.sha256 != previous_sha256:
                raise DuplicateError(f"{bot} {name}: version {newest.version} was saved by "
                                     f"{newest.changed_by} meanwhile; reload and edit again")
            row = BotConfigVersion(bot=bot[:100], name=name[:100],
                                   version=(newest.version if newest else 0) + 1,
                                   content=content, sha256=sha, changed_by=actor[:100],
                                   note=note[:500])
            s.add(row)
            s.flush()
            append_audit(s, actor, "config.change", f"bot:{bot}/config:{name}",
                         {"version": row.version, "sha256": sha,
                          "previous_sha256": newest.sha256 if newest else None,
                          "note": note[:500]})
            return row

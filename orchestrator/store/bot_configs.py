"""Saved versions of bots' configuration documents (``ctx.config``).

A save appends a version and its audit record (``config.change``: bot, document, version,
the digests before and after, the note) in one transaction; a save whose text equals the
current version's is refused, so the history only holds real changes. Versions are never
edited or deleted. Whether a text is a valid document is the service's business (it knows
the bot's check); the store keeps what it is given.

A version saved ``pending`` (it changes a control setting) is not current until a second
person approves it (``config.approve``; ``config.reject`` leaves it out for good); runs use
the newest current version. While one is pending no other change is saved.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bots.runtime.bot_config import digest
from bots.runtime.errors import (
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    SelfApprovalError,
)
from orchestrator.store.audit import append_audit
from orchestrator.store.base import StoreBase
from orchestrator.store.models import BotConfigVersion
from orchestrator.store.types import utcnow

CURRENT, PENDING, REJECTED = "current", "pending", "rejected"

__all__ = ["BotConfigsMixin"]


def _newest(s: Session, bot: str, name: str, status: str | None = None
            ) -> BotConfigVersion | None:
    query = select(BotConfigVersion).where(BotConfigVersion.bot == bot,
                                           BotConfigVersion.name == name)
    if status is not None:
        query = query.where(BotConfigVersion.status == status)
    return s.exec(query.order_by(col(BotConfigVersion.version).desc()).limit(1)).first()


class BotConfigsMixin(StoreBase):
    def latest_config(self, bot: str, name: str) -> BotConfigVersion | None:
        """The version runs use: the newest current one (None: the packaged default)."""
        with self._tx() as s:
            return _newest(s, bot, name, CURRENT)

    def pending_config(self, bot: str, name: str) -> BotConfigVersion | None:
        """The version waiting for a second person's approval, if any."""
        with self._tx() as s:
            return _newest(s, bot, name, PENDING)

    def pending_configs(self) -> list[BotConfigVersion]:
        """Every version waiting for a second person, oldest first (the approvals page)."""
        with self._tx() as s:
            return list(s.exec(select(BotConfigVersion).where(
                BotConfigVersion.status == PENDING).order_by(col(BotConfigVersion.id))))

    def config_versions(self, bot: str, name: str) -> list[BotConfigVersion]:
        """Newest first, pending and rejected ones included."""
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
                    previous_sha256: str | None = None, pending: bool = False,
                    controls: tuple[str, ...] = (), basis: int | None = None,
                    ) -> BotConfigVersion:
        """Append the next version (audited). ``previous_sha256`` is the digest the person
        edited; it must still be the current one's (no lost update between two editors).
        ``pending``: the version changes ``controls`` and waits for a second person.
        ``basis``: the current version (0: the packaged default) ``pending`` was judged
        against; another one current by now refuses the save (an approval landed between:
        judged against it, the change might touch a control after all)."""
        sha = digest(content)
        with self._tx(write=True) as s:
            waiting = _newest(s, bot, name, PENDING)
            if waiting is not None:
                raise DuplicateError(
                    f"{bot} {name}: version {waiting.version} by {waiting.changed_by} awaits "
                    "a second person's approval; approve or reject it first")
            current, newest = _newest(s, bot, name, CURRENT), _newest(s, bot, name)
            if basis is not None and (current.version if current else 0) != basis:
                raise DuplicateError(f"{bot} {name}: version {current.version if current else 0}"
                                     " became current meanwhile; reload and edit again")
            if current is not None and current.sha256 == sha:
                raise DuplicateError(f"{bot} {name}: no change from version {current.version}")
            if previous_sha256 is not None and current is not None \
                    and current.sha256 != previous_sha256:
                raise DuplicateError(f"{bot} {name}: version {current.version} was saved by "
                                     f"{current.changed_by} meanwhile; reload and edit again")
            row = BotConfigVersion(bot=bot[:100], name=name[:100],
                                   version=(newest.version if newest else 0) + 1,
                                   content=content, sha256=sha, changed_by=actor[:100],
                                   note=note[:500], status=PENDING if pending else CURRENT)
            s.add(row)
            s.flush()
            details = {"version": row.version, "sha256": sha,
                       "previous_sha256": current.sha256 if current else None,
                       "note": note[:500]}
            if pending:
                details["awaits_approval"] = list(controls)
            append_audit(s, actor, "config.change", f"bot:{bot}/config:{name}", details)
            return row

    def decide_config(self, bot: str, name: str, version: int, *, actor: str,
                      approve: bool, note: str = "") -> BotConfigVersion:
        """A second person approves (the version becomes current) or rejects a pending
        version; never the person who saved it (SelfApprovalError)."""
        with self._tx(write=True) as s:
            row = s.exec(select(BotConfigVersion).where(
                BotConfigVersion.bot == bot, BotConfigVersion.name == name,
                BotConfigVersion.version == version).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"{bot} {name}: no version {version}")
            if row.status != PENDING:
                raise IllegalTransitionError("configuration version", row.status,
                                             CURRENT if approve else REJECTED)
            if row.changed_by.casefold() == actor.casefold():
                raise SelfApprovalError(f"{actor} saved version {version} of {bot} {name}: "
                                        "a second person decides on it")
            row.status = CURRENT if approve else REJECTED
            row.decided_by, row.decided_at = actor[:100], utcnow()
            s.add(row)
            s.flush()
            append_audit(s, actor, "config.approve" if approve else "config.reject",
                         f"bot:{bot}/config:{name}",
                         {"version": version, "sha256": row.sha256,
                          "changed_by": row.changed_by, "note": note[:500]})
            s.refresh(row)
            s.expunge(row)
            return row

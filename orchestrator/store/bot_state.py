"""Bots' persistent key-value state: one JSON value per (bot, namespace, key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import BotState
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["BotStateMixin"]


class BotStateMixin(StoreBase):
    def get_bot_state(self, bot: str, namespace: str, key: str) -> Any | None:
        with self._tx() as s:
            row = s.exec(select(BotState).where(
                BotState.bot == bot, BotState.namespace == namespace, BotState.key == key,
            )).first()
            return None if row is None else row.value

    def put_bot_state(self, bot: str, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (made JSON-safe), replacing the value there (last write wins)."""
        value = to_jsonable(value)
        for _ in range(2):  # a concurrent first write of the same key: update it instead
            try:
                with self._tx(write=True) as s:
                    row = s.exec(select(BotState).where(
                        BotState.bot == bot, BotState.namespace == namespace,
                        BotState.key == key,
                    ).with_for_update()).first()
                    if row is None:
                        row = BotState(bot=bot, namespace=namespace, key=key)
                    row.value, row.updated_at = value, utcnow()
                    s.add(row)
                return
            except IntegrityError:
                continue

    def list_bot_state(self, bot: str, namespace: str | None = None) -> list[BotState]:
        query = select(BotState).where(BotState.bot == bot)
        if namespace is not None:
            query = query.where(BotState.namespace == namespace)
        with self._tx() as s:
            return list(s.exec(query.order_by(BotState.namespace, BotState.key)))

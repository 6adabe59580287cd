"""What every part of the store shares: the engine, the schema and short transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from bots.runtime.errors import NotFoundError
from orchestrator.store import models as _models  # noqa: F401  (registers the tables)
from orchestrator.store.engine import IMMEDIATE, make_engine
from orchestrator.store.schema import prepare

__all__ = ["StoreBase"]

T = TypeVar("T")

#: The open transaction that nested store calls join, per engine (see ``_tx(join=True)``).
_JOINED: ContextVar[dict[int, Session]] = ContextVar("finbots_joined_tx", default={})  # noqa: B039


class StoreBase:
    """Owns the engine. Each public store call is one short transaction of its own.

    ``create=True``: an empty database gets the tables (stamped at the newest migration); a
    store whose schema is not this finbots's is refused with the command that upgrades it
    (:mod:`.schema`). ``create=False`` skips the check (worker processes of a checked store).
    """

    def __init__(self, url: str, *, case_sla_hours: float = 48.0, create: bool = True) -> None:
        self.engine: Engine = make_engine(url)
        self.case_sla_hours = case_sla_hours
        if create:
            try:
                prepare(self.engine)
            except BaseException:
                self.engine.dispose()
                raise

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _tx(self, *, write: bool = False, join: bool = False) -> Iterator[Session]:
        """A session in one transaction; committed on success, rolled back on error.

        ``write=True`` takes SQLite's write lock up front (``BEGIN IMMEDIATE``), so a
        read-then-write such as a claim cannot interleave with another writer.
        ``join=True``: store calls made inside this block (same thread) run in this same
        transaction instead of their own, e.g. a schedule's fire and the job it creates.
        """
        joined = _JOINED.get().get(id(self.engine))
        if joined is not None:
            yield joined
            return
        with Session(self.engine, expire_on_commit=False) as session:
            if write and self.dialect == "sqlite":
                session.connection(execution_options={IMMEDIATE: True})
            token = _JOINED.set({**_JOINED.get(), id(self.engine): session}) if join else None
            try:
                yield session
            finally:
                if token is not None:
                    _JOINED.reset(token)
            session.commit()

    @staticmethod
    def _need(record: T | None, what: str, key: object) -> T:
        if record is None:
            raise NotFoundError(f"no {what} {key!r}")
        return record

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.engine.url.render_as_string(hide_password=True)!r})"

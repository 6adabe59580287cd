"""Browser sessions: the cookie holds a random id, the store only its digest.

The id and its digest are made by :mod:`orchestrator.auth.service`; every method here takes
the digest (``id_hash``), never the id itself.

A session ends at its absolute expiry (``FINBOTS_SESSION_HOURS``, default 12), after
``FINBOTS_SESSION_IDLE_MINUTES`` (default 30) without a request, at sign-out, or when the
user is disabled or gets a new password.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlmodel import col, select, update

from orchestrator.store.base import StoreBase
from orchestrator.store.models import User, WebSession
from orchestrator.store.types import utcnow

__all__ = ["SessionsMixin", "session_lifetimes"]

_TOUCH_EVERY = dt.timedelta(seconds=30)  # last_seen_at is written at most this often


def session_lifetimes() -> tuple[dt.timedelta, dt.timedelta]:
    """``(absolute, idle)`` from the environment."""
    hours = float(os.environ.get("FINBOTS_SESSION_HOURS", "12"))
    idle = float(os.environ.get("FINBOTS_SESSION_IDLE_MINUTES", "30"))
    return dt.timedelta(hours=hours), dt.timedelta(minutes=idle)


class SessionsMixin(StoreBase):
    def create_session(self, username: str, *, id_hash: str, csrf_token: str) -> WebSession:
        """Store a new session under the digest of its id (the id itself is never stored)."""
        if not id_hash or not csrf_token:
            raise ValueError("a session needs an id digest and a CSRF token")
        absolute, _idle = session_lifetimes()
        now = utcnow()
        session = WebSession(id_hash=id_hash, username=username, csrf_token=csrf_token,
                             created_at=now, last_seen_at=now, expires_at=now + absolute)
        with self._tx(write=True) as s:
            s.add(session)
            s.flush()
        return session

    def session_user(self, *, id_hash: str) -> tuple[WebSession, User] | None:
        """The live session with this id digest and its enabled user, else ``None``."""
        if not id_hash:
            return None
        now = utcnow()
        _absolute, idle = session_lifetimes()
        with self._tx() as s:
            row = s.exec(select(WebSession, User)
                         .join(User, col(User.username) == col(WebSession.username))
                         .where(WebSession.id_hash == id_hash)).first()
        if row is None:
            return None
        session, user = row
        if (session.revoked_at is not None or user.disabled or session.expires_at <= now
                or session.last_seen_at + idle <= now):
            return None
        if now - session.last_seen_at >= _TOUCH_EVERY:
            with self._tx(write=True) as s:
                s.exec(update(WebSession)  # type: ignore[call-overload]
                       .where(col(WebSession.id_hash) == session.id_hash)
                       .values(last_seen_at=now))
            session.last_seen_at = now
        return session, user

    def revoke_session(self, *, id_hash: str) -> bool:
        """End one session by its id digest (sign-out); False when there was none to end."""
        with self._tx(write=True) as s:
            result = s.exec(update(WebSession)  # type: ignore[call-overload]
                            .where(col(WebSession.id_hash) == id_hash,
                                   col(WebSession.revoked_at).is_(None))
                            .values(revoked_at=utcnow()))
            return bool(result.rowcount)

    def list_sessions(self, username: str | None = None) -> list[WebSession]:
        """Sessions not revoked and not past their absolute expiry, newest first."""
        query = (select(WebSession).where(col(WebSession.revoked_at).is_(None),
                                          col(WebSession.expires_at) > utcnow())
                 .order_by(col(WebSession.created_at).desc()))
        if username is not None:
            query = query.where(WebSession.username == username)
        with self._tx() as s:
            return list(s.exec(query))

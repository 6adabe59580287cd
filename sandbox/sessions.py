"""Login sessions of the sandbox targets: idle timeout and the request-count fault.

Re-exported by :mod:`sandbox.faults`; see its docstring for how pages use it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sandbox.faults import Faults

__all__ = ["Sessions"]


@dataclass
class _Session:
    user: str
    data: dict[str, Any]
    requests: int = 0
    last_seen: float = field(default_factory=time.monotonic)


class Sessions:
    """In-memory login sessions with an idle timeout and the request-count fault."""

    def __init__(self, faults: Faults, idle_timeout_s: float = 900.0) -> None:
        self.faults = faults
        self.idle_timeout_s = idle_timeout_s
        self._items: dict[str, _Session] = {}

    def create(self, user: str, **data: Any) -> str:
        sid = secrets.token_urlsafe(24)
        self._items[sid] = _Session(user, dict(data))
        return sid

    def get(self, sid: str | None) -> _Session | None:
        return self._items.get(sid) if sid else None

    def touch(self, sid: str | None) -> Literal["ok", "expired", "missing"]:
        """Count one authenticated request; drop the session when it has expired."""
        session = self.get(sid)
        if session is None:
            return "missing"
        now = time.monotonic()
        session.requests += 1
        idle = now - session.last_seen > self.idle_timeout_s
        if idle or self.faults.session_expired(session.requests):
            self.drop(sid)
            return "expired"
        session.last_seen = now
        return "ok"

    def drop(self, sid: str | None) -> None:
        if sid:
            self._items.pop(sid, None)

    def clear(self) -> None:
        self._items.clear()

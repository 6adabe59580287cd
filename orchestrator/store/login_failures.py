"""Failed sign-ins, kept for an hour so the sign-in page can slow down guessing.

Each failure records the name tried and the client (IP address) it came from. The policy,
who waits how long, is :mod:`orchestrator.auth.throttle`; the store only counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import LoginFailure
from orchestrator.store.types import utcnow

__all__ = ["FailureCount", "LoginFailures", "LoginFailuresMixin"]

KEEP_FOR = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FailureCount:
    count: int = 0
    last: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """Recent failures of one name from one client, of the client, and of the name."""

    pair: FailureCount
    client: FailureCount
    account: FailureCount


class LoginFailuresMixin(StoreBase):
    def record_login_failure(self, username: str, client: str) -> None:
        """One failed sign-in; failures older than an hour are forgotten."""
        now = utcnow()
        with self._tx(write=True) as s:
            s.add(LoginFailure(at=now, username=username[:100], client=client[:100]))
            s.exec(delete(LoginFailure)  # type: ignore[call-overload]
                   .where(col(LoginFailure.at) < now - KEEP_FOR))

    def clear_login_failures(self, username: str, client: str) -> None:
        """A successful sign-in forgets that client's failures for that name."""
        with self._tx(write=True) as s:
            s.exec(delete(LoginFailure)  # type: ignore[call-overload]
                   .where(col(LoginFailure.username) == username[:100],
                          col(LoginFailure.client) == client[:100]))

    def login_failures(self, username: str, client: str,
                       since: dt.datetime) -> LoginFailures:
        """How many failures since ``since`` and the newest one's time, three ways."""
        name_is = col(LoginFailure.username) == username[:100]
        client_is = col(LoginFailure.client) == client[:100]
        with self._tx() as s:
            def count(*where: ColumnElement[bool]) -> FailureCount:
                n, last = s.exec(select(func.count(), func.max(LoginFailure.at))
                                 .where(col(LoginFailure.at) >= since, *where)).one()
                return FailureCount(int(n), last)

            return LoginFailures(pair=count(name_is, client_is), client=count(client_is),
                                 account=count(name_is))


"""How long a sign-in must wait after failures, without letting a stranger lock a person out.

Three counts of the last hour's failures decide (:meth:`Store.login_failures`):

* **this name from this client** — after ``PAIR_FREE`` failures the client waits before
  its next try for that name: ``BASE`` seconds, doubling with every further failure, at
  most ``LONGEST``;
* **this client, whatever the name** — after ``CLIENT_FREE`` failures the same back-off
  holds for every name it tries (guessing many names from one place);
* **this name from everywhere** — from ``ACCOUNT_CEILING`` failures on, the name is under
  attack from many places: every client that failed on it waits at least ``UNDER_ATTACK``
  after each failure, from its first one. A client with no failure for the name is never
  held back by the name's failures, so the person it belongs to can still sign in with the
  right password.

A try refused while waiting is not a failure: it does not count, so it cannot make the
wait longer. A successful sign-in forgets its client's failures for the name.
"""

from __future__ import annotations

import datetime as dt

from orchestrator.store import Store, utcnow
from orchestrator.store.login_failures import KEEP_FOR, FailureCount

__all__ = ["ACCOUNT_CEILING", "BASE", "CLIENT_FREE", "LONGEST", "PAIR_FREE", "UNDER_ATTACK",
           "backoff", "wait_before_login"]

PAIR_FREE = 5
CLIENT_FREE = 20
ACCOUNT_CEILING = 50
BASE = dt.timedelta(seconds=2)
LONGEST = dt.timedelta(minutes=15)
UNDER_ATTACK = dt.timedelta(minutes=5)


def backoff(failures: int, free: int) -> dt.timedelta:
    """The wait after the newest of ``failures`` when ``free`` of them cost nothing."""
    if failures < max(free, 1):
        return dt.timedelta(0)
    doublings = min(failures - max(free, 1), 20)
    return min(BASE * (2 ** doublings), LONGEST)


def _remaining(count: FailureCount, free: int, now: dt.datetime,
               at_least: dt.timedelta = dt.timedelta(0)) -> dt.timedelta:
    if count.last is None:
        return dt.timedelta(0)
    wait = max(backoff(count.count, free), at_least)
    return max(count.last + wait - now, dt.timedelta(0))


def wait_before_login(store: Store, username: str, client: str,
                      now: dt.datetime | None = None) -> dt.timedelta:
    """How long ``client`` must wait before trying ``username`` again; zero: go ahead."""
    now = now or utcnow()
    seen = store.login_failures(username, client, since=now - KEEP_FOR)
    if seen.account.count >= ACCOUNT_CEILING:
        pair = _remaining(seen.pair, 1, now, at_least=UNDER_ATTACK)
    else:
        pair = _remaining(seen.pair, PAIR_FREE, now)
    return max(pair, _remaining(seen.client, CLIENT_FREE, now))

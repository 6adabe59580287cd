"""Expiry times as people type them: ``90d``, ``12h``, ``30m``, ``2w``, or an ISO date.

API tokens always expire: :func:`token_expiry` gives one :data:`DEFAULT_TOKEN_LIFETIME`
from now when none is asked for and refuses anything past :data:`MAX_TOKEN_LIFETIME`.
"""

from __future__ import annotations

import datetime as dt
import re

from bots.runtime.errors import ConfigError

__all__ = ["DEFAULT_TOKEN_LIFETIME", "MAX_TOKEN_LIFETIME", "check_token_expiry",
           "parse_expiry", "token_expiry"]

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DEFAULT_TOKEN_LIFETIME = dt.timedelta(days=90)
MAX_TOKEN_LIFETIME = dt.timedelta(days=365)
_LONGEST = dt.timedelta(days=36500)  # beyond any bound; keeps huge numbers from overflowing


def parse_expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The moment ``text`` names (UTC when naive); ``None`` for none, ``never`` or empty.

    ConfigError for anything else, a time in the past, or a duration of a century or more.
    """
    if not text or text.lower() in ("never", "none"):
        return None
    now = now or dt.datetime.now(dt.UTC)
    found = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if found:
        amount = int(found.group(1))
        unit = _UNITS[found.group(2)]
        if len(found.group(1)) > 9 or dt.timedelta(**{unit: amount}) >= _LONGEST:
            raise ConfigError(f"expiry {text!r} is too far away")
        return now + dt.timedelta(**{unit: amount})
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"expiry {text!r}: use 90d, 12h, 30m, 2w or an ISO date") from None
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if when <= now:
        raise ConfigError(f"expiry {text!r} is in the past")
    return when


def check_token_expiry(expires_at: dt.datetime | None,
                       now: dt.datetime | None = None) -> dt.datetime:
    """``expires_at``, or the default lifetime from now; ConfigError past the maximum."""
    now = now or dt.datetime.now(dt.UTC)
    if expires_at is None:
        return now + DEFAULT_TOKEN_LIFETIME
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if expires_at <= now:
        raise ConfigError("expires: a token's expiry must be in the future")
    if expires_at > now + MAX_TOKEN_LIFETIME + dt.timedelta(minutes=1):
        raise ConfigError(f"expires: a token lives at most {MAX_TOKEN_LIFETIME.days} days "
                          f"({MAX_TOKEN_LIFETIME.days}d); make a new one when it runs out")
    return expires_at


def token_expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """A token's expiry from what a person typed: empty gives the default, ``never`` and
    anything past the maximum are refused (ConfigError naming the field)."""
    now = now or dt.datetime.now(dt.UTC)
    if text and text.strip().lower() in ("never", "none"):
        raise ConfigError(f"expires: tokens always expire, at most "
                          f"{MAX_TOKEN_LIFETIME.days} days ({MAX_TOKEN_LIFETIME.days}d)")
    try:
        when = parse_expiry(text.strip() if text else None, now)
    except ConfigError as exc:
        raise ConfigError(f"expires: {exc}") from None
    return check_token_expiry(when, now)

"""Expiry times as people type them: ``90d``, ``12h``, ``30m``, ``2w``, or an ISO date."""

from __future__ import annotations

import datetime as dt
import re

from bots.runtime.errors import ConfigError

__all__ = ["parse_expiry"]

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_expiry(text: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The moment ``text`` names (UTC when naive); ``None`` for none, ``never`` or empty."""
    if not text or text.lower() in ("never", "none"):
        return None
    now = now or dt.datetime.now(dt.UTC)
    found = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text.lower())
    if found:
        return now + dt.timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"expiry {text!r}: use 90d, 12h, 30m, 2w or an ISO date") from None
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if when <= now:
        raise ConfigError(f"expiry {text!r} is in the past")
    return when

"""Formatting the pages and the API share: times (UTC), ages, durations, JSON, percentages.

The pages register these as Jinja filters and globals (:mod:`orchestrator.web.templating`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["age", "duration", "moment", "pairs", "percent", "pretty_json", "span", "url_with",
           "when"]


def when(value: dt.datetime | None, seconds: bool = True) -> str:
    """``2026-03-01 14:05:09`` (UTC) or ``-``."""
    if value is None:
        return "-"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def moment(value: object) -> str:
    """A point in time a bot wrote into a case as ISO text (``2026-12-05T16:27:14.56+00:00``)
    shown as :func:`when` shows times, to the minute, in UTC; a date alone, or text that is
    no time, as it is."""
    if isinstance(value, dt.datetime):
        return when(value, seconds=False)
    text = str(value)
    if "T" not in text:
        return text
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if parsed.tzinfo is None:
        return text  # a time without its zone is not guessed at
    return when(parsed, seconds=False)


def span(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``12.4 s``, ``3m 05s``, ``2h 04m``, ``3d 4h``."""
    if seconds is None:
        return "-"
    seconds = abs(float(seconds))
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{days}d {hours % 24}h"
    if hours:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{minutes}m {int(seconds) % 60:02d}s"


def age(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``3m ago`` / ``in 2h 00m``."""
    if value is None:
        return "-"
    delta = ((now or utcnow()) - value).total_seconds()
    return f"{span(delta)} ago" if delta >= 0 else f"in {span(delta)}"


def duration(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None:
        return None
    return max(0.0, ((end or utcnow()) - start).total_seconds())


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (``None`` or ``""`` drops one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v not in (None, "")})
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{request.url.path}?{query}" if query else request.url.path


def pretty_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, sort_keys=True)


def pairs(value: Any) -> list[tuple[str, str]]:
    """A mapping as (key, text) pairs: strings as they are, anything else as JSON."""
    if not isinstance(value, dict):
        return [("", pretty_json(value))]
    return [(str(k), v if isinstance(v, str) else json.dumps(to_jsonable(v), ensure_ascii=False))
            for k, v in value.items()]


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


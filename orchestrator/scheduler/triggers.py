"""Trigger specs: validated, stored as JSON, turned into APScheduler 3 trigger objects.

``Schedule.spec`` per kind (what :func:`normalize_spec` returns):

* ``cron`` — ``{"cron": "0 7 * * mon-fri"}``: five crontab fields, read in the schedule's
  time zone. Weekday numbers follow crontab (0 or 7 = Sunday, 1 = Monday), not
  APScheduler 3's own numbering (0 = Monday); they are translated to names here.
  ``@hourly``, ``@daily``, ``@weekly``, ``@monthly`` and ``@yearly`` are accepted.
* ``interval`` — ``{"seconds": 900, "start": "<ISO UTC>"}``: fires at ``start + k *
  seconds`` (k >= 0). ``every`` (``"15m"``, ``"1h30m"``) may be given instead of seconds;
  ``start`` defaults to one interval after the schedule is added.
* ``date`` — ``{"at": "<ISO UTC>"}``: once. A time without an offset is in the schedule's
  time zone.
* ``queue`` — ``{"queue": name, "max_concurrent": 1, "min_items": 1,
  "hold_off_minutes": 10}``: no time trigger; a job starts when the queue has claimable
  items (see :mod:`orchestrator.scheduler.service`), but not within ``hold_off_minutes`` of a
  run of the bot that stopped for application failures in a row on that queue (0: at once).

Only the triggers' ``get_next_fire_time`` is used; :func:`fire_after` asks for "the first
fire time strictly after t", which is all the scheduler needs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bots.runtime.errors import ScheduleError
from orchestrator.scheduler.calendars import WEEKDAYS
from orchestrator.store.schedule_fires import MAX_HOLD_OFF, QUEUE_HOLD_OFF

__all__ = [
    "KINDS", "build_trigger", "fire_after", "format_every", "normalize_spec", "parse_every",
    "zone",
]

KINDS = ("cron", "interval", "date", "queue")
_TICK = dt.timedelta(microseconds=1)
_ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
            "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
            "@annually": "0 0 1 1 *"}
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``), or ScheduleError naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"timezone: unknown time zone {name!r} (use an IANA name such as "
                            "'Europe/Berlin' or 'UTC')") from None


def parse_every(text: str) -> int:
    """``"15m"``, ``"1h30m"``, ``"90s"``, ``"2d"``, ``"1w"`` or a bare number of seconds."""
    value = text.strip().lower().replace(" ", "")
    if value.isdigit():
        seconds = int(value)
    elif re.fullmatch(r"(\d+[wdhms])+", value):
        seconds = sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([wdhms])", value))
    else:
        raise ScheduleError(f"spec.every: {text!r} is not a duration such as 90s, 15m, 1h30m, "
                            "2d")
    if seconds < 1:
        raise ScheduleError(f"spec.every: {text!r} must be at least one second")
    return seconds


def format_every(seconds: int) -> str:
    """``900`` → ``"15m"``, ``5400`` → ``"1h30m"`` (the inverse of :func:`parse_every`)."""
    parts, rest = [], seconds
    for unit, size in _UNITS.items():
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


def _weekday(token: str) -> int:
    """A crontab weekday: 0-7 (0 and 7 = Sunday) or a name (Sunday = 0)."""
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if len(token) >= 3 and token[:3] in _CRON_DAYS:
        return _CRON_DAYS.index(token[:3])
    raise ScheduleError(f"spec.cron: {token!r} is not a day of the week (0-7 or sun..sat)")


def _day_of_week(field: str) -> str:
    """Crontab's day-of-week field (``1-5``, ``mon,wed``, ``*/2``) as APScheduler names."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, slash, step_text = part.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ScheduleError(f"spec.cron: bad step in day of week {part!r}")
        step = int(step_text) if slash else 1
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            low, high = (_weekday(t) for t in span.split("-", 1))
            high = 7 if high == 0 < low else high  # fri-sun
            if high < low:
                raise ScheduleError(f"spec.cron: day-of-week range {part!r} runs backwards")
        else:
            low = _weekday(span)
            high = 7 if slash else low
        days.update(d % 7 for d in range(low, high + 1, step))
    return ",".join(WEEKDAYS[(d - 1) % 7] for d in sorted(days, key=lambda d: (d - 1) % 7))


def cron_fields(expr: str) -> list[str]:
    fields = _ALIASES.get(expr.strip().lower(), expr).split()
    if len(fields) != 5:
        raise ScheduleError(f"spec.cron: {expr!r} needs 5 fields (minute hour day month "
                            f"day-of-week), got {len(fields)}")
    return fields


def _cron(expr: str, tz: ZoneInfo) -> CronTrigger:
    minute, hour, day, month, dow = cron_fields(expr)
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=_day_of_week(dow), timezone=tz)
    except ValueError as exc:
        raise ScheduleError(f"spec.cron: {expr!r}: {exc}") from None


def _aware(text: Any, tz: ZoneInfo, name: str) -> dt.datetime:
    try:
        value = text if isinstance(text, dt.datetime) else dt.datetime.fromisoformat(str(text))
    except ValueError:
        raise ScheduleError(f"spec.{name}: {text!r} is not an ISO 8601 time") from None
    return (value.replace(tzinfo=tz) if value.tzinfo is None else value).astimezone(dt.UTC)


def _positive(spec: dict[str, Any], key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ScheduleError(f"spec.{key}: {value!r} must be a whole number >= 1")
    return value


def _minutes(spec: dict[str, Any], key: str, default: dt.timedelta,
             longest: dt.timedelta) -> int:
    value = spec.get(key, default // dt.timedelta(minutes=1))
    most = longest // dt.timedelta(minutes=1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise ScheduleError(f"spec.{key}: {value!r} must be whole minutes from 0 to {most}")
    return value


def normalize_spec(kind: str, spec: dict[str, Any], tz: ZoneInfo,
                   now: dt.datetime) -> dict[str, Any]:
    """The spec as stored: checked, with defaults filled in; ScheduleError names the field."""
    if kind == "cron":
        expr = str(spec.get("cron") or "").strip()
        if not expr:
            raise ScheduleError("spec.cron: missing crontab expression")
        _cron(expr, tz)
        return {"cron": expr}
    if kind == "interval":
        every = spec.get("every")
        seconds = parse_every(str(every)) if every is not None else spec.get("seconds")
        seconds = _positive({"seconds": seconds}, "seconds", 0)
        start = spec.get("start")
        default = (now + dt.timedelta(seconds=seconds)).replace(microsecond=0)
        first = _aware(start, tz, "start") if start else default
        return {"seconds": seconds, "start": first.isoformat()}
    if kind == "date":
        if not spec.get("at"):
            raise ScheduleError("spec.at: missing date and time")
        return {"at": _aware(spec["at"], tz, "at").isoformat()}
    if kind == "queue":
        queue = str(spec.get("queue") or "").strip()
        if not queue:
            raise ScheduleError("spec.queue: missing queue name")
        return {"queue": queue, "max_concurrent": _positive(spec, "max_concurrent", 1),
                "min_items": _positive(spec, "min_items", 1),
                "hold_off_minutes": _minutes(spec, "hold_off_minutes", QUEUE_HOLD_OFF,
                                             MAX_HOLD_OFF)}
    raise ScheduleError(f"kind: unknown trigger kind {kind!r}; one of: {', '.join(KINDS)}")


def build_trigger(kind: str, spec: dict[str, Any], tz: ZoneInfo) -> BaseTrigger | None:
    """The APScheduler trigger of a stored spec; ``None`` for a queue trigger."""
    if kind == "cron":
        return _cron(spec["cron"], tz)
    if kind == "interval":
        start = dt.datetime.fromisoformat(spec["start"])
        return IntervalTrigger(seconds=spec["seconds"], start_date=start, timezone=tz)
    if kind == "date":
        return DateTrigger(run_date=dt.datetime.fromisoformat(spec["at"]), timezone=tz)
    if kind == "queue":
        return None
    raise ScheduleError(f"kind: unknown trigger kind {kind!r}; one of: {', '.join(KINDS)}")


def fire_after(trigger: BaseTrigger, after: dt.datetime) -> dt.datetime | None:
    """The trigger's first fire time strictly after ``after`` (aware UTC), or ``None``."""
    own = getattr(trigger, "fire_after", None)
    if own is not None:
        result: dt.datetime | None = own(after)
        return result
    found = trigger.get_next_fire_time(None, after + _TICK)
    if found is None or found <= after:
        return None
    return found.astimezone(dt.UTC)

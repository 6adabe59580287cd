"""Checking a schedule before it is stored: every refusal is a ScheduleError naming the field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from bots.runtime.errors import ScheduleError
from orchestrator.scheduler.calendars import DAY_RULES
from orchestrator.scheduler.triggers import KINDS, cron_fields, normalize_spec, zone

__all__ = ["MISFIRE_POLICIES", "check_schedule"]

MISFIRE_POLICIES = ("run_once", "skip")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ScheduleError(f"{field}: {value!r} is not one of: {', '.join(allowed)}")
    return value


def check_schedule(
    name: str, bot: str, kind: str, spec: Mapping[str, Any], *, args: Mapping[str, Any] | None,
    timezone: str, calendar: str | None, day_rule: str, misfire: str,
    misfire_grace_seconds: int, coalesce: bool, now: dt.datetime,
) -> dict[str, Any]:
    """The schedule's columns, checked and normalized (the spec gets its defaults)."""
    if not _NAME.fullmatch(name or ""):
        raise ScheduleError(f"name: {name!r} must be 1-100 letters, digits, '.', '_', ':' or "
                            "'-', starting with a letter or digit")
    if not (bot or "").strip() or len(bot) > 100:
        raise ScheduleError(f"bot: {bot!r} must be a bot name of 1-100 characters")
    _one_of("kind", kind, KINDS)
    _one_of("day_rule", day_rule, DAY_RULES)
    _one_of("misfire", misfire, MISFIRE_POLICIES)
    if isinstance(misfire_grace_seconds, bool) or not isinstance(misfire_grace_seconds, int) \
            or misfire_grace_seconds < 0:
        raise ScheduleError(f"misfire_grace_seconds: {misfire_grace_seconds!r} must be a whole "
                            "number of seconds >= 0")
    if not isinstance(coalesce, bool):
        raise ScheduleError(f"coalesce: {coalesce!r} must be true or false")
    if args is not None and not isinstance(args, Mapping):
        raise ScheduleError("args: must be a mapping of argument names to values")
    if calendar is not None and not calendar.strip():
        raise ScheduleError("calendar: empty name (leave it out for Monday to Friday)")
    tz = zone(timezone)
    if not isinstance(spec, Mapping):
        raise ScheduleError("spec: must be a mapping of the trigger's fields")
    clean = normalize_spec(kind, dict(spec), tz, now)
    if kind == "cron" and day_rule in ("first_business_day", "last_business_day"):
        _, _, day, _, dow = cron_fields(clean["cron"])
        if (day, dow) != ("*", "*"):
            raise ScheduleError(f"spec.cron: with day_rule {day_rule} the rule picks the day: "
                                f"leave day of month and day of week as * (e.g. '0 7 * * *')")
    if kind == "date" and dt.datetime.fromisoformat(clean["at"]) <= now:
        raise ScheduleError(f"spec.at: {clean['at']} is in the past")
    return {
        "name": name, "bot": bot.strip(), "kind": kind, "spec": clean,
        "args": dict(args or {}), "timezone": timezone, "calendar": calendar,
        "day_rule": day_rule, "misfire": misfire,
        "misfire_grace_seconds": misfire_grace_seconds, "coalesce": coalesce,
    }

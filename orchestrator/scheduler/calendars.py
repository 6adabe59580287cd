"""Business days: a calendar's weekend and holidays, and the day rules schedules use.

Day rules (``Schedule.day_rule``):

* ``any`` — every day the trigger names;
* ``business_days`` — only on business days (not a weekend day, not a holiday);
* ``first_business_day`` / ``last_business_day`` — only on the first / last business day
  of each month (Jan 2026 with 1 January a holiday: the 2nd; a month starting on a
  Saturday: the Monday).

A schedule with a day rule but no calendar uses :data:`DEFAULT_DAYS` (Saturday and Sunday
off, no holidays).
"""

from __future__ import annotations

import calendar as _cal
import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bots.runtime.errors import ScheduleError

if TYPE_CHECKING:
    from orchestrator.store.models import BusinessCalendar

__all__ = [
    "DAY_RULES",
    "DEFAULT_DAYS",
    "WEEKDAYS",
    "BusinessDays",
    "parse_holidays",
    "parse_weekend",
    "read_holiday_file",
    "validate_holidays",
    "validate_weekend",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
DAY_RULES = ("any", "business_days", "first_business_day", "last_business_day")
_HORIZON_DAYS = 366 * 10  # a rule that allows no day within ten years never fires


@dataclass(frozen=True)
class BusinessDays:
    """Which dates are business days; answers the day rules."""

    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, calendar: BusinessCalendar | None) -> BusinessDays:
        if calendar is None:
            return DEFAULT_DAYS
        return cls(frozenset(calendar.weekend),
                   frozenset(dt.date.fromisoformat(d) for d in calendar.holidays))

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def first_of_month(self, year: int, month: int) -> dt.date | None:
        days = _cal.monthrange(year, month)[1]
        return next((d for n in range(1, days + 1)
                     if self.is_business_day(d := dt.date(year, month, n))), None)

    def last_of_month(self, year: int, month: int) -> dt.date | None:
        days = _cal.monthrange(year, month)[1]
        return next((d for n in range(days, 0, -1)
                     if self.is_business_day(d := dt.date(year, month, n))), None)

    def allows(self, rule: str, day: dt.date) -> bool:
        """Whether a schedule with day rule ``rule`` may fire on ``day``."""
        if rule == "any":
            return True
        if rule == "business_days":
            return self.is_business_day(day)
        if rule == "first_business_day":
            return day == self.first_of_month(day.year, day.month)
        if rule == "last_business_day":
            return day == self.last_of_month(day.year, day.month)
        raise ScheduleError(f"day_rule: unknown rule {rule!r}; one of: {', '.join(DAY_RULES)}")

    def next_allowed(self, rule: str, day: dt.date) -> dt.date | None:
        """The first date after ``day`` that ``rule`` allows (``None``: none for ten years)."""
        if rule in ("first_business_day", "last_business_day"):
            pick = self.first_of_month if rule == "first_business_day" else self.last_of_month
            year, month = day.year, day.month
            for _ in range(_HORIZON_DAYS // 28):
                found = pick(year, month)
                if found is not None and found > day:
                    return found
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return None
        for n in range(1, _HORIZON_DAYS):
            candidate = day + dt.timedelta(days=n)
            if self.allows(rule, candidate):
                return candidate
        return None


DEFAULT_DAYS = BusinessDays()


def parse_weekend(text: str) -> list[int]:
    """``"5,6"`` or ``"sat,sun"`` (Monday = 0); ``""`` or ``"none"`` for no weekend."""
    if text.strip().lower() in ("", "none"):
        return []
    days: list[int] = []
    for part in text.split(","):
        token = part.strip().lower()[:3]
        if token in WEEKDAYS:
            days.append(WEEKDAYS.index(token))
        elif token.isdigit():
            days.append(int(token))
        else:
            raise ScheduleError(f"weekend: {part.strip()!r} is not a weekday (0-6, Monday = 0, "
                                "or mon..sun)")
    return validate_weekend(days)


def validate_weekend(days: Iterable[int]) -> list[int]:
    result = sorted(set(days))
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in result):
        raise ScheduleError(f"weekend: {result} must be weekdays 0-6 (Monday = 0)")
    if len(result) == 7:
        raise ScheduleError("weekend: every day of the week is off; no business day is left")
    return result


def validate_holidays(holidays: Mapping[str, str]) -> dict[str, str]:
    """Holidays keyed by ISO date (``2026-12-25``), sorted; labels are free text."""
    result: dict[str, str] = {}
    for day, label in holidays.items():
        try:
            key = dt.date.fromisoformat(str(day).strip()).isoformat()
        except ValueError:
            raise ScheduleError(f"holidays: {day!r} is not an ISO date (YYYY-MM-DD)") from None
        result[key] = str(label or "").strip()
    return dict(sorted(result.items()))


def parse_holidays(entries: Iterable[str]) -> dict[str, str]:
    """``["2026-12-25=Christmas", "2026-12-26"]`` → ``{date: label}``."""
    pairs = (entry.partition("=")[::2] for entry in entries)
    return validate_holidays({day.strip(): label for day, label in pairs})


def read_holiday_file(path: Path) -> dict[str, str]:
    """A CSV file of ``date,label`` rows (header row, blank lines and ``#`` lines skipped)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read holidays: {exc.strerror}") from None
    holidays: dict[str, str] = {}
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        day = row[0].strip()
        label = ",".join(row[1:]).strip()
        try:
            holidays.update(validate_holidays({day: label}))
        except ScheduleError:
            if line_no == 1 and not day[:1].isdigit():
                continue  # a header row such as "date,name"
            raise ScheduleError(f"{path}, line {line_no}: {day!r} is not an ISO date "
                                "(YYYY-MM-DD)") from None
    return holidays

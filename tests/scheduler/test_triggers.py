"""Trigger specs and fire times: crontab weekdays, time zones and DST, day rules."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from schedhelp import at

from bots.runtime.errors import ScheduleError
from orchestrator.scheduler import next_fire_times
from orchestrator.scheduler.triggers import format_every, normalize_spec, parse_every, zone
from orchestrator.store.models import BusinessCalendar, Schedule

UTC = dt.UTC
BERLIN = zone("Europe/Berlin")
TARGET2 = BusinessCalendar(name="TARGET2", weekend=[5, 6], holidays={
    "2026-01-01": "New Year", "2026-04-03": "Good Friday", "2026-04-06": "Easter Monday",
    "2026-05-01": "Labour Day", "2026-12-25": "Christmas", "2026-12-26": "Boxing Day"})


def sched(kind: str, spec: dict[str, Any], tz: str = "UTC", day_rule: str = "any",
          now: dt.datetime | None = None) -> Schedule:
    clean = normalize_spec(kind, spec, zone(tz), now or at("2026-01-01T00:00:00"))
    return Schedule(name="s", bot="b", kind=kind, spec=clean, timezone=tz, day_rule=day_rule)


def local(times: list[dt.datetime], tz: str = "Europe/Berlin") -> list[str]:
    return [t.astimezone(zone(tz)).strftime("%a %Y-%m-%d %H:%M") for t in times]


def test_crontab_weekday_numbers_are_crontabs() -> None:
    """1-5 is Monday to Friday (APScheduler 3 alone would read Tuesday to Saturday)."""
    start = at("2026-03-01T12:00:00")  # a Sunday
    weekdays = next_fire_times(sched("cron", {"cron": "0 7 * * 1-5"}), None, 6, start)
    assert [t.strftime("%a") for t in weekdays] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]
    for expr in ("0 7 * * 0", "0 7 * * 7", "0 7 * * sun"):
        times = next_fire_times(sched("cron", {"cron": expr}), None, 2, start)
        assert [t.strftime("%a %d") for t in times] == ["Sun 08", "Sun 15"], expr
    odd = next_fire_times(sched("cron", {"cron": "0 7 * * */2"}), None, 4, start)
    assert [t.strftime("%a") for t in odd] == ["Tue", "Thu", "Sat", "Sun"]
    fri_sun = next_fire_times(sched("cron", {"cron": "0 7 * * fri-sun"}), None, 3, start)
    assert [t.strftime("%a") for t in fri_sun] == ["Fri", "Sat", "Sun"]
    daily = next_fire_times(sched("cron", {"cron": "@daily"}), None, 1, start)
    assert daily == [at("2026-03-02T00:00:00")]


def test_cron_in_time_zone_across_dst() -> None:
    s = sched("cron", {"cron": "0 7 * * *"}, tz="Europe/Berlin")
    times = next_fire_times(s, None, 3, at("2026-03-28T12:00:00"))  # DST starts 29 March
    assert times == [at("2026-03-29T05:00:00"), at("2026-03-30T05:00:00"),
                     at("2026-03-31T05:00:00")]
    before = next_fire_times(s, None, 1, at("2026-03-27T12:00:00"))
    assert before == [at("2026-03-28T06:00:00")]
    assert all(t.tzinfo == UTC for t in times)


def test_interval_date_and_bad_specs() -> None:
    every = sched("interval", {"every": "15m", "start": "2026-01-05T08:00:00"}, tz="Europe/Berlin")
    assert every.spec == {"seconds": 900, "start": "2026-01-05T07:00:00+00:00"}
    assert next_fire_times(every, None, 2, at("2026-01-05T07:20:00")) == [
        at("2026-01-05T07:30:00"), at("2026-01-05T07:45:00")]
    default = sched("interval", {"seconds": 60}, now=at("2026-01-01T10:00:00.250"))
    assert default.spec["start"] == "2026-01-01T10:01:00+00:00"
    once = sched("date", {"at": "2026-12-01T08:00"}, tz="America/New_York")
    assert once.spec == {"at": "2026-12-01T13:00:00+00:00"}
    assert next_fire_times(once, None, 5, at("2026-11-01T00:00:00")) == [at("2026-12-01T13:00")]
    assert next_fire_times(once, None, 5, at("2026-12-01T13:00:00")) == []
    assert next_fire_times(sched("queue", {"queue": "q"}), None) == []
    for kind, spec, field in [
        ("cron", {"cron": "0 7 * *"}, "spec.cron"), ("cron", {"cron": "0 25 * * *"}, "spec.cron"),
        ("cron", {"cron": "0 7 * * 5-1"}, "spec.cron"), ("cron", {}, "spec.cron"),
        ("interval", {"every": "soon"}, "spec.every"), ("interval", {"seconds": 0}, "spec.seconds"),
        ("date", {"at": "next tuesday"}, "spec.at"), ("queue", {"queue": "q", "max_concurrent": 0},
                                                      "spec.max_concurrent"),
        ("hourly", {}, "kind"),
    ]:
        with pytest.raises(ScheduleError, match=rf"^{field}: "):
            sched(kind, spec)
    with pytest.raises(ScheduleError, match=r"^timezone: unknown time zone 'Europe/Berln'"):
        zone("Europe/Berln")


def test_parse_and_format_every() -> None:
    assert [parse_every(t) for t in ("90", "90s", "15m", "1h30m", "2d", "1w")] == [
        90, 90, 900, 5400, 172800, 604800]
    assert [format_every(n) for n in (90, 900, 5400, 86400)] == ["1m30s", "15m", "1h30m", "1d"]


def test_business_days_skip_holidays() -> None:
    s = sched("cron", {"cron": "0 7 * * *"}, tz="Europe/Berlin", day_rule="business_days")
    times = next_fire_times(s, TARGET2, 5, at("2026-04-01T12:00:00"))
    assert local(times) == ["Thu 2026-04-02 07:00", "Tue 2026-04-07 07:00",
                            "Wed 2026-04-08 07:00", "Thu 2026-04-09 07:00",
                            "Fri 2026-04-10 07:00"]
    no_calendar = next_fire_times(s, None, 2, at("2026-04-02T12:00:00"))
    assert local(no_calendar) == ["Fri 2026-04-03 07:00", "Mon 2026-04-06 07:00"]


def test_first_and_last_business_day_of_month() -> None:
    first = sched("cron", {"cron": "30 6 * * *"}, tz="Europe/Berlin",
                  day_rule="first_business_day")
    times = next_fire_times(first, TARGET2, 5, at("2025-12-15T00:00:00"))
    assert local(times) == ["Fri 2026-01-02 06:30", "Mon 2026-02-02 06:30",
                            "Mon 2026-03-02 06:30", "Wed 2026-04-01 06:30",
                            "Mon 2026-05-04 06:30"]  # 1 May: Labour Day, then a weekend
    last = sched("cron", {"cron": "0 18 * * *"}, tz="Europe/Berlin", day_rule="last_business_day")
    assert local(next_fire_times(last, TARGET2, 2, at("2026-05-01T00:00:00"))) == [
        "Fri 2026-05-29 18:00", "Tue 2026-06-30 18:00"]
    august = next_fire_times(first, TARGET2, 1, at("2026-07-15T00:00:00"))
    assert local(august) == ["Mon 2026-08-03 06:30"]  # 1 August 2026 is a Saturday


def test_day_rule_on_a_fast_trigger_is_cheap() -> None:
    every_minute = sched("interval", {"seconds": 60, "start": "2026-01-01T00:00:00"},
                         day_rule="first_business_day")
    started = time.perf_counter()
    times = next_fire_times(every_minute, TARGET2, 3, at("2026-01-02T23:58:30"))
    assert times == [at("2026-01-02T23:59:00"), at("2026-02-02T00:00:00"),
                     at("2026-02-02T00:01:00")]
    assert time.perf_counter() - started < 0.5

"""Business days and the day rules (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bots.runtime.errors import ScheduleError
from orchestrator.scheduler.calendars import (
    BusinessDays,
    parse_holidays,
    parse_weekend,
    read_holiday_file,
)

D = dt.date
TARGET2 = BusinessDays(frozenset({5, 6}), frozenset({D(2026, 1, 1), D(2026, 4, 3),
                                                    D(2026, 4, 6), D(2026, 12, 25)}))


def test_first_business_day_skips_holiday_and_weekend() -> None:
    assert TARGET2.first_of_month(2026, 1) == D(2026, 1, 2)  # 1 January: holiday
    assert TARGET2.first_of_month(2026, 8) == D(2026, 8, 3)  # 1 August 2026: a Saturday
    assert TARGET2.first_of_month(2026, 3) == D(2026, 3, 2)  # 1 March 2026: a Sunday
    assert TARGET2.first_of_month(2026, 4) == D(2026, 4, 1)
    assert TARGET2.allows("first_business_day", D(2026, 1, 2))
    assert not TARGET2.allows("first_business_day", D(2026, 1, 1))
    assert not TARGET2.allows("first_business_day", D(2026, 1, 5))


def test_last_business_day_and_next_allowed() -> None:
    assert TARGET2.last_of_month(2026, 5) == D(2026, 5, 29)  # 31 May 2026: a Sunday
    assert TARGET2.last_of_month(2026, 12) == D(2026, 12, 31)
    assert TARGET2.next_allowed("last_business_day", D(2026, 5, 29)) == D(2026, 6, 30)
    assert TARGET2.next_allowed("first_business_day", D(2025, 12, 1)) == D(2026, 1, 2)
    assert TARGET2.next_allowed("business_days", D(2026, 4, 2)) == D(2026, 4, 7)  # Easter
    assert TARGET2.next_allowed("any", D(2026, 4, 2)) == D(2026, 4, 3)


def test_other_weekend_and_no_business_day() -> None:
    gulf = BusinessDays(frozenset({4, 5}))  # Friday and Saturday off
    assert gulf.is_business_day(D(2026, 8, 2))  # a Sunday
    assert gulf.first_of_month(2026, 5) == D(2026, 5, 3)  # 1 May 2026: a Friday
    closed = BusinessDays(frozenset(range(6)), frozenset(D(2026, 1, d) for d in (4, 11, 18, 25)))
    assert closed.first_of_month(2026, 1) is None
    assert closed.next_allowed("first_business_day", D(2026, 1, 1)) == D(2026, 2, 1)


def test_parse_weekend() -> None:
    assert parse_weekend("5,6") == [5, 6]
    assert parse_weekend("sun, sat") == [5, 6]
    assert parse_weekend("fri,saturday") == [4, 5]
    assert parse_weekend("none") == []
    with pytest.raises(ScheduleError, match=r"^weekend: 'sab'"):
        parse_weekend("sab")
    with pytest.raises(ScheduleError, match="weekend"):
        parse_weekend("7")
    with pytest.raises(ScheduleError, match="no business day"):
        parse_weekend("0,1,2,3,4,5,6")


def test_parse_holidays_and_file(tmp_path: Path) -> None:
    assert parse_holidays(["2026-12-25=Christmas", "2026-12-26", "2026-01-01=New Year"]) == {
        "2026-01-01": "New Year", "2026-12-25": "Christmas", "2026-12-26": ""}
    with pytest.raises(ScheduleError, match=r"^holidays: '2026-13-01'"):
        parse_holidays(["2026-13-01=Nope"])
    good = tmp_path / "holidays.csv"
    good.write_text("date,name\n2026-12-25,Christmas Day\n\n# Boxing\n2026-12-26,\"St. Stephen, "
                    "Boxing Day\"\n", encoding="utf-8")
    assert read_holiday_file(good) == {"2026-12-25": "Christmas Day",
                                       "2026-12-26": "St. Stephen, Boxing Day"}
    bad = tmp_path / "bad.csv"
    bad.write_text("2026-12-25,Christmas\n25.12.2026,Weihnachten\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"bad.csv, line 2: '25.12.2026'"):
        read_holiday_file(bad)
    with pytest.raises(ScheduleError, match="cannot read"):
        read_holiday_file(tmp_path / "missing.csv")

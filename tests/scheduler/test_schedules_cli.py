"""``finbots schedules ...`` through the root app, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import time_machine
from schedhelp import at
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "coe.maria")
    monkeypatch.setenv("COLUMNS", "250")
    return Store(url)


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 1, result.output
    return result.output


def test_calendar_set_show_list(cli_store: Store, tmp_path: Path) -> None:
    csv = tmp_path / "target2.csv"
    csv.write_text("date,name\n2026-04-03,Good Friday\n2026-04-06,Easter Monday\n")
    out = _ok("schedules", "calendar", "set", "TARGET2", "--holiday", "2026-12-25=Christmas",
              "--holiday", "2026-01-01=New Year", "--weekend", "5,6", "--from-file", str(csv))
    assert "TARGET2: weekend sat,sun, 4 holidays" in out
    cal = cli_store.get_calendar("TARGET2")
    assert list(cal.holidays) == ["2026-01-01", "2026-04-03", "2026-04-06", "2026-12-25"]
    _ok("schedules", "calendar", "set", "TARGET2", "--holiday", "2026-12-26=Boxing Day",
        "--merge")
    assert len(cli_store.get_calendar("TARGET2").holidays) == 5
    shown = json.loads(_ok("schedules", "calendar", "show", "TARGET2", "--json"))
    assert shown["weekend"] == [5, 6] and shown["holidays"]["2026-12-26"] == "Boxing Day"
    assert "Easter Monday" in _ok("schedules", "calendar", "show", "TARGET2")
    assert "TARGET2" in _ok("schedules", "calendar", "list")
    assert "weekend: 'xyz'" in _refused("schedules", "calendar", "set", "X", "--weekend", "xyz")
    assert "'2026-02-30'" in _refused("schedules", "calendar", "set", "X", "--holiday",
                                      "2026-02-30=Nope")
    assert "No business calendar named 'nope'" in _refused("schedules", "calendar", "show",
                                                          "nope")


def test_add_list_show(cli_store: Store) -> None:
    _ok("schedules", "calendar", "set", "TARGET2", "--holiday", "2026-01-01=New Year")
    with time_machine.travel(at("2025-12-31T12:00:00"), tick=False):
        added = json.loads(_ok(
            "schedules", "add", "daily-statements", "payment-posting", "--cron",
            "0 7 * * mon-fri", "--tz", "Europe/Berlin", "--calendar", "TARGET2", "--day-rule",
            "business_days", "--misfire", "run_once", "--grace", "3600", "--no-coalesce",
            "--arg", "phase=intake", "--json"))
        assert added["next_fire_at"] == "2026-01-02T06:00:00+00:00"
        assert added["next_fire_local"] == "2026-01-02 07:00:00 CET"
        assert added["args"] == {"phase": "intake"} and added["coalesce"] is False
        assert added["created_by"] == "coe.maria"
        out = _ok("schedules", "add", "quarter-hour", "payment-posting", "--interval", "15m")
        assert "every 15m" in out and "next fire 2025-12-31 12:15:00 UTC" in out
        _ok("schedules", "add", "year-end", "payment-posting", "--at", "2026-12-31T18:00",
            "--tz", "America/New_York")
        out = runner.invoke(app, ["schedules", "add", "drain", "payment-posting", "--queue",
                                  "payment-posting", "--max-concurrent", "2"])
        assert out.exit_code == 0 and "no work queue 'payment-posting' yet" in out.output
        assert "wait 10 min after a stop on failures" in out.output
        rows = {r["name"]: r for r in json.loads(_ok("schedules", "list", "--json"))}
        shown = json.loads(_ok("schedules", "show", "daily-statements", "--json"))
        table = _ok("schedules", "list")
        text = _ok("schedules", "show", "daily-statements")
    assert list(rows) == ["daily-statements", "drain", "quarter-hour", "year-end"]
    assert rows["year-end"]["next_fire_at"] == "2026-12-31T23:00:00+00:00"
    assert rows["year-end"]["next_fire_local"] == "2026-12-31 18:00:00 EST"
    assert rows["drain"]["next_fire_at"] is None
    assert rows["drain"]["spec"] == {"queue": "payment-posting", "max_concurrent": 2,
                                     "min_items": 1, "hold_off_minutes": 10}
    assert shown["next_fire_times"] == [
        "2026-01-02T06:00:00+00:00", "2026-01-05T06:00:00+00:00", "2026-01-06T06:00:00+00:00",
        "2026-01-07T06:00:00+00:00", "2026-01-08T06:00:00+00:00"]
    assert "2026-01-02 07:00:00 CET" in table and "2026-01-02 06:00:00" in table
    assert "2026-01-05 07:00:00 CET" in text and "Next 5 fire times" in text


def test_refusals_name_the_option(cli_store: Store) -> None:
    base = ["schedules", "add", "s", "payment-posting"]
    assert "Give exactly one of" in _refused(*base)
    assert "Give exactly one of" in _refused(*base, "--cron", "* * * * *", "--interval", "1m")
    assert "No bot named 'nobot'" in _refused("schedules", "add", "s", "nobot", "--cron",
                                              "* * * * *")
    assert "--tz: unknown time zone 'Mars/Olympus'" in _refused(
        *base, "--cron", "0 7 * * *", "--tz", "Mars/Olympus")
    assert "--cron: " in _refused(*base, "--cron", "0 7 * *")
    assert "--hold-off: -1 must be whole minutes" in _refused(
        *base, "--queue", "payment-posting", "--hold-off", "-1")
    assert "--interval: " in _refused(*base, "--interval", "soon")
    assert "--at: " in _refused(*base, "--at", "2001-01-01T00:00")
    assert "--calendar: no business calendar 'TARGET2'" in _refused(
        *base, "--cron", "0 7 * * *", "--calendar", "TARGET2", "--day-rule", "business_days")
    assert "--day-rule: 'weekdays'" in _refused(*base, "--cron", "0 7 * * *", "--day-rule",
                                                "weekdays")
    _ok(*base, "--cron", "0 7 * * *")
    assert "already exists" in _refused(*base, "--cron", "0 8 * * *")
    assert cli_store.list_audit(action="schedule.add")[0].target == "s"
    assert len(cli_store.list_audit()) == 1  # refusals are not audited


def test_pause_resume_remove_and_audit(cli_store: Store) -> None:
    _ok("schedules", "add", "daily", "payment-posting", "--cron", "0 7 * * *")
    assert "paused" in _ok("schedules", "pause", "daily")
    assert cli_store.get_schedule("daily").next_fire_at is None
    assert "paused (already)" in _ok("schedules", "pause", "daily")
    assert "paused" in _ok("schedules", "list")
    assert "next fire" in _ok("schedules", "resume", "daily")
    assert cli_store.get_schedule("daily").next_fire_at is not None
    assert "Removed schedule daily" in _ok("schedules", "remove", "daily")
    assert "No schedule named 'daily'" in _refused("schedules", "remove", "daily")
    assert "No schedule named 'daily'" in _refused("schedules", "show", "daily")
    assert "No schedules." in _ok("schedules", "list")
    rows = json.loads(_ok("audit", "list", "--json"))
    assert [r["action"] for r in rows] == [
        "schedule.remove", "schedule.resume", "schedule.pause", "schedule.add"]
    assert {r["actor"] for r in rows} == {"coe.maria"} and {r["target"] for r in rows} == {
        "daily"}
    assert rows[-1]["details"]["spec"] == {"cron": "0 7 * * *"}

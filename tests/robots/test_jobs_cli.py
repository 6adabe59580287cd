"""``finbots jobs ...`` and ``finbots robots list`` through the root app, on a SQLite file:
every start, stop and kill leaves an audit record naming the actor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
    monkeypatch.setenv("COLUMNS", "200")
    return Store(url)


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_start_list_show_stop_kill(cli_store: Store) -> None:
    job = json.loads(_run("jobs", "start", "robot_testbots:QUICK", "--arg", "name=x",
                          "--time-limit", "30", "--json"))
    assert (job["status"], job["args"], job["requested_by"]) == ("pending", {"name": "x"},
                                                                 "coe.maria")
    assert job["time_limit_seconds"] == 30 and job["trigger"] == "cli"
    other = cli_store.create_job("robot_testbots:SLEEPER").id
    listed = json.loads(_run("jobs", "list", "--status", "pending", "--json"))
    assert [j["id"] for j in listed] == [other, job["id"]]
    assert "robot_testbots:QUICK" in _run("jobs", "list")
    assert "time limit      30 s" in _run("jobs", "show", str(job["id"]))

    assert "job 1: stopped" in _run("jobs", "stop", "1")
    assert "job 2: killed" in _run("jobs", "kill", "2")
    assert "has ended (killed); nothing to stop" in _run("jobs", "stop", "2", code=1)
    assert "No job with id 99" in _run("jobs", "kill", "99", code=1)
    audit = [(a.actor, a.action, a.target) for a in cli_store.list_audit()]
    assert audit == [("coe.maria", "job.kill", "job:2"), ("coe.maria", "job.stop", "job:1"),
                     ("coe.maria", "job.start", "job:1")]


def test_bot_limits(cli_store: Store) -> None:
    bot = "robot_testbots:QUICK"
    assert "time limit none, at most any number of job(s)" in _run("jobs", "limits", bot)
    assert "time limit 600 s, at most 2 job(s)" in _run(
        "jobs", "limits", bot, "--time-limit", "600", "--max-concurrent", "2")
    assert "time limit none, at most 2 job(s)" in _run("jobs", "limits", bot,
                                                       "--time-limit", "0")
    (record,) = cli_store.list_audit(action="bot.limits")[:1]
    assert record.details == {"time_limit_seconds": None, "max_concurrent_jobs": 2}


def test_unknown_bot_and_bad_status_are_refused(cli_store: Store) -> None:
    assert "no bot named 'nope'" in _run("jobs", "start", "nope", code=2)
    assert "Unknown status" in _run("jobs", "list", "--status", "done", code=1)
    assert cli_store.list_jobs() == []


def test_robots_list(cli_store: Store) -> None:
    assert "No robots" in _run("robots", "list")
    cli_store.register_robot("vm-1", "vm", 123, slots=2)
    run_id = cli_store.create_job("x", credentials=[]).id
    cli_store.claim_job("vm-1")
    cli_store.heartbeat("vm-1", [run_id])
    (robot,) = json.loads(_run("robots", "list", "--json"))
    assert (robot["name"], robot["status"], robot["current_run_ids"]) == ("vm-1", "busy",
                                                                          [run_id])
    assert robot["heartbeat_age_s"] < 60
    table = _run("robots", "list")
    assert "vm-1" in table and "busy" in table

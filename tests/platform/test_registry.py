"""Bot discovery: installed ``finbots.bots`` entry points and ``FINBOTS_BOTS_PATH`` folders,
``Bot.name`` as the one identity, a broken or doubled bot named clearly, ``finbots bots``,
and a job refused before it is queued when an argument is wrong."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.runtime.errors import ConfigError
from orchestrator.cli import app
from orchestrator.registry import (
    BotLoadError,
    bot_credentials,
    bot_names,
    bot_origin,
    list_bots,
    load_bot,
)
from orchestrator.scheduler import SchedulerService
from orchestrator.services.jobs import plan_job, start_job
from orchestrator.store import Store

runner = CliRunner()

BOT_MODULE = '''
"""A small bot for the registry tests."""
import datetime as dt
from typing import Literal

from bots.runtime import Bot, RunContext

BOT = Bot(name="{name}", version="0.3.1", description="Checks the ledger.", apps=("ledger",),
          credentials={{"ledger_credential": "ledger/bot"}})


@BOT.task
def run(ctx: RunContext, day: dt.date | None = None, limit: int = 100,
        mode: Literal["quick", "full"] = "quick", dry_run: bool = False) -> dict:
    return {{"day": str(day), "limit": limit, "mode": mode, "dry_run": dry_run}}
'''


def unique(prefix: str) -> str:
    """A module name no other test imported (imports are cached per process)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write_package(folder: Path, module: str, bot_name: str) -> Path:
    package = folder / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(BOT_MODULE.format(name=bot_name)))
    return package


@pytest.fixture
def bots_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty bot folder as ``FINBOTS_BOTS_PATH``; ``sys.path`` restored afterwards."""
    folder = tmp_path / "bots"
    folder.mkdir()
    monkeypatch.setenv("FINBOTS_BOTS_PATH", str(folder))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return folder


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "coe.maria")
    monkeypatch.setenv("COLUMNS", "250")
    return Store(url)


def _cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_a_folder_package_is_found_by_its_bot_name(bots_path: Path) -> None:
    module, name = unique("ledger"), unique("ledger-check").replace("_", "-")
    write_package(bots_path, module, name)
    (bots_path / "helpers.py").write_text("VALUE = 1\n")  # no BOT: not a bot, not an error
    (bots_path / "tests").mkdir()
    (bots_path / "tests" / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (bots_path / "setup.py").write_text("raise SystemExit('never imported')\n")

    bot = load_bot(name)
    assert bot.name == name and bot.version == "0.3.1"
    assert bot.entry is not None and bot.entry.__module__ == module
    assert str(bots_path.resolve()) in sys.path  # robots' child processes do the same
    listed = list_bots()
    assert listed[name] is bot and "payment-posting" in listed
    assert not [k for k, v in listed.items() if isinstance(v, BotLoadError)]
    assert name in bot_names() and str(bots_path / module) in (bot_origin(name) or "")
    assert bot_credentials(name, {}) == ["ledger/bot"]
    assert bot_credentials(name, {"ledger_credential": "ledger/other"}) == ["ledger/other"]
    assert load_bot(f"{module}:BOT") is bot  # module:attr is still accepted


def test_a_scaffolded_project_folder_is_found_through_its_entry_point(bots_path: Path) -> None:
    name = unique("ledger").replace("_", "-")
    _cli("new", "bot", name, "--dir", str(bots_path))
    bot = load_bot(name)
    assert bot.name == name
    assert "entry point" in (bot_origin(name) or "")
    assert str(bots_path / name / "pyproject.toml") in (bot_origin(name) or "")


def test_an_installed_entry_point_is_found(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    module, name = unique("epbot"), unique("ep-bot").replace("_", "-")
    write_package(site, module, name)
    dist = site / f"{module}-1.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.2\n")
    (dist / "entry_points.txt").write_text(f"[finbots.bots]\n{name} = {module}:BOT\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    monkeypatch.delenv("FINBOTS_BOTS_PATH", raising=False)

    assert load_bot(name).version == "0.3.1"
    assert bot_origin(name) == f"entry point {name} = {module}:BOT (installed {module} 1.2)"


def test_two_bots_with_one_name_are_an_error_naming_both(bots_path: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "more-bots"
    name = unique("twin").replace("_", "-")
    first, second = unique("first"), unique("second")
    write_package(bots_path, first, name)
    write_package(other, second, name)
    good = unique("solo").replace("_", "-")
    write_package(other, unique("solo"), good)
    monkeypatch.setenv("FINBOTS_BOTS_PATH", os.pathsep.join((str(bots_path), str(other))))

    with pytest.raises(ConfigError) as refused:
        load_bot(name)
    message = str(refused.value)
    assert f"two bots are named {name!r}" in message
    assert str(bots_path / first) in message and str(other / second) in message
    listed = list_bots()
    assert isinstance(listed[name], BotLoadError) and "two bots" in listed[name].error
    assert load_bot(good).name == good  # the others still load
    assert name not in bot_names()


def test_a_broken_bot_is_listed_with_its_error_and_hides_nothing(bots_path: Path) -> None:
    broken = unique("broken")
    (bots_path / broken).mkdir()
    (bots_path / broken / "__init__.py").write_text("import no_such_module_here\n")
    (bots_path / "typo.py").write_text("BOT = (\n")  # a syntax error
    name = unique("fine").replace("_", "-")
    write_package(bots_path, unique("fine"), name)

    listed = list_bots()
    error = listed[broken]
    assert isinstance(error, BotLoadError)
    assert "ModuleNotFoundError" in error.error and "no_such_module_here" in error.error
    assert str(bots_path / broken) in error.source
    assert isinstance(listed["typo"], BotLoadError) and "SyntaxError" in listed["typo"].error
    assert load_bot(name).name == name
    with pytest.raises(ConfigError, match=r"no bot named 'nope'.*could not load"):
        load_bot("nope")


def test_a_module_that_is_not_a_bot_is_refused_by_name(bots_path: Path) -> None:
    module = unique("notabot")
    (bots_path / f"{module}.py").write_text("BOT = 'a string'\n")
    listed = list_bots()
    assert isinstance(listed[module], BotLoadError)
    assert "is not a bots.runtime.Bot" in listed[module].error
    with pytest.raises(ConfigError, match="cannot load bot"):
        load_bot(f"{module}:NOTHING")


def test_bots_list_and_show(bots_path: Path, cli_store: Store) -> None:
    name = unique("ledger").replace("_", "-")
    write_package(bots_path, unique("ledger"), name)
    (bots_path / "broken_one.py").write_text("raise RuntimeError('boom at import')\n")

    listed = {b["name"]: b for b in json.loads(_cli("bots", "list", "--json"))}
    bot = listed[name]
    assert (bot["version"], bot["description"], bot["apps"]) == (
        "0.3.1", "Checks the ledger.", ["ledger"])
    assert bot["credentials"] == {"ledger_credential": "ledger/bot"}
    assert [(a["name"], a["type"], a["required"]) for a in bot["arguments"]] == [
        ("day", "date", False), ("limit", "int", False), ("mode", "choice", False),
        ("dry_run", "bool", False)]
    assert bot["arguments"][2]["choices"] == ["quick", "full"]
    assert bot["error"] is None and bot["last_runs"] == [] and "origin" in bot
    assert "boom at import" in listed["broken_one"]["error"]
    assert "payment-posting" in listed

    text = _cli("bots", "list")
    assert name in text and "cannot load" in text and "boom at import" in text

    start_job(cli_store, name, {"limit": "5"}, requested_by="coe.maria")
    shown = json.loads(_cli("bots", "show", name, "--json"))
    assert [r["status"] for r in shown["last_runs"]] == ["pending"]
    assert "ledger_credential = ledger/bot" in _cli("bots", "show", name)
    assert "no bot named 'nope'" in _cli("bots", "show", "nope", code=1)


def test_a_wrong_argument_is_refused_before_a_job_is_queued(bots_path: Path,
                                                            cli_store: Store) -> None:
    name = unique("ledger").replace("_", "-")
    module = unique("ledger")
    write_package(bots_path, module, name)

    out = _cli("jobs", "start", name, "--arg", "limit=lots", code=2)
    assert "argument 'limit' must be a int" in out
    out = _cli("jobs", "start", name, "--arg", "colour=red", code=2)
    assert f"bot {name!r} has no argument 'colour'" in out
    out = _cli("jobs", "start", name, "--arg", "mode=slow", code=2)
    assert "argument 'mode' must be one of quick, full" in out
    assert cli_store.list_jobs() == []

    job = json.loads(_cli("jobs", "start", name, "--arg", "day=2026-01-05", "--arg",
                          "limit=5", "--arg", "dry-run=yes", "--json"))
    assert job["bot"] == name and job["status"] == "pending"
    assert job["args"] == {"day": "2026-01-05", "limit": 5, "dry_run": True}
    assert job["credentials"] == ["ledger/bot"]
    audit = cli_store.list_audit(action="job.start")
    assert audit[0].actor == "coe.maria" and audit[0].details["bot"] == name

    by_module = start_job(cli_store, f"{module}:BOT", {}, requested_by="t",
                          allow_reference=True)
    assert by_module.bot == name  # a registered bot is recorded by its name
    with pytest.raises(ConfigError, match="no bot named"):
        plan_job(f"{module}:BOT")  # pages and the API never import a module a caller names


def test_a_scheduled_job_carries_its_bots_credentials(bots_path: Path,
                                                     cli_store: Store) -> None:
    name = unique("ledger").replace("_", "-")
    write_package(bots_path, unique("ledger"), name)
    _cli("schedules", "add", "ledger-every-minute", name, "--interval", "1m", "--arg",
         "ledger_credential=ledger/nightly")
    assert "No bot named 'nobot'" in _cli("schedules", "add", "x", "nobot", "--interval",
                                          "1m", code=1)
    assert "Argument 'limit' must be a int" in _cli(
        "schedules", "add", "y", name, "--interval", "1m", "--arg", "limit=lots", code=1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
    jobs = SchedulerService(cli_store).tick(later)
    assert [(j.bot, j.trigger, j.credentials) for j in jobs] == [
        (name, "schedule", ["ledger/nightly"])]

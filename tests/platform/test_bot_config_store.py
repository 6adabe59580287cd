"""Bots' configuration documents changed by people (``finbots config``): checked as the bot
reads them, versioned, audited, and the next run uses the new version."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.runtime import RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.cli import app
from orchestrator.registry import load_bot
from orchestrator.store import Store

runner = CliRunner()

BOT_MODULE = '''
"""A bot with a credit policy document."""
from pathlib import Path

from bots.runtime import Bot, ConfigSpec, RunContext
from bots.runtime.errors import ConfigError


def check(policy: dict) -> None:
    if not str(policy.get("auto_release_up_to", "")).replace(".", "", 1).isdigit():
        raise ConfigError("auto_release_up_to: an amount such as 5000.00")


BOT = Bot(name="{name}", version="1.0", config={{"policy": ConfigSpec(
    Path(__file__).with_name("policy.yaml"), validate=check, description="credit policy")}})


@BOT.task
def run(ctx: RunContext) -> dict:
    return ctx.config("policy")
'''


@pytest.fixture
def bot_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder, module = tmp_path / "bots", f"cfgbot_{uuid.uuid4().hex[:8]}"
    name = module.replace("_", "-")
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(textwrap.dedent(BOT_MODULE.format(name=name)))
    (folder / module / "policy.yaml").write_text("auto_release_up_to: '5000.00'\n")
    monkeypatch.setenv("FINBOTS_BOTS_PATH", str(folder))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return name


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "credit.manager.kim")
    monkeypatch.setenv("COLUMNS", "200")
    return Store(url)


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_change_is_checked_versioned_audited_and_used_by_the_next_run(
        bot_name: str, store: Store, tmp_path: Path) -> None:
    code, out = cli("config", "list", bot_name)
    assert code == 0 and "packaged default" in out and "credit policy" in out

    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("auto_release_up_to: [1,\n")
    code, out = cli("config", "set", bot_name, "policy", str(bad_yaml), "-m", "raise")
    assert code == 1 and "bad.yaml" in out and "line" in out

    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("auto_release_up_to: lots\n")
    code, out = cli("config", "set", bot_name, "policy", str(wrong), "-m", "raise")
    assert code == 1 and "auto_release_up_to: an amount" in out
    assert store.latest_config(bot_name, "policy") is None  # nothing saved

    raised = tmp_path / "raised.yaml"
    raised.write_text("auto_release_up_to: '7500.00'\n")
    code, out = cli("config", "set", bot_name, "policy", str(raised), "-m", "Q4 limits")
    assert code == 0 and "version 1 saved by credit.manager.kim" in out
    code, out = cli("config", "set", bot_name, "policy", str(raised), "-m", "again")
    assert code == 1 and "no change" in out

    audit = [r for r in store.list_audit(limit=50) if r.action == "config.change"]
    assert len(audit) == 1 and audit[0].actor == "credit.manager.kim"
    assert audit[0].details["version"] == 1 and audit[0].details["note"] == "Q4 limits"

    code, out = cli("config", "history", bot_name, "policy", "--json")
    history = json.loads(out)
    assert [h["version"] for h in history] == [1, 0] and history[0]["note"] == "Q4 limits"
    code, out = cli("config", "diff", bot_name, "policy", "0", "1")
    assert "-auto_release_up_to: '5000.00'" in out and "+auto_release_up_to: '7500.00'" in out
    code, out = cli("config", "show", bot_name, "policy", "--version", "0")
    assert out.strip() == "auto_release_up_to: '5000.00'"

    bot = load_bot(bot_name)
    with RunContext("cfg-run", tmp_path / "run", bot=bot,
                    backend=StoreBackend(store, bot_name)) as ctx:
        assert bot.run(ctx) == {"auto_release_up_to": "7500.00"}
        step = next(s for s in ctx.recorder.steps if s.action == "config")
    assert step.data["version"] == 1


def test_unknown_bot_or_document_is_named(bot_name: str, store: Store, tmp_path: Path) -> None:
    code, out = cli("config", "show", bot_name, "dunning")
    assert code == 1 and "has no configuration document 'dunning'" in out and "policy" in out
    code, out = cli("config", "list", "no-such-bot")
    assert code == 1 and "no bot named 'no-such-bot'" in out

"""A change to a control setting of a bot's configuration (a limit, a threshold: what the
bot does without a person, or who must approve) takes effect only once a second person
approves it: no one raises a limit and then uses it alone."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bots.runtime import RunContext
from bots.runtime.errors import DuplicateError
from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.bot_backend import StoreBackend
from orchestrator.cli import app
from orchestrator.registry import load_bot
from orchestrator.store import Store

runner = CliRunner()
PASSWORD = "correct-horse-battery-staple"

BOT_MODULE = '''
"""A bot with a credit policy whose limit is a control setting."""
from pathlib import Path

from bots.runtime import Bot, ConfigSpec, RunContext

BOT = Bot(name="{name}", version="1.0", config={{"policy": ConfigSpec(
    Path(__file__).with_name("policy.yaml"), description="credit policy",
    controls=("auto_release_up_to", "routing.two_approvers_above"))}})


@BOT.task
def run(ctx: RunContext) -> dict:
    return ctx.config("policy")
'''
POLICY = ("auto_release_up_to: '5000.00'\nrouting:\n  two_approvers_above: '100000.00'\n"
          "note_to_customer: 'Thank you'\n")


@pytest.fixture
def bot_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder, module = tmp_path / "bots", f"ctlbot_{uuid.uuid4().hex[:8]}"
    name = module.replace("_", "-")
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(textwrap.dedent(BOT_MODULE.format(name=name)))
    (folder / module / "policy.yaml").write_text(POLICY)
    monkeypatch.setenv("FINBOTS_BOTS_PATH", str(folder))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return name


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    return Store(url)


def cli(actor: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("FINBOTS_ACTOR", actor)
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def run_bot(bot_name: str, store: Store, folder: Path) -> dict[str, Any]:
    bot = load_bot(bot_name)
    with RunContext(f"run-{uuid.uuid4().hex[:6]}", folder / uuid.uuid4().hex[:6], bot=bot,
                    backend=StoreBackend(store, bot_name)) as ctx:
        found: dict[str, Any] = bot.run(ctx)
    return found


def test_a_raised_limit_waits_for_a_second_person(
        bot_name: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raised = tmp_path / "raised.yaml"
    raised.write_text(POLICY.replace("5000.00", "1000000.00"))
    code, out = cli("dev.dan", "config", "set", bot_name, "policy", str(raised), "-m",
                    "raise", monkeypatch=monkeypatch)
    assert code == 0 and "version 1 saved" in out and "a second person" in out
    assert run_bot(bot_name, store, tmp_path)["auto_release_up_to"] == "5000.00"

    other = tmp_path / "other.yaml"
    other.write_text(POLICY.replace("Thank you", "Thanks"))
    code, out = cli("dev.dan", "config", "set", bot_name, "policy", str(other), "-m",
                    "wording", monkeypatch=monkeypatch)
    assert code == 1 and "awaits a second person's approval" in out  # one at a time

    code, out = cli("dev.dan", "config", "approve", bot_name, "policy", "1",
                    monkeypatch=monkeypatch)
    assert code == 1 and "a second person decides" in out
    assert run_bot(bot_name, store, tmp_path)["auto_release_up_to"] == "5000.00"

    code, out = cli("credit.manager.kim", "config", "approve", bot_name, "policy", "1",
                    "-m", "agreed in the credit committee", monkeypatch=monkeypatch)
    assert code == 0 and "approved" in out
    assert run_bot(bot_name, store, tmp_path)["auto_release_up_to"] == "1000000.00"
    code, out = cli("x", "config", "history", bot_name, "policy", "--json",
                    monkeypatch=monkeypatch)
    assert [(h["version"], h["status"], h["decided_by"]) for h in json.loads(out)] == [
        (1, "current", "credit.manager.kim"), (0, "current", None)]
    actions = [(r.action, r.actor) for r in store.list_audit(limit=20)
               if r.action.startswith("config.")]
    assert ("config.change", "dev.dan") in actions
    assert ("config.approve", "credit.manager.kim") in actions


def test_a_rejected_change_is_never_used_and_other_settings_need_no_second_person(
        bot_name: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = tmp_path / "nested.yaml"
    nested.write_text(POLICY.replace("100000.00", "900000.00"))  # routing.two_approvers_above
    assert cli("dev.dan", "config", "set", bot_name, "policy", str(nested), "-m", "dual",
               monkeypatch=monkeypatch)[0] == 0
    code, out = cli("kim", "config", "reject", bot_name, "policy", "1",
                    monkeypatch=monkeypatch)
    assert code == 0 and "rejected" in out
    assert cli("kim", "config", "approve", bot_name, "policy", "1",
               monkeypatch=monkeypatch)[0] == 1  # decided once
    assert run_bot(bot_name, store, tmp_path)["routing"] == {"two_approvers_above": "100000.00"}

    wording = tmp_path / "wording.yaml"
    wording.write_text(POLICY.replace("Thank you", "Thanks"))
    code, out = cli("dev.dan", "config", "set", bot_name, "policy", str(wording), "-m",
                    "wording", monkeypatch=monkeypatch)
    assert code == 0 and "a second person" not in out
    assert run_bot(bot_name, store, tmp_path)["note_to_customer"] == "Thanks"  # at once


@pytest.fixture
def client(store: Store) -> TestClient:
    return TestClient(create_app(store), base_url="http://testserver")


def _bearer(store: Store, user: str, roles: list[str]) -> dict[str, str]:
    accounts.add_user(store, user, PASSWORD, roles)
    return {"Authorization":
            f"Bearer {accounts.create_token(store, user + '-t', roles, owner=user)[1]}"}


def test_over_the_api_the_refund_limit_needs_an_approver_who_did_not_raise_it(
        client: TestClient, store: Store) -> None:
    developer = _bearer(store, "dev", ["developer"])
    both = _bearer(store, "boss", ["developer", "approver"])
    approver = _bearer(store, "vera", ["approver"])
    url = "/api/v1/bots/refunds/config/refund_policy"
    current = client.get(url, headers=developer).json()
    assert set(current["controls"]) == {"auto_refund_up_to", "verify_changed_within_days"}
    raised = current["content"].replace('auto_refund_up_to: "250.00"',
                                        'auto_refund_up_to: "1000000.00"')
    saved = client.put(url, headers=developer, json={"content": raised, "note": "raise"})
    assert saved.status_code == 200 and saved.json()["status"] == "pending"
    assert client.get(url, headers=developer).json()["version"] == 0  # runs: the default

    def decide(who: dict[str, str]) -> Any:
        return client.post(f"{url}/versions/1/decide", headers=who, json={"approve": True})

    assert decide(developer).status_code == 403  # not an approver
    mine = client.put(url, headers=both, json={"content": raised, "note": "x"})
    assert mine.status_code == 409  # one change waits already
    assert decide(approver).status_code == 200
    assert client.get(url, headers=developer).json()["version"] == 1
    lowered = raised.replace("1000000.00", "500.00")
    assert client.put(url, headers=both, json={"content": lowered, "note": "lower"}
                      ).json()["status"] == "pending"
    assert "second person" in client.post(f"{url}/versions/2/decide", headers=both,
                                          json={"approve": True}).text  # not who saved it


def test_a_save_judged_against_an_older_version_is_refused(
        bot_name: str, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An approval lands between reading the version in use and saving: the save was
    judged against the version before, so it could undo the approved limit unseen."""
    raised = tmp_path / "raised.yaml"
    raised.write_text(POLICY.replace("5000.00", "1000000.00"))
    assert cli("dev.dan", "config", "set", bot_name, "policy", str(raised), "-m", "raise",
               monkeypatch=monkeypatch)[0] == 0
    assert cli("kim", "config", "approve", bot_name, "policy", "1",
               monkeypatch=monkeypatch)[0] == 0
    # judged against version 0 (the packaged default, whose limit it keeps: no control
    # touched then), saved once version 1 is current
    with pytest.raises(DuplicateError, match="version 1 became current meanwhile"):
        store.save_config(bot_name, "policy", POLICY + "# reworded\n", actor="eve",
                          note="wording", basis=0)
    # judged now, the same text puts the limit back: that needs a second person too
    stale = tmp_path / "stale.yaml"
    stale.write_text(POLICY + "# reworded\n")
    code, out = cli("eve", "config", "set", bot_name, "policy", str(stale), "-m", "wording",
                    monkeypatch=monkeypatch)
    assert code == 0 and "a second person" in out
    assert run_bot(bot_name, store, tmp_path)["auto_release_up_to"] == "1000000.00"

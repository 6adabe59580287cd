"""The vault: bot scopes, rotation with confirmation, the access log, re-keying, format 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from bots.runtime import Bot, RunContext
from bots.runtime.errors import CredentialNotFoundError, VaultError, VaultKeyError
from bots.runtime.vault import Vault, ensure_key
from orchestrator.cli import app
from orchestrator.store import Store

OLD, NEW = "Old-Secret-4711", "New-Secret-0815"


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Vault:
    monkeypatch.delenv("FINBOTS_MASTER_KEY", raising=False)
    monkeypatch.setenv("FINBOTS_VAULT_PATH", str(tmp_path / "vault.json.enc"))
    monkeypatch.setenv("FINBOTS_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    ensure_key()
    return Vault()


def _ctx(tmp_path: Path, store: Store, bot: str, vault: Vault) -> RunContext:
    return RunContext(7, tmp_path / "run", bot=Bot(name=bot, version="1"), store=store,
                      vault=vault)


def test_scope_rotation_and_access_log(vault: Vault, store: Store, tmp_path: Path) -> None:
    vault.set("bank/treasury", {"username": "t.bot", "password": OLD}, bots=["payment-posting"])
    with _ctx(tmp_path, store, "payment-posting", vault) as ctx:
        assert ctx.credential("bank/treasury").password == OLD
    with _ctx(tmp_path, store, "other-bot", vault) as ctx, pytest.raises(VaultError,
                                                                         match="may not read"):
        ctx.credential("bank/treasury")

    assert vault.rotate("bank/treasury", {"password": NEW}) == 2
    assert vault.get("bank/treasury").password == OLD  # until confirmed
    assert vault.get("bank/treasury", pending=True).password == NEW
    assert vault.confirm("bank/treasury") == 2
    cred = vault.get("bank/treasury", bot="payment-posting")
    assert (cred.password, cred.username, cred.version) == (NEW, "t.bot", 2)

    log = store.list_credential_access("bank/treasury")
    assert [(e.action, e.actor, e.run_id) for e in log] == [
        ("refused", "bot:other-bot", 7), ("read", "bot:payment-posting", 7)]
    audit = store.list_audit(actor="bot:payment-posting")
    assert audit[0].action == "vault.read" and audit[0].details == {"version": 1, "run_id": 7}
    dump = json.dumps([e.model_dump(mode="json") for e in log]) + repr(store.list_audit())
    assert OLD not in dump and NEW not in dump


def test_cli_set_rotate_confirm_log_rekey(vault: Vault, store: Store, tmp_path: Path) -> None:
    run = CliRunner()
    ok = run.invoke(app, ["vault", "set", "erp/cashapp", "password", "--from-stdin",
                          "--bot", "payment-posting"], input=OLD + "\n")
    assert ok.exit_code == 0 and "readable by payment-posting" in ok.output
    assert run.invoke(app, ["vault", "rotate", "erp/cashapp", "password", "--from-stdin"],
                      input=NEW + "\n").exit_code == 0
    assert Vault().get("erp/cashapp").password == OLD
    listing = run.invoke(app, ["vault", "list", "--details"]).output
    assert "[v1, v2 pending; bots: payment-posting]" in listing
    assert run.invoke(app, ["vault", "confirm", "erp/cashapp"]).exit_code == 0
    assert Vault().get("erp/cashapp").password == NEW

    old_key = (tmp_path / "master.key").read_bytes()
    rekey = run.invoke(app, ["vault", "rekey"])
    assert rekey.exit_code == 0, rekey.output
    assert (tmp_path / "master.key").read_bytes() != old_key
    assert Vault().get("erp/cashapp").password == NEW
    with pytest.raises(VaultKeyError):
        Vault(key=old_key.strip()).get("erp/cashapp")

    log = run.invoke(app, ["vault", "log", "--json"])
    actions = [e["action"] for e in json.loads(log.output)]
    assert actions == ["rekey", "confirm", "rotate", "write"]
    for result in (ok, listing, rekey, log):
        text = result if isinstance(result, str) else result.output
        assert OLD not in text and NEW not in text
    assert [r.action for r in store.list_audit()][:2] == ["vault.rekey", "vault.confirm"]


def test_rekey_needs_the_old_key(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    vault.set("a/b", {"password": OLD})
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    out = CliRunner().invoke(app, ["vault", "rekey", "--new-key-stdin"],
                             input=Fernet.generate_key().decode())
    assert out.exit_code == 1 and "does not open" in out.output


def test_format_1_vault_is_read_and_upgraded(vault: Vault) -> None:
    key = ensure_key()
    legacy = {"version": 1, "entries": {"x/y": {"password": OLD}}}
    vault.path.write_bytes(Fernet(key).encrypt(json.dumps(legacy).encode()))
    cred = Vault().get("x/y", bot="any-bot")
    assert (cred.password, cred.version) == (OLD, 1)
    Vault().set("x/y", {"username": "u"})
    assert Vault().info("x/y").fields == ("password", "username")
    with pytest.raises(CredentialNotFoundError):
        Vault().confirm("nope")

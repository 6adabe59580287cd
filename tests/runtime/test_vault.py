from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from bots.runtime import RunContext, Vault, ensure_key
from bots.runtime.errors import CredentialNotFoundError, VaultKeyError
from orchestrator.cli.vault import app as vault_cli

PASSWORD = "Nw!Bank-Sandbox-2026"
SEED = "JBSWY3DPEHPK3PXPNORTHWINDQ"


@pytest.fixture
def vault_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FINBOTS_MASTER_KEY", raising=False)
    monkeypatch.setenv("FINBOTS_VAULT_PATH", str(tmp_path / "vault.json.enc"))
    monkeypatch.setenv("FINBOTS_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    monkeypatch.setenv("FINBOTS_DB_URL", f"sqlite:///{tmp_path / 'finbots.db'}")  # access log
    return tmp_path


def test_round_trip_list_delete(vault_env: Path) -> None:
    key = ensure_key()
    vault = Vault()
    vault.set("sandbox_bank/treasury", {"username": "treasury.bot", "password": PASSWORD})
    vault.set("sandbox_bank/treasury", {"totp_seed": SEED})
    vault.set("legacy_erp/cashapp", {"password": "Erp#Sandbox-42"})
    assert PASSWORD.encode() not in (vault_env / "vault.json.enc").read_bytes()
    cred = Vault(key=key).get("sandbox_bank/treasury")
    assert cred.password == PASSWORD and cred["username"] == "treasury.bot"
    assert PASSWORD not in repr(cred) and PASSWORD not in str(cred)
    assert "password" in repr(cred)
    assert cred.totp() == pyotp.TOTP(SEED).now()
    assert vault.list() == {
        "legacy_erp/cashapp": ["password"],
        "sandbox_bank/treasury": ["password", "totp_seed", "username"],
    }
    vault.delete("sandbox_bank/treasury", "totp_seed")
    vault.delete("legacy_erp/cashapp")
    assert vault.list() == {"sandbox_bank/treasury": ["password", "username"]}
    with pytest.raises(CredentialNotFoundError):
        vault.get("legacy_erp/cashapp")
    with pytest.raises(CredentialNotFoundError, match="no field 'totp_seed'"):
        vault.get("sandbox_bank/treasury").totp()


def test_wrong_or_missing_key(vault_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(VaultKeyError, match="no master key"):
        Vault()
    ensure_key()
    Vault().set("a/b", {"password": PASSWORD})
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    with pytest.raises(VaultKeyError, match="does not open"):
        Vault().get("a/b")
    monkeypatch.setenv("FINBOTS_MASTER_KEY", "not-a-key")
    with pytest.raises(VaultKeyError, match="malformed"):
        Vault()


def test_ensure_key_warns_once(vault_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = ensure_key()
    assert "generated a new master key" in capsys.readouterr().err
    assert ensure_key() == key and capsys.readouterr().err == ""
    assert (vault_env / "master.key").stat().st_mode & 0o077 == 0


def test_context_credential_registers_secrets(vault_env: Path, tmp_path: Path) -> None:
    ensure_key()
    Vault().set("sandbox_bank/treasury", {"password": PASSWORD, "totp_seed": SEED})
    with RunContext("r", tmp_path / "run") as ctx:
        cred = ctx.credential("sandbox_bank/treasury")
        code = cred.totp()
        ctx.log.info("using {} and {}", cred.password, code)
    log = (tmp_path / "run" / "bot.log").read_text()
    assert "using *** and ***" in log and PASSWORD not in log


def test_cli_never_prints_values(vault_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    out = runner.invoke(vault_cli, ["set", "sandbox_bank/treasury", "password"],
                        input=f"{PASSWORD}\n{PASSWORD}\n")
    assert out.exit_code == 0, out.output
    out2 = runner.invoke(vault_cli, ["set", "sandbox_bank/treasury", "totp_seed", "--from-stdin"],
                         input=SEED + "\n")
    monkeypatch.setenv("BANK_USER", "treasury.bot")
    out3 = runner.invoke(vault_cli, ["set", "sandbox_bank/treasury", "username",
                                     "--value-env", "BANK_USER"])
    listing = runner.invoke(vault_cli, ["list"])
    assert listing.output == "sandbox_bank/treasury: password, totp_seed, username\n"
    for result in (out, out2, out3, listing):
        assert result.exit_code == 0
        assert PASSWORD not in result.output and SEED not in result.output
        assert "treasury.bot" not in result.output
    cred = Vault().get("sandbox_bank/treasury")
    assert (cred.password, cred["totp_seed"], cred.username) == (PASSWORD, SEED, "treasury.bot")
    assert runner.invoke(vault_cli, ["delete", "sandbox_bank/treasury"]).exit_code == 0
    missing = runner.invoke(vault_cli, ["delete", "sandbox_bank/treasury"])
    assert missing.exit_code == 1 and "no credential" in missing.output


def test_cli_wrong_key_is_an_error(vault_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_key()
    Vault().set("a/b", {"password": PASSWORD})
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    result = CliRunner().invoke(vault_cli, ["list"])
    assert result.exit_code == 1 and "does not open" in result.output

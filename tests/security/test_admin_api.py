"""The users, tokens, audit and vault API and admin pages (never a secret after creation)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from bots.runtime.vault import Vault, ensure_key
from orchestrator.auth import service as accounts
from orchestrator.cli import app as cli
from orchestrator.store import Store

Bearer = Callable[[str], dict[str, str]]


def test_users_and_tokens_api(client: TestClient, store: Store, bearer: Bearer) -> None:
    admin = bearer("admin")
    made = client.post("/api/v1/users", headers=admin,
                       json={"username": "carol", "roles": ["finance-reviewer"]})
    assert made.status_code == 201 and len(made.json()["password"]) == 20
    assert made.json()["roles"] == ["finance_reviewer"]
    assert client.post("/api/v1/users", headers=admin,
                       json={"username": "carol", "roles": ["support"]}).status_code == 409
    assert client.post("/api/v1/users", headers=admin,
                       json={"username": "dave", "roles": ["boss"]}).status_code == 422
    listed = client.get("/api/v1/users", headers=admin).json()
    assert [u["username"] for u in listed] == ["admin-t", "carol"]
    assert all("password_hash" not in u for u in listed)
    new_pw = client.post("/api/v1/users/carol/reset-password", headers=admin).json()["password"]
    assert accounts.authenticate(store, "carol", new_pw).username == "carol"
    assert client.post("/api/v1/users/carol/disable", headers=admin).json()["disabled"]
    assert client.post("/api/v1/users/nobody/disable", headers=admin).status_code == 404

    tok = client.post("/api/v1/tokens", headers=admin,
                      json={"name": "erp-sync", "roles": ["admin"], "expires": "30d"}).json()
    assert tok["token"].startswith(tok["prefix"]) and tok["expires_at"]
    assert tok["owner"] == "admin-t"
    rows = client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in r and "token_hash" not in r for r in rows)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tok['token']}"}).json()
    assert (me["name"], me["token"], me["roles"]) == ("admin-t", "erp-sync", ["admin"])
    assert client.post("/api/v1/tokens/erp-sync/revoke", headers=admin).json()["revoked_at"]
    actions = [a.action for a in store.list_audit(actor="admin-t")]
    assert actions == ["token.revoke", "token.create", "user.disable", "user.reset_password",
                       "user.add"]


def test_audit_api_verify_and_csv(client: TestClient, store: Store, bearer: Bearer) -> None:
    auditor = bearer("auditor")
    for i in range(3):
        store.record_audit("jane", "item.retry", f"item:{i}", {"n": i})
    page = client.get("/api/v1/audit?limit=2&action=item.retry", headers=auditor).json()
    assert [r["target"] for r in page] == ["item:2", "item:1"]
    assert client.get("/api/v1/audit/verify", headers=auditor).json()["ok"] is True
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET actor = 'joe' WHERE target = 'item:1'"))
    bad = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert bad["ok"] is False and bad["problems"][0]["kind"] == "edited"
    exported = client.get("/api/v1/audit/export.csv", headers=auditor)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv") and len(rows) == 3
    html = client.get("/admin/audit?verify=true", headers=auditor).text
    assert "The chain is broken" in html and "edited" in html


def test_vault_metadata_never_values(client: TestClient, store: Store, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, bearer: Bearer) -> None:
    monkeypatch.delenv("FINBOTS_MASTER_KEY", raising=False)
    monkeypatch.setenv("FINBOTS_VAULT_PATH", str(tmp_path / "v.enc"))
    monkeypatch.setenv("FINBOTS_MASTER_KEY_FILE", str(tmp_path / "m.key"))
    ensure_key()
    Vault().set("bank/treasury", {"password": "Top-Secret-1"}, bots=["payment-posting"])
    store.log_credential_access("bank/treasury", "read", "bot:payment-posting", version=1,
                                run_id=4)
    dev = bearer("developer")
    entries = client.get("/api/v1/vault", headers=dev)
    assert entries.json() == [{"name": "bank/treasury", "fields": ["password"],
                               "bots": ["payment-posting"], "version": 1,
                               "pending_version": None,
                               "updated_at": entries.json()[0]["updated_at"]}]
    access = client.get("/api/v1/vault/access?run_id=4", headers=dev).json()
    assert [(a["actor"], a["action"]) for a in access] == [("bot:payment-posting", "read")]
    page = client.get("/admin/vault", headers=dev).text
    assert "bank/treasury" in page and "payment-posting" in page
    for body in (entries.text, page):
        assert "Top-Secret-1" not in body
    assert client.get("/api/v1/vault", headers=bearer("support")).status_code == 403


def test_admin_pages_show_a_new_secret_once(client: TestClient, store: Store,
                                            bearer: Bearer) -> None:
    admin = bearer("admin")
    assert "Users and roles" in client.get("/admin", headers=admin).text
    made = client.post("/admin/users", headers=admin,
                       data={"username": "erin", "roles": ["approver", "support"]})
    assert made.status_code == 200 and "shown only now" in made.text
    assert "shown only now" not in client.get("/admin/users", headers=admin).text
    tok = client.post("/admin/tokens", headers=admin,
                      data={"name": "robot-a", "roles": ["robot"], "kind": "robot"})
    assert "fbt_" in tok.text and store.get_token("robot-a").kind == "robot"
    gone = client.post("/admin/tokens/robot-a/revoke", headers=admin, follow_redirects=False)
    assert gone.status_code == 303 and store.get_token("robot-a").revoked_at
    assert client.get("/admin/users", headers=bearer("auditor")).status_code == 403


def test_users_and_tokens_cli(store: Store) -> None:
    run = CliRunner()
    first = run.invoke(cli, ["users", "bootstrap"])
    password = first.output.split("password: ")[1].split()[0]
    assert accounts.authenticate(store, "admin", password).roles == ["admin"]
    assert "nothing to do" in run.invoke(cli, ["users", "bootstrap"]).output
    added = run.invoke(cli, ["users", "add", "fay", "--role", "auditor", "--password-stdin"],
                       input="fay-secret-pw\n")
    assert added.exit_code == 0 and "fay-secret-pw" not in added.output
    assert run.invoke(cli, ["users", "add", "gus", "--role", "nope"]).exit_code == 1
    assert run.invoke(cli, ["users", "disable", "fay"]).exit_code == 0
    assert store.get_user("fay").disabled
    reset = run.invoke(cli, ["users", "reset", "fay"])
    assert "password (shown once):" in reset.output
    made = run.invoke(cli, ["tokens", "create", "r1", "--role", "robot", "--kind", "robot",
                            "--expires", "90d", "--owner", "admin"])
    plain = made.output.strip().splitlines()[-1]
    assert plain.startswith("fbt_") and accounts.token_for(store, plain) is not None
    listing = run.invoke(cli, ["tokens", "list"]).output
    assert "r1" in listing and plain not in listing
    assert run.invoke(cli, ["tokens", "revoke", "r1"]).exit_code == 0
    assert accounts.token_for(store, plain) is None
    assert run.invoke(cli, ["tokens", "revoke", "r2"]).exit_code == 1
    actions = [a.action for a in store.list_audit()]
    assert actions[:3] == ["token.revoke", "token.create", "user.reset_password"]

"""The Learned page and API on the real app (TestClient, bearer tokens): who may see and
withdraw what bots learned, the withdrawal audited under the person's name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

PEOPLE = {"fiona": ["finance_reviewer"], "arthur": ["approver"], "sam": ["support"],
          "otto": ["operator"]}
IBAN = "IE29AIBK93115212345678"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[Store, dict[str, TestClient]]]:
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    app = create_app(store)
    clients = {}
    for name, roles in PEOPLE.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients
    store.close()


def test_list_and_withdraw(app: tuple[Store, dict[str, TestClient]]) -> None:
    store, client = app
    rule = store.learn_rule("payment-posting", "payer_iban", IBAN, {"customer_id": "C1007"},
                            source_case=4, created_by="fiona",
                            evidence={"says": f"account {IBAN} pays for C1007 <b>"})
    listed = client["sam"].get("/api/v1/learned").json()
    assert [(r["id"], r["says"], r["source_case"], r["active"]) for r in listed] == [
        (rule.id, f"account {IBAN} pays for C1007 <b>", 4, True)]
    assert client["otto"].get("/api/v1/learned").status_code == 403
    assert client["sam"].post(f"/api/v1/learned/{rule.id}/withdraw").status_code == 403
    page = client["sam"].get("/learned")
    assert page.status_code == 200 and "case 4" in page.text
    assert "pays for C1007 &lt;b&gt;" in page.text and "Withdraw rule" not in page.text

    done = client["arthur"].post(f"/api/v1/learned/{rule.id}/withdraw")

    assert done.status_code == 200
    assert done.json()["active"] is False and done.json()["withdrawn_by"] == "arthur"
    assert store.list_learned("payment-posting") == []
    (record,) = [a for a in store.list_audit() if a.action == "learned.withdraw"]
    assert (record.actor, record.target) == ("arthur", f"learned:{rule.id}")
    assert "withdrawn by arthur" in client["fiona"].get("/learned").text
    assert client["arthur"].post("/api/v1/learned/99999/withdraw").status_code == 404
    assert client["arthur"].get("/api/v1/learned/99999").status_code == 404


def test_command_line_lists_and_withdraws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    from typer.testing import CliRunner

    from orchestrator.cli import app as cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "arthur")
    store = Store(url)
    rule = store.learn_rule("payment-posting", "payer_iban", IBAN, {"customer_id": "C1007"},
                            source_case=4, created_by="fiona",
                            evidence={"says": f"account {IBAN} pays for C1007"})
    runner = CliRunner()
    listed = runner.invoke(cli, ["learned", "list"])
    assert listed.exit_code == 0 and "pays for C1007" in listed.output, listed.output

    done = runner.invoke(cli, ["learned", "withdraw", str(rule.id)])

    assert done.exit_code == 0, done.output
    assert store.list_learned("payment-posting") == []
    (record,) = [a for a in store.list_audit() if a.action == "learned.withdraw"]
    assert record.actor == "arthur"
    assert runner.invoke(cli, ["learned", "withdraw", "99999"]).exit_code == 1
    shown = runner.invoke(cli, ["learned", "list", "--json"])
    assert '"withdrawn_by": "arthur"' in shown.output
    store.close()

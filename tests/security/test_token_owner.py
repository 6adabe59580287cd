"""A token acts as the user who owns it: never with a role its owner lacks, never after its
owner is disabled, and the audit trail says which token acted for whom."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from orchestrator.auth import service as accounts
from orchestrator.cli import app as cli
from orchestrator.store import Store, utcnow
from orchestrator.store.models import Approval

PASSWORD = "correct-horse-battery-staple"  # as in conftest.py
SignIn = Callable[..., httpx.Response]


def _auth(plain: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plain}"}


def _pending_approval(store: Store, requested_by: str) -> int:
    with store.engine.begin() as conn:
        result = conn.execute(
            Approval.__table__.insert().values(  # type: ignore[attr-defined]
                kind="write_off", amount=Decimal("250.00"), currency="EUR", payload={},
                status="pending", requested_by=requested_by, requested_at=utcnow(), note=""))
        return int(result.inserted_primary_key[0])


@pytest.fixture
def people(store: Store) -> dict[str, str]:
    """An administrator, a finance reviewer and an approver; ``root``'s token as headers."""
    accounts.add_user(store, "root", PASSWORD, ["admin"])
    accounts.add_user(store, "fiona", PASSWORD, ["finance_reviewer"])
    accounts.add_user(store, "arthur", PASSWORD, ["approver"])
    return _auth(accounts.create_token(store, "root-cli", ["admin"], owner="root",
                                       expires_at=utcnow() + dt.timedelta(days=365,
                                                                           seconds=50))[1])


def test_an_admin_cannot_mint_a_token_with_a_role_they_lack(
        client: TestClient, store: Store, people: dict[str, str]) -> None:
    refused = client.post("/api/v1/tokens", headers=people,
                          json={"name": "arthur", "roles": ["approver"]})
    assert refused.status_code == 403
    assert "approver beyond what 'root' holds" in refused.json()["detail"]
    assert [t.name for t in store.list_tokens()] == ["root-cli"]

    named = client.post("/api/v1/tokens", headers=people,
                        json={"name": "arthur", "roles": ["admin"]}).json()
    assert named["owner"] == "root"
    me = client.get("/api/v1/me", headers=_auth(named["token"])).json()
    assert (me["name"], me["token"], me["roles"]) == ("root", "arthur", ["admin"])
    approval = _pending_approval(store, "fiona")
    decided = client.post(f"/api/v1/approvals/{approval}/decide",
                          headers=_auth(named["token"]), json={"approve": True})
    assert decided.status_code == 403  # a token named "arthur" is not arthur
    assert store.get_approval(approval).status == "pending"

    page = client.post("/admin/tokens", headers=people,
                       data={"name": "x", "roles": ["approver"], "kind": "integration"})
    assert page.status_code == 403 and "never has more roles than its owner" in page.text


def test_a_token_approves_as_its_owner_and_the_audit_names_the_token(
        client: TestClient, store: Store, people: dict[str, str], sign_in: SignIn) -> None:
    made = CliRunner().invoke(cli, ["tokens", "create", "ci-bot", "--role", "approver",
                                    "--owner", "arthur", "--expires", "30d"])
    assert made.exit_code == 0, made.output
    assert "acting as arthur" in made.output
    bot = _auth(next(line for line in made.output.splitlines() if line.startswith("fbt_")))

    by_token = _pending_approval(store, "fiona")
    assert client.post(f"/api/v1/approvals/{by_token}/decide", headers=bot,
                       json={"approve": True}).status_code == 200
    own = _pending_approval(store, "arthur")
    refused = client.post(f"/api/v1/approvals/{own}/decide", headers=bot,
                          json={"approve": True})
    assert refused.status_code == 403 and "cannot approve it" in refused.text

    in_person = _pending_approval(store, "fiona")
    with TestClient(client.app) as browser:
        assert sign_in(browser, "arthur").status_code == 303
        csrf = store.list_sessions("arthur")[0].csrf_token
        assert browser.post(f"/api/v1/approvals/{in_person}/decide", json={"approve": True},
                            headers={"X-CSRF-Token": csrf}).status_code == 200

    rows = {r.target: r for r in store.list_audit(action="approval.approve")}
    assert (rows[f"approval:{by_token}"].actor, rows[f"approval:{by_token}"].via_token) == (
        "arthur", "ci-bot")
    assert (rows[f"approval:{in_person}"].actor,
            rows[f"approval:{in_person}"].via_token) == ("arthur", None)

    auditor = _auth(accounts.create_token(store, "audit", ["admin"], owner="root")[1])
    listed = client.get("/api/v1/audit?action=approval.approve", headers=auditor).json()
    assert [(r["actor"], r["via_token"]) for r in listed] == [("arthur", None),
                                                              ("arthur", "ci-bot")]
    exported = client.get("/api/v1/audit/export.csv", headers=auditor).text
    approvals = [r for r in csv.DictReader(io.StringIO(exported))
                 if r["action"] == "approval.approve"]
    assert [(r["actor"], r["via_token"]) for r in approvals] == [("arthur", "ci-bot"),
                                                                 ("arthur", "")]
    page = client.get("/admin/audit?action=approval.approve", headers=auditor).text
    assert page.count("via token") == 1 and "ci-bot" in page
    listing = CliRunner().invoke(cli, ["audit", "list", "--action", "approval.approve"])
    assert "arthur (token ci-bot)" in listing.output

    assert store.verify_audit() == []
    with store.engine.begin() as conn:  # passing the token's act off as arthur's own
        conn.execute(text("UPDATE audit_record SET via_token = NULL WHERE via_token = 'ci-bot'"))
    assert [p.kind for p in store.verify_audit()] == ["edited"]


def test_a_token_loses_a_role_its_owner_loses(client: TestClient, store: Store,
                                              people: dict[str, str]) -> None:
    accounts.add_user(store, "nina", PASSWORD, ["approver", "auditor"])
    _t, plain = accounts.create_token(store, "nina-script", ["approver", "auditor"],
                                      owner="nina")
    store.set_roles("nina", ["auditor"])
    me = client.get("/api/v1/me", headers=_auth(plain)).json()
    assert me["roles"] == ["auditor"] and "approvals.decide" not in me["permissions"]
    approval = _pending_approval(store, "fiona")
    assert client.post(f"/api/v1/approvals/{approval}/decide", headers=_auth(plain),
                       json={"approve": True}).status_code == 403
    store.set_roles("nina", ["support"])  # none of the token's roles is left
    assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 401
    store.set_roles("nina", ["approver"])
    assert client.post(f"/api/v1/approvals/{approval}/decide", headers=_auth(plain),
                       json={"approve": True}).status_code == 200


def test_a_disabled_admins_token_cannot_create_an_admin(
        client: TestClient, store: Store, people: dict[str, str]) -> None:
    accounts.add_user(store, "olga", PASSWORD, ["admin"])
    _t, plain = accounts.create_token(store, "olga-ops", ["admin"], owner="olga")
    assert client.get("/api/v1/users", headers=_auth(plain)).status_code == 200
    assert client.post("/api/v1/users/olga/disable", headers=people).status_code == 200
    assert store.get_token("olga-ops").revoked_at is not None
    made = client.post("/api/v1/users", headers=_auth(plain),
                       json={"username": "mallory", "roles": ["admin"], "password": "pw-12345"})
    assert made.status_code == 401 and store.find_user("mallory") is None

    # Even a token whose revocation was undone in the database is refused while its owner
    # is disabled, and enabling the owner again does not bring a revoked token back.
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET revoked_at = NULL WHERE name = 'olga-ops'"))
    assert client.get("/api/v1/users", headers=_auth(plain)).status_code == 401
    store.revoke_token("olga-ops")
    assert client.post("/api/v1/users/olga/enable", headers=people).status_code == 200
    assert client.get("/api/v1/users", headers=_auth(plain)).status_code == 401


def test_robot_tokens_are_owned_by_an_admin_and_hold_only_the_robot_role(
        client: TestClient, store: Store, people: dict[str, str]) -> None:
    robot = client.post("/api/v1/tokens", headers=people,
                        json={"name": "robot-host1", "roles": ["robot"], "kind": "robot"})
    assert robot.status_code == 201 and robot.json()["owner"] == "root"
    me = client.get("/api/v1/me", headers=_auth(robot.json()["token"])).json()
    assert (me["name"], me["kind"], me["token"], me["roles"]) == (
        "root", "robot", "robot-host1", ["robot"])
    approval = _pending_approval(store, "fiona")
    assert client.post(f"/api/v1/approvals/{approval}/decide",
                       headers=_auth(robot.json()["token"]),
                       json={"approve": True}).status_code == 403
    for body, message in (
            ({"name": "r2", "roles": ["robot", "admin"], "kind": "robot"},
             "robot role and nothing else"),
            ({"name": "r3", "roles": ["robot"]}, "robot role is for robot tokens")):
        refused = client.post("/api/v1/tokens", headers=people, json=body)
        assert refused.status_code == 422 and message in refused.json()["detail"]
    run = CliRunner()
    not_admin = run.invoke(cli, ["tokens", "create", "r4", "--role", "robot", "--kind", "robot",
                                 "--owner", "fiona"])
    assert not_admin.exit_code == 1 and "owned by an administrator" in not_admin.output
    nobody = run.invoke(cli, ["tokens", "create", "r5", "--role", "robot", "--kind", "robot"])
    assert nobody.exit_code == 1 and "--owner: no user 'tester'" in nobody.output
    store.set_roles("root", ["support"])  # the owner is no administrator any more
    assert client.get("/api/v1/me", headers=_auth(robot.json()["token"])).status_code == 401


def test_token_expiry_is_bounded(client: TestClient, store: Store,
                                 people: dict[str, str]) -> None:
    for expires in ("100000000d", "9999999999999w", "366d", "never", "9999-12-31", "soon"):
        refused = client.post("/api/v1/tokens", headers=people,
                              json={"name": "t", "roles": ["admin"], "expires": expires})
        assert refused.status_code == 422, (expires, refused.text)
        assert refused.json()["detail"].startswith("expires:"), refused.text
    year = client.post("/api/v1/tokens", headers=people,
                       json={"name": "year", "roles": ["admin"], "expires": "365d"}).json()
    default = client.post("/api/v1/tokens", headers=people,
                          json={"name": "default", "roles": ["admin"]}).json()
    now = utcnow()
    for made, days in ((year, 365), (default, 90)):
        lives = dt.datetime.fromisoformat(made["expires_at"]) - now
        assert dt.timedelta(days=days - 1) < lives <= dt.timedelta(days=days)
    page = client.post("/admin/tokens", headers=people,
                       data={"name": "p", "roles": ["admin"], "expires": "100000000d"})
    assert page.status_code == 400 and "expires:" in page.text
    huge = CliRunner().invoke(cli, ["tokens", "create", "c", "--role", "admin", "--owner",
                                    "root", "--expires", "100000000d"])
    assert huge.exit_code == 1 and re.search(r"error: expires: .*too far", huge.output)
    assert {t.name for t in store.list_tokens()} == {"root-cli", "year", "default"}


def test_a_token_makes_no_token_that_outlives_it_or_holds_more(
        client: TestClient, store: Store, people: dict[str, str]) -> None:
    """A leaked short-lived administrator's token is no lasting access."""
    hour = _auth(accounts.create_token(store, "root-hour", ["admin"], owner="root",
                                       expires_at=utcnow() + dt.timedelta(hours=1))[1])
    longer = client.post("/api/v1/tokens", headers=hour,
                         json={"name": "year", "roles": ["admin"], "expires": "365d"})
    assert longer.status_code == 403 and "ends no later than it does" in longer.text
    made = client.post("/api/v1/tokens", headers=hour,
                       json={"name": "quick", "roles": ["admin"]})  # no expiry asked for
    assert made.status_code == 201
    ends = dt.datetime.fromisoformat(made.json()["expires_at"])
    assert ends <= utcnow().replace(tzinfo=dt.UTC) + dt.timedelta(hours=1)
    accounts.add_user(store, "sam", PASSWORD, ["support", "auditor"])
    support = _auth(accounts.create_token(store, "sam-support", ["support"], owner="sam",
                                          expires_at=utcnow() + dt.timedelta(days=30))[1])
    wider = client.post("/api/v1/tokens", headers=support,
                        json={"name": "sam-more", "roles": ["auditor"]})
    assert wider.status_code in (403, 401), wider.text
    assert "sam-more" not in {t.name for t in store.list_tokens()}


def test_revoking_a_token_revokes_what_was_made_with_it(
        client: TestClient, store: Store, people: dict[str, str]) -> None:
    """A token minted with a leaked token ends when the leaked one is revoked."""
    child = client.post("/api/v1/tokens", headers=people,
                        json={"name": "child", "roles": ["admin"]}).json()
    grandchild = client.post("/api/v1/tokens", headers=_auth(child["token"]),
                             json={"name": "grandchild", "roles": ["admin"]}).json()
    robot = client.post("/api/v1/tokens", headers=people,
                        json={"name": "robot-1", "roles": ["robot"], "kind": "robot"}).json()
    assert grandchild["created_by"] == "token:child" and robot["created_by"] == "token:root-cli"
    other = accounts.create_token(store, "unrelated", ["admin"], owner="root")[1]
    assert client.post("/api/v1/tokens/root-cli/revoke", headers=_auth(other)).status_code == 200
    for plain in (child["token"], grandchild["token"], robot["token"]):
        assert client.get("/api/v1/me", headers=_auth(plain)).status_code == 401
    assert client.get("/api/v1/me", headers=_auth(other)).status_code == 200

"""Sign-in, sessions, CSRF, API tokens, disabled users, argon2 hashes.

(Tokens acting as their owners: ``test_token_owner.py``; sign-in throttling and the sign-in
form's CSRF token: ``test_login_throttle.py``.)
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from bots.runtime.errors import AuthenticationError
from orchestrator.auth import passwords
from orchestrator.auth import service as accounts
from orchestrator.store import Store, utcnow
from orchestrator.store.models import WebSession

PASSWORD = "correct-horse-battery-staple"  # as in conftest.py

ME = "/api/v1/me"


def _sign_in(client: TestClient, user: str = "alice", password: str = PASSWORD,
             next_: str = "/") -> str:
    r = _post_login(client, user, password, next_)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def _post_login(client: TestClient, user: str, password: str, next_: str = "/") -> Response:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token in the sign-in form"
    return client.post("/login", data={"username": user, "password": password, "next": next_,
                                       "csrf_token": token.group(1)}, follow_redirects=False)


def _csrf(store: Store, user: str = "alice") -> str:
    return store.list_sessions(user)[0].csrf_token


@pytest.fixture
def alice(store: Store) -> str:
    accounts.add_user(store, "alice", PASSWORD, ["admin"])
    return "alice"


def test_sign_in_cookie_and_sign_out(client: TestClient, store: Store, alice: str) -> None:
    page = client.get("/login?next=/runs")
    assert page.status_code == 200 and "Sign in" in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text
    r = _post_login(client, "alice", PASSWORD, "/runs")
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    cookie = r.headers["set-cookie"].lower()
    assert "finbots_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests
    assert client.get(ME).json()["name"] == "alice"
    raw = client.cookies["finbots_session"]
    stored = [s.id_hash for s in store.list_sessions("alice")]
    assert raw not in stored and len(stored[0]) == 64  # only the SHA-256 is kept

    assert client.post("/logout", data={"csrf_token": _csrf(store)},
                       follow_redirects=False).headers["location"] == "/login"
    client.cookies.set("finbots_session", raw)  # a stolen copy of the cookie
    assert client.get(ME).status_code == 401
    actions = [a.action for a in store.list_audit()]
    assert actions[:2] == ["auth.logout", "auth.login"]


def test_secure_cookie_on_https_and_open_redirects(store: Store, alice: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestrator.app import create_app

    with TestClient(create_app(store), base_url="https://testserver") as c:
        r = _post_login(c, "alice", PASSWORD, "//evil.example/x")
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["location"] == "/"
    for target in ("https://evil.example", "/\\evil.example", "javascript:alert(1)"):
        with TestClient(create_app(store)) as c:
            assert _sign_in(c, next_=target) == "/"


def test_wrong_password_unknown_user_and_disabled(client: TestClient, store: Store,
                                                  alice: str) -> None:
    for user, pw in (("alice", "wrong"), ("mallory", PASSWORD)):
        r = _post_login(client, user, pw)
        assert r.status_code == 401 and "Wrong username or password." in r.text
    _sign_in(client)
    store.disable_user("alice")
    assert client.get(ME).status_code == 401  # the open session ended
    r = _post_login(client, "alice", PASSWORD)
    assert r.status_code == 401
    with pytest.raises(AuthenticationError, match="disabled"):
        accounts.authenticate(store, "alice", PASSWORD)
    failed = store.list_audit(action="auth.login_failed")
    assert [f.details["reason"] for f in failed] == ["account disabled", "unknown user",
                                                    "wrong password"]
    assert all(PASSWORD not in str(f.details) for f in failed)


def test_csrf_is_required_on_unsafe_requests(client: TestClient, store: Store,
                                             alice: str) -> None:
    _sign_in(client)
    token = _csrf(store)
    body = {"username": "bob", "roles": ["support"]}
    assert client.post("/api/v1/users", json=body).status_code == 403  # none
    forged = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    ok = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201, ok.text
    form = client.post("/admin/users/bob/disable", data={"csrf_token": token},
                       follow_redirects=False)
    assert form.status_code == 303 and store.get_user("bob").disabled


def test_expired_and_idle_sessions_are_refused(client: TestClient, store: Store, alice: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _sign_in(client)
    assert client.get(ME).status_code == 200
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE web_session SET last_seen_at = :t"),
                     {"t": (utcnow() - dt.timedelta(minutes=31)).replace(tzinfo=None)})
    assert client.get(ME).status_code == 401  # idle too long
    page = client.get("/admin/users", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fadmin%2Fusers"

    _sign_in(client)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE web_session SET expires_at = :t WHERE revoked_at IS NULL"),
                     {"t": (utcnow() - dt.timedelta(seconds=1)).replace(tzinfo=None)})
    assert client.get(ME).status_code == 401  # past the absolute expiry
    assert isinstance(store.list_sessions("alice"), list) and not store.list_sessions("alice")
    assert WebSession.__tablename__ == "web_session"


def test_tokens_revoked_and_expired_are_refused(client: TestClient, store: Store) -> None:
    accounts.add_user(store, "root", PASSWORD, ["admin"])
    token, plain = accounts.create_token(store, "robot-1", ["robot"], kind="robot",
                                         owner="root")
    assert token.token_hash != plain and plain.startswith("fbt_")
    auth = {"Authorization": f"Bearer {plain}"}
    me = client.get(ME, headers=auth).json()
    assert me == {"name": "root", "kind": "robot", "roles": ["robot"], "token": "robot-1",
                  "permissions": ["robot.work", "self.read"]}
    assert store.get_token("robot-1").last_used_at is not None
    assert client.get("/api/v1/users", headers=auth).status_code == 403
    assert client.post("/api/v1/users", headers=auth, json={}).status_code == 403  # no CSRF
    store.revoke_token("robot-1")
    assert client.get(ME, headers=auth).status_code == 401
    assert client.get(ME, headers={"Authorization": "Bearer fbt_made-up"}).status_code == 401

    _t, old = accounts.create_token(store, "old", ["admin"], owner="root",
                                    expires_at=utcnow() + dt.timedelta(hours=1))
    assert client.get(ME, headers={"Authorization": f"Bearer {old}"}).status_code == 200
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE api_token SET expires_at = :t WHERE name = 'old'"),
                     {"t": (utcnow() - dt.timedelta(seconds=1)).replace(tzinfo=None)})
    assert client.get(ME, headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_passwords_are_argon2_and_rehashed(store: Store, db_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # the library's parameters, not the tests' cheap ones (tests/conftest.py)
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher())
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    accounts.add_user(store, "bob", PASSWORD, ["support"])
    with store.engine.begin() as conn:
        stored = conn.execute(text("SELECT password_hash FROM app_user")).scalar_one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        conn.execute(text("UPDATE app_user SET password_hash = :h"), {"h": weak.hash(PASSWORD)})
    accounts.authenticate(store, "bob", PASSWORD)
    rehashed = store.get_user("bob").password_hash
    assert rehashed.startswith("$argon2id$") and "m=8192" not in rehashed
    assert not PasswordHasher().check_needs_rehash(rehashed)  # the library's parameters
    assert PASSWORD.encode() not in db_path.read_bytes()


def test_security_headers_and_htmx_sign_in_redirect(client: TestClient) -> None:
    page = client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    fragment = client.get("/admin/users", headers={"HX-Request": "true"},
                          follow_redirects=False)
    assert fragment.status_code == 401
    assert fragment.headers["hx-redirect"] == "/login?next=%2Fadmin%2Fusers"

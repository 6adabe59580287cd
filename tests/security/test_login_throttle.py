"""Failed sign-ins slow the client that made them, never the person whose name was tried;
the sign-in form only works from this site's own page (login CSRF)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from orchestrator.auth import service as accounts
from orchestrator.auth.throttle import ACCOUNT_CEILING, CLIENT_FREE, PAIR_FREE
from orchestrator.store import Store, utcnow

PASSWORD = "correct-horse-battery-staple"  # as in conftest.py
SignIn = Callable[..., httpx.Response]
ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def app(client: TestClient, store: Store) -> FastAPI:
    accounts.add_user(store, "alice", PASSWORD, ["finance_reviewer"])
    assert isinstance(client.app, FastAPI)
    return client.app


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """Time stands still unless a test moves it on (``clock.shift(seconds)``)."""
    with time_machine.travel(utcnow(), tick=False) as frozen:
        yield frozen


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000), follow_redirects=False)


def _failures(store: Store) -> int:
    with store.engine.begin() as conn:
        return int(conn.execute(text("SELECT count(*) FROM login_failure")).scalar_one())


def _wait(response: httpx.Response) -> int:
    assert response.status_code == 429 and "Too many failed sign-ins" in response.text
    return int(response.headers["retry-after"])


def test_ten_wrong_passwords_do_not_lock_the_person_out(
        app: FastAPI, store: Store, sign_in: SignIn, clock: time_machine.Coordinates) -> None:
    attacker = _from(app, ATTACKER)
    for i in range(10):
        tried = sign_in(attacker, "alice", f"guess-{i}")
        if i >= PAIR_FREE:  # from the sixth on, a patient attacker waits out each back-off
            clock.shift(_wait(tried))
            tried = sign_in(attacker, "alice", f"guess-{i}")
        assert tried.status_code == 401
    held = _wait(sign_in(attacker, "alice", PASSWORD))
    assert held == 2 * 2 ** (10 - PAIR_FREE)

    assert sign_in(_from(app, OFFICE), "alice", PASSWORD).status_code == 303

    for _ in range(5):  # trying while held back neither counts nor makes the wait longer
        assert _wait(sign_in(attacker, "alice", PASSWORD)) == held
    assert _failures(store) == 10
    clock.shift(30)
    assert _wait(sign_in(attacker, "alice", PASSWORD)) == held - 30
    throttled = [r for r in store.list_audit(action="auth.login_failed")
                 if r.details["reason"] == "throttled"]
    assert len(throttled) == 5 + 1 + 5 + 1
    assert {r.details["client"] for r in throttled} == {ATTACKER}


def test_the_wait_doubles_with_each_failure_and_then_ends(
        app: FastAPI, store: Store, sign_in: SignIn, clock: time_machine.Coordinates) -> None:
    me = _from(app, OFFICE)
    for i in range(PAIR_FREE):
        assert sign_in(me, "alice", f"typo-{i}").status_code == 401
    assert _wait(sign_in(me, "alice", PASSWORD)) == 2
    clock.shift(2)
    assert sign_in(me, "alice", "typo-again").status_code == 401
    assert _wait(sign_in(me, "alice", PASSWORD)) == 4
    clock.shift(4)
    assert sign_in(me, "alice", PASSWORD).status_code == 303
    assert _failures(store) == 0  # a success forgets this client's failures for the name


def test_many_names_from_one_client_are_throttled(
        app: FastAPI, store: Store, sign_in: SignIn, clock: time_machine.Coordinates) -> None:
    sprayer = _from(app, ATTACKER)
    codes = [sign_in(sprayer, f"user{i:02d}", "Winter2026!").status_code for i in range(40)]
    assert codes == [401] * CLIENT_FREE + [429] * (40 - CLIENT_FREE)
    assert sign_in(sprayer, "alice", PASSWORD).status_code == 429  # the client is held
    assert sign_in(_from(app, OFFICE), "alice", PASSWORD).status_code == 303


def test_an_account_under_attack_slows_attackers_but_not_its_owner(
        app: FastAPI, store: Store, sign_in: SignIn, clock: time_machine.Coordinates) -> None:
    for i in range(ACCOUNT_CEILING):  # one guess each from many addresses
        assert sign_in(_from(app, f"10.0.{i // 200}.{i % 200 + 1}"), "alice",
                       f"guess-{i}").status_code == 401
        clock.shift(10)
    # One failure alone makes no one wait; under attack it costs minutes.
    assert _wait(sign_in(_from(app, "10.0.0.50"), "alice", "again")) == 300 - 10
    assert sign_in(_from(app, "10.0.9.9"), "alice", "a-new-guess").status_code == 401
    assert sign_in(_from(app, OFFICE), "alice", PASSWORD).status_code == 303


def test_the_sign_in_form_needs_its_own_token_and_cookie(app: FastAPI, store: Store,
                                                         sign_in: SignIn) -> None:
    browser = _from(app, OFFICE)
    page = browser.get("/login")
    cookie = page.headers["set-cookie"].lower()
    assert "finbots_login=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert browser.cookies["finbots_login"] not in page.text  # the page holds a digest only

    credentials = {"username": "alice", "password": PASSWORD, "next": "/"}
    bare = browser.post("/login", data=credentials)
    assert bare.status_code == 403 and "did not come from this site" in bare.text

    # Another site can fetch a form of its own, but the victim's browser does not hold the
    # pre-session cookie that form's token is bound to.
    elsewhere = _from(app, ATTACKER)
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"',
                      elsewhere.get("/login").text)
    assert token is not None
    victim = _from(app, OFFICE)
    victim.get("/login")  # the victim has a pre-session cookie of their own
    cross = victim.post("/login", data={**credentials, "csrf_token": token.group(1)})
    assert cross.status_code == 403 and "finbots_session" not in victim.cookies
    no_cookie = _from(app, OFFICE).post("/login",
                                        data={**credentials, "csrf_token": token.group(1)})
    assert no_cookie.status_code == 403
    assert not store.list_sessions("alice")
    # The same token with the cookie it belongs to is accepted.
    own = elsewhere.post("/login", data={**credentials, "csrf_token": token.group(1)})
    assert own.status_code == 303 and len(store.list_sessions("alice")) == 1
    assert _failures(store) == 0  # refused forms never count as failed passwords

    ok = sign_in(browser, "alice", PASSWORD)
    assert ok.status_code == 303 and "finbots_session" in ok.headers["set-cookie"]
    assert len(store.list_sessions("alice")) == 2


def test_api_tokens_are_not_throttled_by_sign_in_failures(
        app: FastAPI, store: Store, sign_in: SignIn, clock: time_machine.Coordinates) -> None:
    _t, plain = accounts.create_token(store, "alice-script", ["finance_reviewer"],
                                      owner="alice",
                                      expires_at=utcnow() + dt.timedelta(days=1))
    sprayer = _from(app, ATTACKER)
    for i in range(CLIENT_FREE + 3):
        sign_in(sprayer, f"user{i}", "x")
    assert sign_in(sprayer, "alice", PASSWORD).status_code == 429
    me = sprayer.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    assert me.status_code == 200 and me.json()["name"] == "alice"

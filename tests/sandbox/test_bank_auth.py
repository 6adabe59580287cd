"""Sandbox bank: login with password and TOTP, sessions, logout, layouts, reset."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pyotp

from sandbox.bank.auth import totp_ok
from sandbox.scenario import CREDENTIALS, build_scenario

if TYPE_CHECKING:
    from tests.sandbox.conftest import Target

Login = Callable[..., httpx.Response]
SEED = CREDENTIALS.bank_totp_seed


def test_pages_require_login(bank: Target) -> None:
    with bank.client() as c:
        for path in ("/", "/accounts", "/statements", "/statements/download?format=csv"):
            response = c.get(path)
            assert response.url.path == "/login", path
            assert 'id="login-form"' in response.text


def test_password_then_totp_opens_the_accounts(bank: Target, bank_login: Login) -> None:
    scenario = build_scenario()
    with bank.client() as c:
        first = c.post("/login", data={"username": CREDENTIALS.bank_username,
                                       "password": CREDENTIALS.bank_password})
        assert first.url.path == "/login/mfa" and 'id="otp"' in first.text
        assert c.get("/accounts").url.path == "/login"  # password alone is not enough
    with bank.client() as c:
        page = bank_login(c)
        assert page.url.path == "/accounts"
        assert scenario.company_iban in page.text
        assert "287.930,49 EUR" in page.text  # closing balance, German number format
        assert scenario.company_name in page.text
    assert bank.truth()["logins"] == 1


def test_wrong_password_is_refused(bank: Target) -> None:
    with bank.client() as c:
        page = c.post("/login", data={"username": CREDENTIALS.bank_username, "password": "x"})
        assert page.url.path == "/login" and 'id="login-error"' in page.text
    assert bank.truth()["logins"] == 0 and bank.truth()["failed_logins"] == 1


def test_wrong_totp_is_refused_and_three_end_the_attempt(bank: Target, bank_login: Login) -> None:
    with bank.client() as c:
        page = bank_login(c, code="000000" if pyotp.TOTP(SEED).now() != "000000" else "111111")
        assert page.url.path == "/login/mfa" and "not valid" in page.text
        c.post("/login/mfa", data={"otp": "123"})
        page = c.post("/login/mfa", data={"otp": "999"})
        assert page.url.path == "/login" and "Too many invalid security codes" in page.text
        assert c.get("/accounts").url.path == "/login"
    assert bank.truth()["logins"] == 0


def test_totp_accepts_current_and_previous_window_only() -> None:
    totp, now = pyotp.TOTP(SEED), time.time()
    assert totp_ok(SEED, totp.at(now), now)
    assert totp_ok(SEED, totp.at(now - 30), now)
    assert not totp_ok(SEED, totp.at(now - 90), now)
    assert not totp_ok(SEED, totp.at(now + 60), now)


def test_session_expires_after_n_requests(bank: Target, bank_login: Login) -> None:
    bank.faults(session_expiry_requests=3)
    with bank.client() as c:
        bank_login(c)  # the accounts page after login is request 1
        assert c.get("/statements").url.path == "/statements"
        assert c.get("/accounts").url.path == "/accounts"
        expired = c.get("/statements")
        assert expired.url.path == "/login" and expired.url.params.get("expired") == "1"
        assert 'id="session-expired"' in expired.text
        assert "Your session has expired" in expired.text
        assert bank_login(c).url.path == "/accounts"  # a new login works again


def test_idle_session_expires(bank: Target, bank_login: Login) -> None:
    sessions = bank.app.state.bank.sessions
    with bank.client() as c:
        bank_login(c)
        sessions.idle_timeout_s = 0.05
        try:
            time.sleep(0.1)  # idle time is the behaviour under test
            assert "Your session has expired" in c.get("/accounts").text
        finally:
            sessions.idle_timeout_s = 600.0


def test_logout(bank: Target, bank_login: Login) -> None:
    with bank.client() as c:
        bank_login(c)
        page = c.get("/logout")
        assert page.url.path == "/login" and "logged out" in page.text
        assert c.get("/accounts").url.path == "/login"


def test_alt_layout_changes_markup_not_function(bank: Target) -> None:
    bank.faults(alt_layout=True)
    with bank.client() as c:
        page = c.get("/login")
        assert 'class="auth-form"' in page.text and 'id="login-form"' not in page.text
        page = c.post("/login", data={"user_id": CREDENTIALS.bank_username,
                                      "passwd": CREDENTIALS.bank_password})
        assert 'name="security_code"' in page.text
        page = c.post("/login/mfa", data={"security_code": pyotp.TOTP(SEED).now()})
        assert page.url.path == "/accounts"
        assert 'class="account-card"' in page.text and "EUR 287,930.49" in page.text
        assert 'id="accounts-table"' not in page.text


def test_reset_restores_the_seed(bank: Target, bank_login: Login) -> None:
    with bank.client() as c:
        bank_login(c)
        c.get("/statements/download", params={"format": "csv"})
    assert bank.truth()["logins"] == 1 and len(bank.truth()["downloads"]) == 1
    bank.reset(extra_exact=2)
    truth = bank.truth()
    assert truth["logins"] == 0 and truth["downloads"] == []
    assert truth["accounts"][0]["entries"] == len(build_scenario(2).payments)
    bank.reset()
    assert bank.truth()["accounts"][0]["balance"] == str(build_scenario().closing_balance)

"""One signed-on session of the legacy ERP (the sandbox's, in real Chromium): it signs on
with a vault credential when first needed, notices a session the ERP expired, signs on
again and repeats the work; the password reaches no step or file of the run; a refused
login is a configuration error naming the credential, not retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from bots.credit import BOT
from bots.runtime import MemorySink, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.signon import SignedOnSession, SignOnForm
from bots.runtime.vault import Vault
from sandbox.erp.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

pytestmark = pytest.mark.browser
FORM = SignOnForm("/ar/login.do", expired_at="/login.do")


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_LEGACY_ERP_URL", url)
        yield url


def _vault(tmp_path: Path, password: str) -> Vault:
    vault = Vault(tmp_path / "vault.enc", Fernet.generate_key())
    vault.set("legacy_erp/credit", {"username": CREDENTIALS.credit_username,
                                    "password": password})
    return vault


def _business_date(erp: SignedOnSession) -> str:
    erp.app.open("/ar/heldorders.do")
    erp.check()
    return erp.app.text("orders.business_date")


def test_an_expired_session_signs_on_again_and_repeats_the_work(
        erp_url: str, tmp_path: Path) -> None:
    httpx.post(f"{erp_url}/_sandbox/faults", json={"session_expiry_requests": 6},
               timeout=10).raise_for_status()
    sink = MemorySink()
    try:
        with RunContext("s1", tmp_path / "run", bot=BOT, step_sink=sink,
                        vault=_vault(tmp_path, CREDENTIALS.credit_password)) as ctx:
            erp = SignedOnSession(ctx, "legacy_erp", "legacy_erp/credit", FORM)
            days = [erp.work(lambda: _business_date(erp)) for _ in range(8)]
    finally:
        httpx.post(f"{erp_url}/_sandbox/faults", json={"clear": True}, timeout=10)
    assert days == ["2026-11-20"] * 8
    sign_ons = [s for s in sink.steps if s.get("action") == "click"
                and s.get("selector") == "login.submit"]
    assert len(sign_ons) >= 2  # the first page, and again after the ERP expired the session
    # each sign-on is one step of its own around the form's steps, in the run's timeline
    whole = [s for s in sink.steps if s.get("action") == "sign_on"]
    assert len(whole) == len(sign_ons) and all(
        s["app"] == "legacy_erp" and s["data"] == {"credential": "legacy_erp/credit"}
        and s["outcome"] == "ok" for s in whole)
    recorded = json.dumps(sink.steps, default=str)
    assert CREDENTIALS.credit_password not in recorded
    assert all(CREDENTIALS.credit_password.encode() not in p.read_bytes()
               for p in (tmp_path / "run").rglob("*") if p.is_file())


def test_a_refused_login_names_the_credential_and_is_not_retried(
        erp_url: str, tmp_path: Path) -> None:
    sink = MemorySink()
    with RunContext("s2", tmp_path / "run", bot=BOT, step_sink=sink,
                    vault=_vault(tmp_path, "not the password")) as ctx:
        erp = SignedOnSession(ctx, "legacy_erp", "legacy_erp/credit", FORM)
        with pytest.raises(ConfigError, match="legacy_erp/credit"):
            erp.work(lambda: _business_date(erp))
    assert sum(s.get("selector") == "login.submit" for s in sink.steps) == 1

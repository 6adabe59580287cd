"""Billing-portal sandbox over HTTP: the JSON API behind the single-page app."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.portal.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

LOGIN = {"username": CREDENTIALS.portal_username, "password": CREDENTIALS.portal_password}


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        app = create_app(tmp_path_factory.mktemp("portal") / "portal.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture
def portal(portal_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        client.post("/_sandbox/faults", json={"clear": True}).raise_for_status()
        assert client.post("/api/login", json=LOGIN).json() == {"user": "billing.bot"}
        yield client


def test_login_required(portal_url: str) -> None:
    with httpx.Client(base_url=portal_url) as client:
        assert client.get("/api/invoices").status_code == 401
        assert client.post("/api/login", json={**LOGIN, "password": "x"}).status_code == 401
        shell = client.get("/")
        assert shell.status_code == 200 and "/static/portal-core.js" in shell.text
        assert client.get("/static/portal-views.js").status_code == 200


def test_search_by_number_customer_status(portal: httpx.Client) -> None:
    one = portal.get("/api/invoices", params={"number": "INV-2026-1001"}).json()
    assert [i["invoice_number"] for i in one["invoices"]] == ["INV-2026-1001"]
    castellan = portal.get("/api/invoices", params={"customer": "castellan"}).json()
    assert castellan["count"] == 5  # 4 of the day's statement, INV-2026-2006 of the claims
    # 21 of the statement and 7 of the claims are open, 2 of the claims paid
    assert portal.get("/api/invoices", params={"status": "open"}).json()["count"] == 28
    assert portal.get("/api/invoices", params={"status": "paid"}).json()["count"] == 2


def test_status_change_needs_a_note(portal: httpx.Client) -> None:
    url = "/api/invoices/INV-2026-1001/status"
    r = portal.post(url, json={"status": "paid", "note": "  "})
    assert r.status_code == 400 and r.json()["error"] == "note_required"
    assert portal.post(url, json={"status": "settled", "note": "x"}).status_code == 400
    r = portal.post(url, json={"status": "paid", "note": "Cash posted CR-2026-000101"})
    assert r.status_code == 200 and r.json()["status"] == "paid"
    detail = portal.get("/api/invoices/INV-2026-1001").json()
    assert detail["notes"][-1]["text"] == "Cash posted CR-2026-000101"
    assert detail["notes"][-1]["author"] == "billing.bot"
    truth = portal.get("/_sandbox/truth").json()
    inv = next(i for i in truth["invoices"] if i["invoice_number"] == "INV-2026-1001")
    assert inv["status"] == "paid" and len(inv["notes"]) == 2
    assert portal.get("/api/invoices/INV-2026-0000").status_code == 404


def test_session_expiry(portal: httpx.Client) -> None:
    portal.post("/_sandbox/faults", json={"session_expiry_requests": 1})
    assert portal.get("/api/me").status_code == 200
    r = portal.get("/api/invoices")
    assert r.status_code == 401 and r.json()["error"] == "session_expired"


def test_alt_layout_flag_reaches_the_shell(portal: httpx.Client) -> None:
    assert 'data-layout="classic"' in portal.get("/").text
    portal.post("/_sandbox/faults", json={"alt_layout": True})
    assert 'data-layout="alt"' in portal.get("/").text


def test_reset_with_extra_exact(portal: httpx.Client) -> None:
    portal.post("/_sandbox/reset", json={"extra_exact": 2})
    truth = portal.get("/_sandbox/truth").json()
    assert truth["extra_exact"] == 2 and len(truth["invoices"]) == 23 + 9  # 9 of the claims

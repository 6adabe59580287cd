"""The ground-truth check against live ERP and portal sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest

from sandbox.check import run_check
from sandbox.erp.app import create_app as create_erp
from sandbox.portal.app import create_app as create_portal
from sandbox.scenario import CREDENTIALS, Payment, Scenario, build_scenario
from sandbox.serve import serve_app


@dataclass
class Targets:
    erp: httpx.Client
    portal: httpx.Client

    def check(self, scenario: Scenario | None = None) -> list[str]:
        return run_check("", str(self.erp.base_url), str(self.portal.base_url), scenario)


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("check")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        erp, portal = create_erp(tmp / "erp.db", build_scenario()), create_portal(
            tmp / "portal.db", build_scenario())
    with serve_app(erp) as erp_url, serve_app(portal) as portal_url:
        yield erp_url, portal_url


@pytest.fixture
def targets(urls: tuple[str, str]) -> Iterator[Targets]:
    with httpx.Client(base_url=urls[0]) as erp, httpx.Client(base_url=urls[1]) as portal:
        for client in (erp, portal):
            client.post("/_sandbox/reset").raise_for_status()
        erp.post("/ar/login.do", data={"userid": CREDENTIALS.erp_username,
                                       "password": CREDENTIALS.erp_password})
        portal.post("/api/login", json={"username": CREDENTIALS.portal_username,
                                        "password": CREDENTIALS.portal_password})
        yield Targets(erp, portal)


def post(t: Targets, scenario: Scenario, p: Payment) -> None:
    """Post a payment's expected cash receipt through the ERP's form."""
    e = p.expected_posting
    assert e is not None
    per_invoice: dict[str, list[object]] = {}
    for inv, amount in e.allocations:
        per_invoice[inv] = [amount, Decimal("0.00"), "NONE"]
    for reason, pairs in (("BANK_CHARGES", e.write_offs), ("CASH_DISCOUNT", e.discounts)):
        for inv, amount in pairs:
            per_invoice[inv][1:] = [amount, reason]
    form = {"custId": scenario.invoice(e.allocations[0][0]).customer_id,
            "valueDate": "20.11.2026", "bankRef": p.bank_reference, "pmtAmount": str(p.amount)}
    for n, (inv, (applied, diff, reason)) in enumerate(per_invoice.items(), start=1):
        form |= {f"inv{n}": inv, f"amt{n}": str(applied), f"diff{n}": str(diff),
                 f"reason{n}": str(reason)}
    r = t.erp.post("/ar/cashreceipt.do", data=form)
    assert "Cash Receipt Posted" in r.text, r.text


def apply_expected(t: Targets, scenario: Scenario, skip: str = "") -> None:
    for p in scenario.payments:
        if p.expected_posting and p.key != skip:
            post(t, scenario, p)
    for inv, status in scenario.expected_statuses().items():
        if status != "open" and not (skip and inv in _invoices_of(scenario, skip)):
            r = t.portal.post(f"/api/invoices/{inv}/status", json={"status": status, "note": "x"})
            r.raise_for_status()


def _invoices_of(scenario: Scenario, key: str) -> set[str]:
    p = next(p for p in scenario.payments if p.key == key)
    return {inv for inv, _ in p.expected_posting.allocations} if p.expected_posting else set()


def test_clean_after_expected_outcome(targets: Targets) -> None:
    assert len(targets.check()) > 0  # nothing done yet: every posting is missing
    apply_expected(targets, build_scenario())
    assert targets.check() == []


def test_reports_double_posting_and_wrong_status(targets: Targets) -> None:
    scenario = build_scenario()
    apply_expected(targets, scenario)
    targets.erp.post("/ar/cashreceipt.do", data={
        "custId": "C1002", "valueDate": "20.11.2026", "bankRef": "NWB2026112000002",
        "pmtAmount": "800.00", "inv1": "INV-2026-1014", "amt1": "800.00"})
    targets.portal.post("/api/invoices/INV-2026-1012/status",
                        json={"status": "paid", "note": "wrong"}).raise_for_status()
    problems = targets.check()
    double = [x for x in problems if x.startswith("NWB2026112000002 (P02): posted 2 times")]
    assert len(double) == 1 and double[0].endswith("expected once")
    assert "INV-2026-1014: open amount 0.00 in the ERP, expected 800.00" in problems
    assert "INV-2026-1012: portal status paid, expected open" in problems


def test_reports_missing_unexpected_and_unknown_postings(targets: Targets) -> None:
    scenario = build_scenario()
    apply_expected(targets, scenario, skip="P09")
    targets.erp.post("/ar/cashreceipt.do", data={
        "custId": "C1006", "valueDate": "20.11.2026", "bankRef": "NWB2026112000007",
        "pmtAmount": "2000.00", "inv1": "INV-2026-1010", "amt1": "2000.00"})
    problems = targets.check()
    assert any(x.startswith("NWB2026112000009 (P09): not posted, expected INV-2026-1013 4000.00")
               for x in problems)
    assert any(x.startswith("NWB2026112000007 (P07): posted 1 time(s)")
               and "expected no posting (exception AMBIGUOUS)" in x for x in problems)
    assert "INV-2026-1013: portal status open, expected partially_paid" in problems


def test_reports_wrong_lines_and_unknown_reference(targets: Targets) -> None:
    scenario = build_scenario()
    apply_expected(targets, scenario, skip="P13")
    targets.erp.post("/ar/cashreceipt.do", data={
        "custId": "C1004", "valueDate": "20.11.2026", "bankRef": "NWB2026112000013",
        "pmtAmount": "1799.20", "inv1": "INV-2026-1015", "amt1": "1799.20"})
    targets.erp.post("/ar/cashreceipt.do", data={
        "custId": "C1001", "valueDate": "20.11.2026", "bankRef": "MANUAL-1",
        "pmtAmount": "1.00", "inv1": "INV-2026-1013", "amt1": "1.00"})
    problems = targets.check(scenario)
    assert any("P13): posted INV-2026-1015 1799.20 (CR-" in x
               and x.endswith("expected INV-2026-1015 1799.20 + write-off 0.80")
               for x in problems)
    assert any(x.startswith("MANUAL-1: posted (CR-") for x in problems)


def test_scenario_rebuilt_from_extra_exact(targets: Targets) -> None:
    for client in (targets.erp, targets.portal):
        client.post("/_sandbox/reset", json={"extra_exact": 2}).raise_for_status()
    targets.erp.post("/ar/login.do", data={"userid": CREDENTIALS.erp_username,
                                           "password": CREDENTIALS.erp_password})
    scenario = build_scenario(extra_exact=2)
    apply_expected(targets, scenario)
    assert targets.check() == []

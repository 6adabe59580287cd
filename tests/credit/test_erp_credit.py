"""The ERP's credit pages: held orders, an order's credit data, Release and Reject asking
for a reason and recording who, the approver and when; the ground truth and the check."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from creditharness import Erp

from sandbox.check import compare_credit


@pytest.fixture
def erp(credit_erp: Erp) -> Iterator[httpx.Client]:
    credit_erp.reset()
    client = credit_erp.client()
    try:
        yield client
    finally:
        client.close()


def test_pages_need_a_login(credit_erp: Erp) -> None:
    credit_erp.reset()
    with httpx.Client(base_url=credit_erp.url, timeout=10) as anonymous:
        for path in ("/ar/heldorders.do", "/ar/salesorder.do?order=SO-2026-5001"):
            assert anonymous.get(path).headers["location"].startswith("/ar/login.do")
        refused = anonymous.post("/ar/salesorder.do", data={
            "order": "SO-2026-5001", "action": "release", "reason": "x"})
        assert refused.status_code == 302
    assert credit_erp.orders()["SO-2026-5001"]["credit_status"] == "on credit hold"


def test_held_orders_and_an_order_with_its_customers_credit(erp: httpx.Client) -> None:
    held = erp.get("/ar/heldorders.do").text
    assert held.count("on credit hold") == 7 and "SO-2026-5008" not in held
    assert 'id="businessDate">2026-11-20<' in held
    every = erp.get("/ar/heldorders.do", params={"customer": "C3006", "status": "all"}).text
    assert "SO-2026-5006" in every and "SO-2026-5008" in every and "released" in every
    page = erp.get("/ar/salesorder.do", params={"order": "SO-2026-5002"}).text
    for shown in ("6500.00", "over credit limit", "20000.00", ">B<", "No credit decisions."):
        assert shown in page, shown
    assert erp.get("/ar/salesorder.do", params={"order": "SO-NOPE"}).status_code == 404


def test_a_decision_needs_a_reason_and_records_who_and_when(erp: httpx.Client,
                                                              credit_erp: Erp) -> None:
    form = {"order": "SO-2026-5002", "action": "release", "approver": "Vera Lind"}
    assert "Reason: required." in erp.post("/ar/salesorder.do", data={**form, "reason": " "}).text
    too_long = erp.post("/ar/salesorder.do", data={**form, "reason": "x" * 501}).text
    assert "at most 500 characters" in too_long
    assert credit_erp.orders()["SO-2026-5002"]["decisions"] == []

    done = erp.post("/ar/salesorder.do", data={**form, "reason": "limit raised"}).text
    assert "Order SO-2026-5002 released." in done and "Vera Lind" in done
    again = erp.post("/ar/salesorder.do", data={**form, "reason": "again"}).text
    assert "is not on credit hold (released)" in again
    erp.post("/ar/salesorder.do", data={"order": "SO-2026-5003", "action": "reject",
                                        "reason": "45 days overdue", "approver": "Ana Ruiz"})
    orders = credit_erp.orders()
    [release] = orders["SO-2026-5002"]["decisions"]
    assert (release["action"], release["reason"], release["approver"], release["decided_by"]) \
        == ("release", "limit raised", "Vera Lind", "cashapp")
    assert release["decided_at"].endswith("+00:00")
    assert orders["SO-2026-5003"]["credit_status"] == "rejected"


def test_the_check_names_what_a_credit_run_got_wrong(erp: httpx.Client,
                                                      credit_erp: Erp) -> None:
    assert compare_credit(credit_erp.truth()) == []  # nothing decided: nothing to compare
    erp.post("/ar/salesorder.do", data={"order": "SO-2026-5004", "action": "release",
                                        "reason": "ok", "approver": ""})
    problems = compare_credit(credit_erp.truth())
    assert "SO-2026-5001: on credit hold, expected released by the credit policy" in \
        "\n".join(problems)
    assert "SO-2026-5004: release with 0 approver(s) named, expected 1" in problems

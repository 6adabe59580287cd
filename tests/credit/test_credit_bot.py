"""The credit bot against the real ERP sandbox, in Chromium, on a real store.

One module-scoped sequence of runs (each test builds on the one before):
the first run, under an ERP whose sessions expire every few requests, releases what the
credit policy allows with its rule as the reason and routes the rest to the right role;
a rerun changes nothing; people's decisions are carried out in the ERP with their reason
and approver, a release under dual control only after its second approval.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from creditharness import CreditHome, Erp

from bots.credit.review import BOT_APPROVER
from bots.runtime.errors import SelfApprovalError
from orchestrator.services.case_views import approval_out
from orchestrator.services.resolutions import resolve_case
from sandbox.check import compare_credit
from sandbox.erp.ext.credit import expected_credit

pytestmark = pytest.mark.browser

APPROVER = ["approver"]
EXPECTED_ROLE = {"analyst": "CREDIT_REVIEW_ANALYST", "manager": "CREDIT_REVIEW_MANAGER",
                 "two_approvers": "CREDIT_REVIEW_MANAGER"}


def cases(home: CreditHome) -> dict[str, Any]:
    return {c.reference: c for c in home.store.list_cases()}


def decisions(erp: Erp) -> dict[str, list[dict[str, Any]]]:
    return {n: o["decisions"] for n, o in erp.orders().items()}


@pytest.fixture(scope="module")
def first_run(credit_home: CreditHome, credit_erp: Erp) -> dict[str, Any]:
    credit_erp.faults(session_expiry_requests=12)  # signs on again many times in the run
    try:
        return credit_home.run()
    finally:
        credit_erp.faults(clear=True)


def test_policy_releases_in_the_erp_with_its_rule_and_routes_the_rest(
        first_run: dict[str, Any], credit_home: CreditHome, credit_erp: Erp) -> None:
    assert first_run["held"] == first_run["queued"] == 7
    run = credit_home.store.list_runs("credit")[-1]  # the oldest: the first run
    logins = [st for st in credit_home.store.list_steps(run.id)
              if st.selector == "login.submit"]
    assert len(logins) >= 2, "the ERP session expired during the run and the bot signed on again"
    orders = credit_erp.orders()
    expected = expected_credit()
    for number, outcome in expected.items():
        order = orders[number]
        if outcome == "auto_release":
            assert order["credit_status"] == "released", number
            [decision] = order["decisions"]  # once, although the session expired meanwhile
            assert decision["reason"].startswith("credit policy, risk class A: ")
            assert "within the limit" in decision["reason"]
            assert decision["approver"] == BOT_APPROVER
        else:
            assert order["credit_status"] == "on credit hold" and not order["decisions"]
    held = cases(credit_home)
    assert set(held) == {n for n, o in expected.items() if o != "auto_release"}
    for number, case in held.items():
        assert case.reason_code == EXPECTED_ROLE[expected[number]], number
        assert case.data["route_to"] == ("credit_analyst" if expected[number] == "analyst"
                                         else "credit_manager")
        assert case.data["decided_by_roles"][0] == case.data["route_to"]
        assert case.data["approvers_needed"] == (2 if expected[number] == "two_approvers"
                                                 else 0)
        assert case.rule and case.rule == case.data["failed_rules"][0]
        assert case.amount == Decimal(case.data["facts"]["amount"])
        assert [e for e in case.evidence if e.endswith(".png")], "the order page's screenshot"
    assert held["SO-2026-5002"].rule.startswith("exposure after release 22740.00 over the "
                                                "credit limit 20000.00")
    assert held["SO-2026-5003"].rule == "an item 45 days overdue (risk class B allows 10)"
    assert "1 open dispute(s)" in held["SO-2026-5002"].data["failed_rules"]
    assert held["SO-2026-5007"].data["facts"]["avg_days_late"] == "14.0"
    assert "paid 14.0 days late on average (risk class C allows under 5)" in \
        held["SO-2026-5007"].data["failed_rules"]
    assert compare_credit(credit_erp.truth()) == []


def test_a_rerun_changes_nothing(first_run: dict[str, Any], credit_home: CreditHome,
                                 credit_erp: Erp) -> None:
    before_erp, before_cases = decisions(credit_erp), len(credit_home.store.list_cases())
    again = credit_home.run()
    assert again["queued"] == 0 and again["reviewed"] == 0
    assert decisions(credit_erp) == before_erp
    assert len(credit_home.store.list_cases()) == before_cases


def test_people_decide_and_the_bot_carries_it_out(first_run: dict[str, Any],
                                                  credit_home: CreditHome,
                                                  credit_erp: Erp) -> None:
    store, held = credit_home.store, cases(credit_home)
    analyst = resolve_case(store, held["SO-2026-5002"].id, "ana", "release",
                           {"reason": "limit raise to 25,000 agreed by sales director"})
    assert analyst.approval is None and analyst.work_item is not None
    resolve_case(store, held["SO-2026-5003"].id, "ana", "reject",
                 {"reason": "45 days overdue, no payment plan"})
    with pytest.raises(ValueError, match="Reason: required"):
        resolve_case(store, held["SO-2026-5007"].id, "ana", "release", {"reason": " "})

    big = resolve_case(store, held["SO-2026-5005"].id, "ana", "release",
                       {"reason": "bank guarantee of 250,000 received"})
    assert big.approval is not None and big.work_item is None
    shown = approval_out(big.approval)
    assert (shown.approvals_needed, shown.approvals) == (2, [])
    with pytest.raises(SelfApprovalError):
        store.decide_approval(big.approval.id, "ana", APPROVER, True)
    first = store.decide_approval(big.approval.id, "vera", APPROVER, True, "guarantee seen")
    assert approval_out(first).approvals[0]["by"] == "vera" and first.status == "pending"
    with pytest.raises(SelfApprovalError):
        store.decide_approval(big.approval.id, "vera", APPROVER, True)

    done = credit_home.run()
    assert done["carried_out"] == 2
    orders = credit_erp.orders()
    assert orders["SO-2026-5002"]["credit_status"] == "released"
    [release] = orders["SO-2026-5002"]["decisions"]
    assert release["approver"] == "ana"
    assert release["reason"].startswith("limit raise to 25,000 agreed by sales director")
    assert orders["SO-2026-5003"]["credit_status"] == "rejected"
    assert orders["SO-2026-5005"]["credit_status"] == "on credit hold"  # one approval of two
    assert store.get_case(held["SO-2026-5002"].id).status == "resolved"

    store.decide_approval(big.approval.id, "max", APPROVER, True)
    assert credit_erp.orders()["SO-2026-5005"]["credit_status"] == "on credit hold"
    credit_home.run()
    [release] = credit_erp.orders()["SO-2026-5005"]["decisions"]
    assert release["action"] == "release" and release["approver"] == "vera, max"
    assert "bank guarantee of 250,000 received" in release["reason"]
    assert store.get_case(held["SO-2026-5005"].id).status == "resolved"
    assert compare_credit(credit_erp.truth()) == []

    before = decisions(credit_erp)
    credit_home.run()  # nothing left to do: nothing decided twice
    assert decisions(credit_erp) == before

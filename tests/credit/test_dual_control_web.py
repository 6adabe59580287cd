"""Dual control through the API and the approvals page (the real app, TestClient, bearer
tokens): a credit release above the second threshold waits for two approvers, the page
shows 1 of 2, the requester and a second approval by the same person are refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

PEOPLE = {"ana": ["credit_manager"], "bea": ["credit_analyst"], "vera": ["approver"],
          "max": ["credit_manager"]}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Store, dict[str, TestClient]]]:
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    store.approval_threshold = Decimal("100.00")
    app = create_app(store)
    app.state.runs_dir = tmp_path / "runs"
    clients = {}
    for name, roles in PEOPLE.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients
    store.close()


def credit_case(store: Store, order: str, amount: str, approvers: int,
                deciders: tuple[str, ...] = ("credit_manager",)) -> int:
    """A credit case as the credit bot opens it (its item failed for a person)."""
    queue = f"credit-review-{order}"
    store.ensure_queue(queue)
    run = store.start_run("credit", {}, "host", 1)
    item = store.add_item(queue, order, {"order": order, "customer_id": "C3005"})
    assert item is not None and store.claim_item(queue, "robot", run_id=run.id)
    store.fail_item(item.id, "business", "CREDIT_REVIEW_MANAGER", "over credit limit")
    case = store.open_case(
        run.id, item.id, order, "CREDIT_REVIEW_MANAGER", "over credit limit",
        data={"facts": {"order": order, "amount": amount}, "approvers_needed": approvers,
              "route_to": deciders[0], "decided_by_roles": list(deciders),
              "failure_kind": "business"},
        amount=Decimal(amount), customer_id="C3005")
    assert case.id is not None
    return case.id


def test_two_approvers_through_the_api_and_the_page(
        world: tuple[Store, dict[str, TestClient]]) -> None:
    store, people = world
    case_id = credit_case(store, "SO-2026-5005", "240000.00", approvers=2)
    shown = people["ana"].get(f"/cases/{case_id}")
    assert shown.status_code == 200
    for text in ("Held order for a credit manager", "Release the order", "Reject the order",
                 "credit_manager"):
        assert text in shown.text, text
    assert "that many approvers other than you must approve" in shown.text
    seen_by_analyst = people["bea"].get(f"/cases/{case_id}").text
    assert "Routed to credit manager: only they decide this case." in seen_by_analyst
    assert f'action="/cases/{case_id}/resolve/release"' not in seen_by_analyst
    analyst = people["bea"].post(f"/api/v1/cases/{case_id}/resolutions/release",
                                 json={"reason": "bank guarantee received"})
    assert analyst.status_code == 403 and "routed to credit_manager" in analyst.text
    asked = people["ana"].post(f"/api/v1/cases/{case_id}/resolutions/release",
                               json={"reason": "bank guarantee received"})
    assert asked.status_code == 200, asked.text
    approval = asked.json()["approval"]
    assert (approval["kind"], approval["approvals_needed"], approval["approvals"]) == \
        ("credit_release", 2, [])

    decide = f"/api/v1/approvals/{approval['id']}/decide"
    first = people["vera"].post(decide, json={"approve": True, "note": "guarantee seen"})
    assert first.status_code == 200 and first.json()["status"] == "pending"
    assert [g["by"] for g in first.json()["approvals"]] == ["vera"]
    twice = people["vera"].post(decide, json={"approve": True})
    assert twice.status_code == 403 and "already approved" in twice.json()["detail"]

    page = people["max"].get("/approvals")
    assert page.status_code == 200
    assert "1 of 2 approvals: vera" in page.text
    assert "you approved" in people["vera"].get("/approvals").text
    assert store.get_case(case_id).status == "awaiting_approval"

    second = people["max"].post(decide, json={"approve": True})
    assert second.status_code == 200 and second.json()["status"] == "approved"
    assert "vera, max" in people["ana"].get("/approvals").text  # both, among the decided
    case = people["ana"].get(f"/api/v1/cases/{case_id}").json()
    assert case["status"] == "awaiting_posting"


def test_an_analyst_decides_small_ones_without_approval(
        world: tuple[Store, dict[str, TestClient]]) -> None:
    store, people = world
    case_id = credit_case(store, "SO-2026-5002", "6500.00", approvers=0,
                          deciders=("credit_analyst", "credit_manager"))
    done = people["bea"].post(f"/api/v1/cases/{case_id}/resolutions/release",
                              json={"reason": "limit raise agreed"})
    assert done.status_code == 200 and done.json()["approval"] is None
    assert done.json()["case"]["status"] == "awaiting_posting"

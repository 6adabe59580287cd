"""What the credit bot leaves for the customer page: each reviewed customer's credit status
(limit, exposure, orders on hold) and the holds, releases and rejections as finance events,
once each, with who decided."""

from __future__ import annotations

from typing import Any

import pytest
from creditharness import CreditHome, Erp

from bots.runtime.finance_events import FINANCE_EVENT
from orchestrator.services.customers import customer_view
from orchestrator.services.resolutions import resolve_case
from sandbox.erp.ext.credit import expected_credit

pytestmark = pytest.mark.browser


def events(home: CreditHome, type_: str) -> dict[str, Any]:
    return {r.key.split(":", 1)[1]: r for r in home.store.find_records(FINANCE_EVENT)
            if r.data["type"] == type_}


def test_holds_releases_and_rejections_reach_the_customer_page(credit_home: CreditHome,
                                                               credit_erp: Erp) -> None:
    credit_home.run()
    expected = expected_credit()
    orders = credit_erp.orders()
    holds, released = events(credit_home, "credit_hold_set"), events(credit_home,
                                                                     "credit_released")
    assert set(holds) == set(expected)  # every reviewed order was on hold
    assert set(released) == {n for n, o in expected.items() if o == "auto_release"}
    assert "by the credit policy" in released[next(iter(released))].data["summary"]
    held = {n for n, o in expected.items() if o != "auto_release"}
    customer = orders["SO-2026-5002"]["customer_id"]
    status = credit_home.store.get_record("credit_status", customer)
    assert status is not None and "SO-2026-5002" in [o["order"] for o in
                                                     status.data["held_orders"]]
    assert status.data["limit"] == "20000.00" and status.data["exposure"] == "22740.00"
    assert all(o["order"] in held for o in status.data["held_orders"])

    before = len(credit_home.store.find_records(FINANCE_EVENT))
    credit_home.run()  # a rerun records nothing twice
    assert len(credit_home.store.find_records(FINANCE_EVENT)) == before

    cases = {c.reference: c for c in credit_home.store.list_cases()}
    resolve_case(credit_home.store, cases["SO-2026-5002"].id, "ana", "release",
                 {"reason": "limit raise agreed"})
    resolve_case(credit_home.store, cases["SO-2026-5003"].id, "ana", "reject",
                 {"reason": "45 days overdue"})
    credit_home.run()
    assert credit_erp.orders()["SO-2026-5002"]["credit_status"] == "released"
    released = events(credit_home, "credit_released")["SO-2026-5002"]
    assert "decided by ana" in released.data["summary"]
    assert released.data["case_id"] == cases["SO-2026-5002"].id
    rejected = events(credit_home, "credit_rejected")["SO-2026-5003"]
    assert "45 days overdue" in rejected.data["summary"]
    view = customer_view(credit_home.store, customer)
    assert view.credit is not None
    assert "SO-2026-5002" not in [o["order"] for o in view.credit["held_orders"]]
    assert any(e.type == "credit_released" for e in view.timeline.events)

"""The finance figures equal what the seeded history says, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from history import APPROVER, expected, make_history, write_history

from orchestrator.auth.principal import Principal
from orchestrator.services.finance_dashboard import finance_figures
from orchestrator.services.waiting import waiting_for
from orchestrator.store import Store, utcnow


def test_finance_figures_equal_the_seeded_history(store: Store) -> None:
    history = make_history(utcnow())
    write_history(store, history)
    want = expected(history)
    fig = finance_figures(store, history.now)

    assert {r.currency: r.amount for r in fig.cash_applied_today} == want.cash_today
    assert {r.currency: r.amount for r in fig.cash_applied_month} == want.cash_month
    assert {r.currency: r.amount for r in fig.on_account_month} == want.on_account_month
    assert fig.unapplied_waiting.amount == want.unapplied
    for p in fig.processes:
        finished, stp = want.stp.get(p.process, (0, 0))
        assert (p.items_finished, p.items_straight_through) == (finished, stp), p.process
        assert p.past_sla == want.past_sla.get(p.process, 0), p.process
        assert (p.cases_resolved, p.manual_touches) == want.touches.get(p.process, (0, 0))
        assert p.reopened == want.reopened.get(p.process, 0), p.process
    assert {p.process for p in fig.processes if p.items_finished} == set(want.stp)
    got = {(r.reason, b): (cell.count, cell.amount) for r in fig.exceptions
           for b, cell in r.buckets.items() if cell.count}
    assert got == want.exceptions
    assert fig.exceptions_amount == sum((a for _, a in want.exceptions.values()), Decimal(0))
    assert fig.approvals.decided == want.approvals_decided
    assert fig.approvals.median_seconds == pytest.approx(want.approval_median)
    assert fig.approvals.p90_seconds == pytest.approx(want.approval_p90)
    assert fig.approvals.pending == want.approvals_pending
    assert fig.leakage is not None and fig.leakage.total == Decimal("1234.56")
    assert fig.leakage.by_cause == {"price_below_contract": Decimal("1000.00"),
                                    "missing_line": Decimal("234.56")}
    assert len(fig.trend) == 30 and fig.trend[-1].day == history.now.date()
    assert sum(d.cash_applied for d in fig.trend) == sum(
        e.amount for e in history.events if e.type == "payment_applied"
        and e.currency == fig.currency and e.occurred_at.date() >= fig.trend[0].day)


def test_waiting_for_the_approver_are_the_approvals_they_may_decide(store: Store) -> None:
    history = make_history(utcnow())
    write_history(store, history)
    want = expected(history)
    assert want.approvals_for_approver == 4
    approver = Principal.of(APPROVER, ["approver"])
    waiting = waiting_for(store, approver)
    assert waiting.approvals_waiting == 4
    assert [a.amount for a in waiting.approvals] == [Decimal("550.00"), Decimal("450.00"),
                                                     Decimal("350.00"), Decimal("250.00")]
    # the credit case routed to credit managers waits for a credit manager, not for them
    manager = waiting_for(store, Principal.of("carla", ["credit_manager"]))
    # the four, the approver's own request, the dual-control one and the routed one
    assert manager.approvals_waiting == 4 + 1 + 1 + 1
    reviewer = waiting_for(store, Principal.of("finance_reviewer", ["finance_reviewer"]))
    assert reviewer.approvals_waiting == 0 and reviewer.cases_assigned == 3

"""Learned rules in the store, on SQLite and PostgreSQL: kept per bot, listed, withdrawn
once and audited; the SDK sees a withdrawal at once through the store backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.runtime import Bot, RunContext
from bots.runtime.errors import NotFoundError
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

IBAN = "IE29AIBK93115212345678"


def test_learn_list_withdraw_audited(store: Store) -> None:
    rule = store.learn_rule("payment-posting", "payer_iban", IBAN, {"customer_id": "C1007"},
                            source_case=4, created_by="fiona",
                            evidence={"says": f"account {IBAN} pays for C1007"})
    same = store.learn_rule("payment-posting", "payer_iban", IBAN, {"customer_id": "C1007"},
                            source_case=8, created_by="otto")
    other = store.learn_rule("payment-posting", "payer_iban", IBAN, {"customer_id": "C1001"},
                             source_case=9, created_by="otto")
    assert same.id == rule.id and same.source_case == 4
    assert [r.id for r in store.list_learned("payment-posting")] == [rule.id, other.id]
    assert store.list_learned("another-bot") == []

    withdrawn = store.withdraw_learned(rule.id or 0, "arthur")
    again = store.withdraw_learned(rule.id or 0, "mallory")

    assert withdrawn.withdrawn_by == again.withdrawn_by == "arthur"
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_at.tzinfo is not None
    assert [r.id for r in store.list_learned("payment-posting")] == [other.id]
    assert len(store.list_learned("payment-posting", include_withdrawn=True)) == 2
    actions = [(a.actor, a.action, a.target) for a in store.list_audit(action=None)
               if a.action.startswith("learned.")]
    assert ("arthur", "learned.withdraw", f"learned:{rule.id}") in actions
    assert ("bot:payment-posting", "learned.create", f"learned:{rule.id}") in actions
    assert sum(a[1] == "learned.withdraw" for a in actions) == 1
    with pytest.raises(NotFoundError):
        store.withdraw_learned(999999, "arthur")


def test_run_context_reads_withdrawals_at_once(store: Store, tmp_path: Path) -> None:
    backend = StoreBackend(store, "payment-posting")
    bot = Bot(name="payment-posting", version="1")
    with RunContext(1, tmp_path, bot=bot, backend=backend) as ctx:
        rule = ctx.learned.learn("payer_iban", IBAN, {"customer_id": "C1007"},
                                 source_case=4, created_by="fiona")
        assert rule.created_at.tzinfo is not None
        assert ctx.learned.active(rule.id)
        store.withdraw_learned(rule.id, "arthur")  # from the page, while the run goes on
        assert not ctx.learned.active(rule.id)
        assert ctx.learned.rules() == []

"""``ctx.learned`` on the in-memory backend: learn, list, withdraw; read fresh every time."""

from __future__ import annotations

import pytest

from bots.runtime import Bot, Learned, MemoryBackend, RunContext
from bots.runtime.errors import ConfigError, NotFoundError


def _ctx(tmp_path: object, backend: MemoryBackend, name: str = "poster") -> RunContext:
    return RunContext(1, tmp_path, bot=Bot(name=name, version="1"), backend=backend)  # type: ignore[arg-type]


def test_learn_list_withdraw(tmp_path: object) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend) as ctx:
        rule = ctx.learned.learn("payer_iban", "IE29AIBK93115212345678",
                                 {"customer_id": "C1007"}, source_case=4, created_by="fiona",
                                 evidence={"invoices": ["INV-2026-1020"]})
        again = ctx.learned.learn("payer_iban", "IE29AIBK93115212345678",
                                  {"customer_id": "C1007"}, source_case=9, created_by="otto")
        assert again.id == rule.id and again.source_case == 4  # the first origin is kept
        assert rule.origin == "learned from case 4 (fiona)"
        assert [r.id for r in ctx.learned.rules("payer_iban")] == [rule.id]
        assert ctx.learned.rules("reference_pattern") == []
        assert ctx.learned.active(rule.id)

        withdrawn = backend.withdraw_learned(rule.id, "arthur")

        assert withdrawn.withdrawn_by == "arthur" and not withdrawn.active
        assert ctx.learned.rules() == []  # no cache: gone at once
        assert not ctx.learned.active(rule.id)
        assert backend.withdraw_learned(rule.id, "someone").withdrawn_by == "arthur"
        assert [r.id for r in backend.list_learned(include_withdrawn=True)] == [rule.id]
        fresh = ctx.learned.learn("payer_iban", "IE29AIBK93115212345678",
                                  {"customer_id": "C1007"}, source_case=11, created_by="fiona")
        assert fresh.id != rule.id and fresh.active


def test_rules_belong_to_their_bot(tmp_path: object) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend, "poster") as ctx:
        rule = ctx.learned.learn("k", "key", {"v": 1}, source_case=None, created_by="fiona")
    with _ctx(tmp_path, backend, "other") as other:
        assert other.learned.rules() == []
        assert not other.learned.active(rule.id)


def test_bad_input_is_refused(tmp_path: object) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend) as ctx:
        with pytest.raises(ValueError, match="kind and a key"):
            ctx.learned.learn("", "x", {}, source_case=1, created_by="fiona")
        with pytest.raises(ValueError, match="at most"):
            ctx.learned.learn("k", "x" * 500, {}, source_case=1, created_by="fiona")
    with pytest.raises(NotFoundError):
        backend.withdraw_learned(99, "arthur")
    with pytest.raises(ConfigError, match="keeps no learned rules"):
        Learned(object(), "poster")

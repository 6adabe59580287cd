"""What a bot learned from people's decisions (``ctx.learned``), and the right to take it back.

A person clears an exception a bot could not decide; the bot remembers what made the
decision possible as a :class:`LearnedRule`: a ``kind`` (the bot's own vocabulary, e.g.
``payer_iban``), a ``key`` (what to recognise, e.g. the IBAN), a ``value`` (what it means,
e.g. the customer) and where it came from (the case, the person). The bot uses active rules
on later items and cites them ("learned from case 12"); a person with the right role
withdraws a rule on the orchestrator's page or API, and the bot stops using it at once::

    for rule in ctx.learned.rules("payer_iban"):    # read fresh on every call
        ...
    ctx.learned.learn("payer_iban", iban, {"customer_id": "C1007"},
                      source_case=case_id, created_by="fiona", evidence={...})
    if not ctx.learned.active(rule_id): ...        # withdrawn meanwhile

Rules are never cached: :meth:`Learned.rules` and :meth:`Learned.active` ask the backend
(the orchestrator's store, or :class:`~bots.runtime.memory.MemoryBackend`) every time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from bots.runtime.errors import ConfigError

__all__ = ["Learned", "LearnedBackend", "LearnedRule"]

#: longest key and kind kept (an IBAN, a customer id, a pattern's anchor word)
MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class LearnedRule:
    """One thing a bot learned from a person's decision."""

    id: int
    bot: str
    kind: str
    key: str
    value: dict[str, Any]
    source_case: int | None
    created_by: str
    created_at: dt.datetime
    evidence: dict[str, Any] = field(default_factory=dict)  # the decision it came from
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def origin(self) -> str:
        """How a decision cites it: ``learned from case 12 (fiona)``."""
        where = f"case {self.source_case}" if self.source_case is not None else "a person"
        return f"learned from {where} ({self.created_by})"


@runtime_checkable
class LearnedBackend(Protocol):
    """Where learned rules live (the orchestrator's store, or memory)."""

    def learn_rule(self, bot: str, kind: str, key: str, value: Mapping[str, Any], *,
                   source_case: int | None, created_by: str,
                   evidence: Mapping[str, Any] | None = None) -> LearnedRule:
        """Store a rule; an active rule with the same bot, kind, key and value is returned
        as it is (learning the same thing twice keeps the first origin)."""
        ...

    def list_learned(self, bot: str | None = None, *, kind: str | None = None,
                     include_withdrawn: bool = False) -> list[LearnedRule]:
        """Rules, oldest first; active ones only unless ``include_withdrawn``."""
        ...

    def get_learned(self, rule_id: int) -> LearnedRule | None: ...

    def withdraw_learned(self, rule_id: int, by: str) -> LearnedRule:
        """Withdraw the rule (NotFoundError when there is none); withdrawing twice keeps
        the first withdrawal."""
        ...


class Learned:
    """``ctx.learned``: one bot's learned rules."""

    def __init__(self, backend: object, bot: str) -> None:
        if not isinstance(backend, LearnedBackend):
            raise ConfigError(f"the run's backend {type(backend).__name__} keeps no learned "
                              "rules")
        self.backend: LearnedBackend = backend
        self.bot = bot

    def __repr__(self) -> str:
        return f"Learned({self.bot!r})"

    def rules(self, kind: str | None = None) -> list[LearnedRule]:
        """The bot's active rules (of ``kind``), read from the backend now."""
        return self.backend.list_learned(self.bot, kind=kind)

    def learn(self, kind: str, key: str, value: Mapping[str, Any], *,
              source_case: int | None, created_by: str,
              evidence: Mapping[str, Any] | None = None) -> LearnedRule:
        kind, key = str(kind).strip(), str(key).strip()
        if not kind or not key:
            raise ValueError("a learned rule needs a kind and a key")
        if len(kind) > MAX_KEY or len(key) > MAX_KEY:
            raise ValueError(f"a learned rule's kind and key are at most {MAX_KEY} characters")
        return self.backend.learn_rule(self.bot, kind, key, dict(value),
                                       source_case=source_case, created_by=created_by,
                                       evidence=dict(evidence or {}))

    def active(self, rule_id: int) -> bool:
        """Whether the rule exists and is not withdrawn (asked of the backend now)."""
        rule = self.backend.get_learned(int(rule_id))
        return rule is not None and rule.active and rule.bot == self.bot

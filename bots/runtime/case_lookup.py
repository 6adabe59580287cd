"""Read-only lookup of exception cases by any bot (``ctx.cases``).

A bot sometimes must know what another bot left to people: the collections bot never
reminds a customer whose payment sits in an open case of the payment-posting bot::

    for case in ctx.cases.find(bot="payment-posting", status="open", customer_id="C1006"):
        ...  # case.reason_code, case.amount, case.data["payload"]["entry"]["amount"]

``status="open"`` means not yet settled: open, in progress, awaiting approval or awaiting
the bot's posting; any other value is one exact status. ``where`` narrows by fields of the
case's data, as dotted paths (``{"payload.customer_id": "C1006"}``), compared as text.
Each lookup is a recorded step. Nothing here changes a case: a bot changes its own
cases with ``ctx.cases.update`` and ``close`` (:mod:`bots.runtime.case_updates`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from bots.runtime.errors import ConfigError
from bots.runtime.steps import StepRecorder

__all__ = ["UNSETTLED", "CaseFinder", "CaseLookup", "CaseView", "data_matches"]

#: the statuses ``status="open"`` stands for: a person or a bot has not finished the case
UNSETTLED = ("open", "in_progress", "awaiting_approval", "awaiting_posting")
#: most cases one lookup returns
MAX_CASES = 500


@dataclass(frozen=True, slots=True)
class CaseView:
    """What a bot may read of a case (a copy: changing it changes nothing stored)."""

    id: int
    bot: str | None
    reference: str
    reason_code: str
    status: str
    customer_id: str | None
    amount: Decimal | None
    summary: str
    created_at: dt.datetime | None
    data: dict[str, Any] = field(default_factory=dict)
    sla_due_at: dt.datetime | None = None  # when the case is due (the inbox's overdue mark)


@runtime_checkable
class CaseFinder(Protocol):
    """A backend that can list cases (the orchestrator's store, or memory)."""

    def find_cases(self, *, bot: str | None, statuses: tuple[str, ...],
                   customer_id: str | None, reason_code: str | None,
                   limit: int) -> list[CaseView]:
        """Cases of ``bot`` (any bot when None) in one of ``statuses``, oldest first."""
        ...


def _at(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def data_matches(data: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether every dotted path of ``where`` holds its value in ``data`` (as text)."""
    return all((v := _at(data, path)) is not None and str(v) == str(want)
               for path, want in where.items())


class CaseLookup:
    """``ctx.cases``: find cases, read-only, each lookup a step."""

    def __init__(self, backend: object, recorder: StepRecorder) -> None:
        self.backend = backend
        self.recorder = recorder

    def find(self, *, bot: str | None = None, status: str = "open",
             customer_id: str | None = None, reason_code: str | None = None,
             where: Mapping[str, Any] | None = None, limit: int = 100) -> list[CaseView]:
        if not isinstance(self.backend, CaseFinder):
            raise ConfigError(f"the run's backend {type(self.backend).__name__} cannot "
                              "look cases up")
        if not 1 <= limit <= MAX_CASES:
            raise ValueError(f"limit: 1 to {MAX_CASES}, not {limit}")
        statuses = UNSETTLED if status == "open" else (status,)
        data = {"bot": bot, "status": status, "customer_id": customer_id,
                "reason_code": reason_code, "where": dict(where or {})}
        with self.recorder.step("find cases", app="orchestrator",
                                selector=bot or "any bot", data=data) as st:
            # ``where`` filters after the backend's query: ask for the most, then cut
            found = self.backend.find_cases(
                bot=bot, statuses=statuses, customer_id=customer_id, reason_code=reason_code,
                limit=MAX_CASES if where else limit)
            if where:
                found = [c for c in found if data_matches(c.data, where)][:limit]
            st.data = {**data, "found": [c.id for c in found]}
        return found

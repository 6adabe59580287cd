"""A bot keeps its own open cases up to date and closes them when settled (``ctx.cases``).

Beside the read-only lookup (:mod:`bots.runtime.case_lookup`)::

    ctx.cases.update(case.id, data={"dispute": dispute}, sla_due=due,
                     note="reason PRICING, owner pricing team")
    ctx.cases.close(case.id, summary="Dispute D-1 settled: paid 120.00", outcome="settled")

``update`` merges top-level keys into the case's data and may move its due time; ``close``
resolves the case as settled by its bot (a case resolved already is left as it is). Only
the bot that opened the case may change it (``PermissionDeniedError`` else), and only while
it is open or in progress: a case awaiting a person's approval or the bot's posting of a
decision is refused (``IllegalTransitionError``). Each call is a recorded step, and a line
of the case's history with the bot as actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from bots.runtime.case_lookup import CaseLookup, CaseView
from bots.runtime.errors import ConfigError
from bots.runtime.steps import StepRecorder

__all__ = ["CaseKeeper", "Cases"]


@runtime_checkable
class CaseKeeper(Protocol):
    """A backend where a bot can change its own cases (the orchestrator's store, or memory)."""

    def update_case(self, case_id: int, *, bot: str, data: Mapping[str, Any] | None,
                    note: str, sla_due: dt.datetime | None) -> CaseView:
        """Merge ``data`` into ``bot``'s case's data, set its due time; the case as it is
        now. (The orchestrator's backend knows its run's bot and uses that one.)"""
        ...

    def close_case(self, case_id: int, *, bot: str, summary: str, outcome: str) -> CaseView:
        """Resolve ``bot``'s case as settled by it; the case as it is now."""
        ...


class Cases(CaseLookup):
    """``ctx.cases``: find any bot's cases; update and close this bot's own."""

    def __init__(self, backend: object, recorder: StepRecorder, bot: str) -> None:
        super().__init__(backend, recorder)
        self.bot = bot

    def _keeper(self) -> CaseKeeper:
        if not isinstance(self.backend, CaseKeeper):
            raise ConfigError(f"the run's backend {type(self.backend).__name__} cannot "
                              "change cases")
        return self.backend

    def update(self, case_id: int, *, data: Mapping[str, Any] | None = None, note: str = "",
               sla_due: dt.datetime | None = None) -> CaseView:
        """Merge ``data``'s top-level keys into the case's data and/or move its due time
        (timezone-aware); ``note`` is the line its history shows."""
        if sla_due is not None and sla_due.utcoffset() is None:
            raise ValueError(f"case {case_id}: sla_due must be timezone-aware")
        keeper = self._keeper()
        step_data = {"case_id": case_id, "keys": sorted(data or {}), "note": note,
                     "sla_due": sla_due.isoformat() if sla_due is not None else None}
        with self.recorder.step("update case", app="orchestrator", selector=str(case_id),
                                data=step_data):
            return keeper.update_case(int(case_id), bot=self.bot, data=data, note=note,
                                      sla_due=sla_due)

    def close(self, case_id: int, *, summary: str, outcome: str = "settled") -> CaseView:
        """Resolve the case as settled by this bot (``outcome`` names how)."""
        keeper = self._keeper()
        with self.recorder.step("close case", app="orchestrator", selector=str(case_id),
                                data={"case_id": case_id, "outcome": outcome,
                                      "summary": summary}) as st:
            closed = keeper.close_case(int(case_id), bot=self.bot, summary=summary, outcome=outcome)
            st.data = {**st.data, "status": closed.status}
        return closed

"""Classification and routing of a new dispute: the model's suggestion, the reason it
decides (or ``OTHER`` pending a person), the owner team and the date to decide by.

The classifier (:mod:`bots.disputes.classify`) suggests a reason code with a confidence and
the words it relied on. At or above the reason book's threshold the reason is set
(``classified_by: model``); below it the case opens with ``needs_person`` and the reason
``OTHER`` until a person classifies it. The owner team and the SLA (hours from intake)
come from the reason book (:mod:`bots.disputes.reasons`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bots.runtime import RunContext

__all__ = ["CONFIG", "FALLBACK_CODE", "Routing", "reason_book", "route"]

#: the bot's configuration document holding the reason book
CONFIG = "dispute_reasons"
#: where an unclear claim goes, and who owns it when no reason book is installed
FALLBACK_CODE, FALLBACK_LABEL, FALLBACK_OWNER, FALLBACK_SLA_HOURS = \
    "OTHER", "Other", "finance", 72


@dataclass(frozen=True, slots=True)
class Routing:
    """What the bot decided about a new dispute's reason and owner."""

    reason_code: str
    reason_label: str
    owner_team: str
    sla_hours: int
    sla_due: dt.datetime
    suggestion: dict[str, Any]
    classified_by: str  # "model", or "" while a person has to classify
    needs_person: bool

    def as_data(self) -> dict[str, Any]:
        return {"reason_code": self.reason_code, "reason_label": self.reason_label,
                "owner_team": self.owner_team, "sla_hours": self.sla_hours,
                "sla_due": self.sla_due.isoformat(), "suggestion": dict(self.suggestion),
                "classified_by": self.classified_by, "needs_person": self.needs_person}


def reason_book(ctx: RunContext | None) -> Any:
    """The run's reason book (the bot's configuration; the packaged one without a run);
    None when no reason book is installed (every dispute then waits for a person)."""
    try:
        from bots.disputes.reasons import load_reason_book
    except ImportError:
        return None
    if ctx is None or ctx.bot is None or CONFIG not in ctx.bot.config:
        return load_reason_book()
    return load_reason_book(ctx.config(CONFIG))


def _for_a_person(intake_at: dt.datetime, why: str) -> Routing:
    due = intake_at.astimezone(dt.UTC) + dt.timedelta(hours=FALLBACK_SLA_HOURS)
    return Routing(FALLBACK_CODE, FALLBACK_LABEL, FALLBACK_OWNER, FALLBACK_SLA_HOURS, due,
                   {"code": FALLBACK_CODE, "confidence": "0.00", "words": [],
                    "needs_person": True, "note": why}, "", True)


def _suggest(book: Any, text: str) -> dict[str, Any]:
    from bots.disputes.classify import classifier

    suggestion = classifier(book).suggest(text)
    return dict(suggestion.as_dict())


def route(book: Any, text: str, intake_at: dt.datetime) -> Routing:
    """Classify ``text`` and route the dispute taken in at ``intake_at`` (UTC)."""
    if book is None:
        return _for_a_person(intake_at, "no reason book installed")
    try:
        suggestion = _suggest(book, text)
    except ImportError:
        return _for_a_person(intake_at, "no classifier installed")
    confident = not suggestion.get("needs_person", True) and \
        float(suggestion.get("confidence") or 0) >= book.confidence_threshold
    code = str(suggestion.get("code") or FALLBACK_CODE) if confident else FALLBACK_CODE
    if code not in book.code_names:
        code, confident = FALLBACK_CODE, False
    reason = book.get(code)
    due = intake_at.astimezone(dt.UTC) + dt.timedelta(hours=reason.sla_hours)
    return Routing(code, reason.label, reason.owner_team, reason.sla_hours, due,
                   {**suggestion, "needs_person": not confident},
                   "model" if confident else "", not confident)

"""The collections bot's phases beside dunning (``--arg phase=...``):

- ``replies``: read the customers' replies in the finance mailbox and act on them, then
  judge the promises whose date has passed (:mod:`bots.collections.replies_run`); run it
  before the dunning run, so that a promise made today holds the reminder back;
- ``requests``: carry out what people asked from the collector's worklist
  (:mod:`bots.collections.worklist_actions`); schedule it on the queue
  ``collections-actions`` (``finbots schedules add ... --queue collections-actions``).

The ``worklist`` configuration document holds the promise grace days and tolerance (and the
worklist's score weights, which the orchestrator reads).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.collections.erp import CollectionsErp
from bots.collections.replies_run import (
    MailboxReplies,
    addresses_from_erp,
    judge_promises,
    read_replies,
)
from bots.collections.worklist_actions import carry_out_requests
from bots.runtime import RunContext
from bots.runtime.errors import ConfigError

__all__ = ["PHASES", "check_worklist", "run_phase"]

PHASES = ("dunning", "replies", "requests")


def check_worklist(doc: dict[str, Any]) -> None:
    """The worklist document's rules (ConfigError names the field)."""
    for name in ("weights", "risk_class"):
        section = doc.get(name, {})
        if not isinstance(section, dict):
            raise ConfigError(f"worklist: {name} must be a mapping")
        for key, value in section.items():
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise ConfigError(f"worklist: {name}.{key}: {value!r} is not a number") \
                    from None
            if number < 0:
                raise ConfigError(f"worklist: {name}.{key} must not be negative")
    grace = doc.get("promise_grace_days", 0)
    if not isinstance(grace, int) or not 0 <= grace <= 30:
        raise ConfigError("worklist: promise_grace_days must be a whole number of days, 0-30")
    try:
        Decimal(str(doc.get("promise_tolerance", "0")))
    except InvalidOperation:
        raise ConfigError("worklist: promise_tolerance must be an amount such as '1.00'") \
            from None


def run_phase(ctx: RunContext, phase: str, *, as_of: dt.date | None, erp_credential: str,
              mail_credential: str) -> dict[str, Any]:
    """Run ``phase`` (``replies`` or ``requests``); its summary."""
    erp = CollectionsErp(ctx, erp_credential)
    day, items, _ = erp.aging(as_of)
    if phase == "requests":
        mailbox = ctx.mail(mail_credential)
        return {"phase": phase, "as_of": day.isoformat(),
                "done": carry_out_requests(ctx, erp, today=day, mailbox=mailbox)}
    if phase != "replies":
        raise ConfigError(f"unknown phase {phase!r} (one of {', '.join(PHASES)})")
    config = ctx.config("worklist")
    by_address, collectors = addresses_from_erp(erp, {i.customer_id for i in items})
    read = read_replies(ctx, erp, MailboxReplies(ctx.mail(mail_credential)),
                        by_address=by_address.get,
                        collector_of=lambda c: collectors.get(c, ""))
    judged = judge_promises(ctx, erp, as_of=day,
                            grace_days=int(config.get("promise_grace_days", 0)),
                            tolerance=Decimal(str(config.get("promise_tolerance", "0"))),
                            collector_of=lambda c: collectors.get(c, ""))
    return {"phase": phase, "as_of": day.isoformat(), "replies": read, "promises": judged}

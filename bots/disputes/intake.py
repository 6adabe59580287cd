"""Intake: read the channels, queue one work item per claim, open or join cases."""

from __future__ import annotations

from typing import Any

from bots.runtime import RunContext

__all__ = ["QUEUE", "intake"]

QUEUE = "dispute-claims"


def intake(ctx: RunContext, *, channels: str, portal_credential: str, erp_credential: str,
           mail_credential: str, max_retries: int) -> dict[str, Any]:
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    return {"channels": channels, "queue": queue.name}

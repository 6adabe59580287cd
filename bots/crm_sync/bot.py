"""The crm-sync bot: keeps the customer-facing service desk current after every finance
event (payment applied, case opened or resolved, dispute opened or settled, credit hold
set or released, refund paid, ...).

Each run queues the finance events written since its watermark (one work item per event,
its key the reference: :mod:`.events`), then brings each to the customer's desk account:
finance fields, a note whose external reference is the event key, a dispute ticket opened
or closed (:mod:`.sync`). A refusal of the desk becomes a case (``CRM_REFUSED``) a person
retries once the desk is fixed, or skips with a reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bots.crm_sync.case_types import CASE_TYPES
from bots.crm_sync.desk import ServiceDesk
from bots.crm_sync.events import queue_new_events
from bots.crm_sync.sync import QUEUE, sync_event
from bots.runtime import Bot, QueueSpec, RunContext

__all__ = ["BOT", "run"]

HERE = Path(__file__).resolve().parent

BOT = Bot(
    name="crm-sync",
    version="1.0.0",
    description="Customer-facing status: bring every finance event (payments, cases, "
    "disputes, credit holds, refunds) to the customer's account in the service desk, "
    "with a note per event and a ticket per dispute.",
    apps=("service_desk",),
    credentials={"crm_credential": "service_desk/crm-sync"},
    queues=(QueueSpec(QUEUE, description="one finance event per item, its key the "
                      "reference"),),
    selectors=HERE / "selectors",
    case_types=CASE_TYPES,
    argument_help={
        "crm_credential": "vault entry of the service desk login",
        "read_events": "false: only carry out people's retries, queue no new events",
        "max_retries": "retries of an event after a technical failure (a new queue only)",
    },
)


@BOT.task
def run(ctx: RunContext, crm_credential: str = "service_desk/crm-sync",
        read_events: bool = True, max_retries: int = 2) -> dict[str, Any]:
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    summary: dict[str, Any] = queue_new_events(ctx, queue) if read_events else {}
    desk = ServiceDesk(ctx, crm_credential)
    done = {"updated": 0, "already": 0}
    for item in queue.items():
        with item:
            item.output["summary"] = sync_event(ctx, desk, item)
            done["already" if item.output.get("already") else "updated"] += 1
    return {**summary, **done}

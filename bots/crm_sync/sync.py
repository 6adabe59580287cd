"""One finance event brought to the customer's service-desk account (one work item).

The event key is the external reference of the note the update leaves: the bot looks for
it first, and an account that has it is left alone, so a rerun, a retry after a lost
answer or a person's retry changes nothing twice. A dispute's ticket is looked up by its
own external reference before it is opened or closed. The finance fields and the note go
in one post of the desk's finance form (the desk saves both or neither).

What the desk refuses becomes a :class:`~bots.runtime.errors.BusinessFailure` of
``CRM_REFUSED`` (its message and the refusing page's screenshot on the case); an account
the desk does not have, ``CRM_NO_ACCOUNT``.
"""

from __future__ import annotations

from typing import Any

from bots.crm_sync.case_types import NO_ACCOUNT
from bots.crm_sync.desk import AccountPage, ServiceDesk
from bots.crm_sync.mapping import FinanceEvent, apply_event, note_for, ticket_action
from bots.runtime import BusinessFailure, Item, RunContext
from bots.runtime.retry import attempt

__all__ = ["QUEUE", "sync_event"]

QUEUE = "crm-updates"


def _event_data(event: FinanceEvent) -> dict[str, Any]:
    return {"key": event.key, "type": event.type, "customer_id": event.customer_id,
            "summary": event.summary, "occurred_at": event.occurred_at.isoformat(),
            "amount": None if event.amount is None else f"{event.amount:.2f}"}


def sync_event(ctx: RunContext, desk: ServiceDesk, item: Item) -> str:
    """Bring the item's event to the desk; what was done, in one sentence."""
    payload = item.payload
    event = FinanceEvent.from_record(str(payload["event_key"]), str(payload["customer_id"]),
                                     payload.get("event") or {})
    item.describe(data={"event": _event_data(event)}, amount=event.amount,
                  customer=event.customer_id)
    return attempt(desk, lambda: _sync(ctx, desk, item, event))


def _sync(ctx: RunContext, desk: ServiceDesk, item: Item, event: FinanceEvent) -> str:
    shown = desk.account(event.customer_id)
    if shown is None:
        raise BusinessFailure(NO_ACCOUNT, f"the service desk has no account "
                              f"{event.customer_id} for {event.key}",
                              data={"crm_message": "no such account"},
                              customer=event.customer_id)
    if event.key in shown.note_refs:
        with ctx.recorder.step("crm_update", app=desk.name, data={
                "event": event.key, "customer_id": event.customer_id}) as st:
            st.skip("the account has this event's note already: nothing to do")
        item.output["already"] = True
        return f"{event.customer_id}: {event.key} was in the service desk already"
    done: list[str] = []
    action = ticket_action(event)
    if action is not None:
        done.append(desk.ticket(event.customer_id, shown, action))
        shown = desk.account(event.customer_id) or shown  # the desk's dispute count now
    return _save(ctx, desk, item, event, shown, done)


def _save(ctx: RunContext, desk: ServiceDesk, item: Item, event: FinanceEvent,
          shown: AccountPage, done: list[str]) -> str:
    after = apply_event(shown.fields, event)
    before_values, after_values = shown.fields.form_values(), after.form_values()
    changed = {k: v for k, v in after_values.items() if before_values[k] != v}
    item.describe(data={"intended": changed})
    with ctx.recorder.step("crm_update", app=desk.name, rule=f"event type {event.type}",
                           data={"event": event.key, "customer_id": event.customer_id,
                                 "changes": changed, "before": {
                                     k: before_values[k] for k in changed},
                                 "ticket": done}):
        desk.save(event.customer_id, shown.fields, after, note_for(event), event.key)
    ctx.audit("crm.update", f"{event.customer_id}:{event.key}",
              {"changes": changed, "ticket": done})
    item.output.update(changes=changed, ticket=done)
    said = ", ".join(f"{k} {v or '(empty)'}" for k, v in changed.items()) or "no field changed"
    return f"{event.customer_id}: {event.key} in the service desk ({said}; note added" + (
        f"; {'; '.join(done)})" if done else ")")

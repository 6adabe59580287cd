"""One reminder, carried out once: mail (with the statement PDF when the level says so),
collection note in the ERP, and at the last level the dunning block and the collector's
case.

Each step first looks in its target whether it is done already: the Sent folder holds a
message with the reminder's reference (``X-Finbots-Reference``), the ERP's notes hold a note
with it, the customer master shows the block, the case is open for the reference. So a
rerun, or a repeat after a mail outage or an expired ERP session, does nothing twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bots.collections.account_events import reminder_sent
from bots.collections.case_types import COLLECTOR_FOLLOW_UP
from bots.collections.dunning import Decision, Level
from bots.collections.erp import AgingItem, CollectionsErp
from bots.collections.templates import render
from bots.runtime import RunContext
from bots.runtime.mail import MailClient
from bots.runtime.queues import Item

__all__ = ["carry_out", "decision_of", "payload_of"]


def payload_of(decision: Decision, *, as_of: dt.date, reference: str, master: Any,
               name: str) -> dict[str, Any]:
    """The work item of a reminder (JSON: amounts and dates as text)."""
    assert decision.level is not None
    return {"customer_id": decision.customer_id, "customer_name": name,
            "level": decision.level.level, "as_of": as_of.isoformat(), "reference": reference,
            "to": master.email, "language": master.language or "en",
            "collector": master.collector, "risk_class": master.risk_class,
            "items": [{"invoice": i.invoice, "due_date": i.due_date.isoformat(),
                       "days_overdue": i.days_overdue, "open": str(i.open)}
                      for i in decision.items]}


def decision_of(payload: dict[str, Any], ladder: list[Level]) -> Decision:
    level = next(lv for lv in ladder if lv.level == payload["level"])
    items = tuple(AgingItem(i["invoice"], payload["customer_id"],
                            dt.date.fromisoformat(i["due_date"]), int(i["days_overdue"]),
                            Decimal(i["open"]), False, False) for i in payload["items"])
    return Decision(payload["customer_id"], level, items)


def carry_out(ctx: RunContext, item: Item, erp: CollectionsErp, mailbox: MailClient,
              ladder: list[Level], config: dict[str, Any]) -> dict[str, Any]:
    p = item.payload
    decision = decision_of(p, ladder)
    level = decision.level
    assert level is not None
    ref, cid, as_of = p["reference"], p["customer_id"], dt.date.fromisoformat(p["as_of"])
    done: dict[str, Any] = {"reference": ref, "level": level.level, "to": p["to"]}
    noted = any(n.reference == ref for n in erp.notes(cid))
    with ctx.recorder.step("look up reminder", app="mail", selector="Sent",
                           data={"reference": ref}) as st:
        found = mailbox.sent_with_reference(ref)
        sent = found is not None
        st.data = {"reference": ref, "in_sent": sent, "in_erp_notes": noted}
    if noted or sent:
        done["already"] = True
        done["message_id"] = getattr(found, "message_id", "") or ""
    if not sent and not noted:
        reminder = render(decision, language=p["language"], customer_name=p["customer_name"],
                          collector=p["collector"], as_of=as_of, reference=ref,
                          company=config["company"], currency=config["currency"])
        attachments = []
        if level.attach_statement:
            pdf = erp.statement_pdf(cid)
            attachments.append((f"statement_{cid}_{as_of:%Y%m%d}.pdf", pdf.read_bytes(),
                                "application/pdf"))
        with ctx.recorder.step("send reminder", app="mail", selector=p["to"],
                               data={"reference": ref, "level": level.level,
                                     "subject": reminder.subject,
                                     "invoices": [i.invoice for i in decision.items],
                                     "attachments": [a[0] for a in attachments]},
                               rule=f"level {level.level}: from {level.min_days_overdue} "
                                    "days overdue") as st:
            done["message_id"] = mailbox.send(p["to"], reminder.subject, reminder.text,
                                              attachments=attachments, reference=ref)
            st.data["message_id"] = done["message_id"]
    if not noted:
        invoices = ", ".join(i.invoice for i in decision.items)
        erp.add_note(cid, as_of, "reminder",
                     f"Reminder level {level.level} sent by mail to {p['to']} for {invoices} "
                     f"(total {decision.total} {config['currency']}).", ref)
    if level.dunning_block:
        done["blocked"] = erp.set_dunning_block(
            cid, f"Final reminder {ref} sent; handed to collector {p['collector']}.")
    if level.collector_task:
        case = ctx.backend.open_case(
            ctx.run_id, item.id, ref, COLLECTOR_FOLLOW_UP,
            f"{cid} {p['customer_name']}: final reminder sent, {p['collector']} to follow up",
            data={"customer_id": cid, "customer_name": p["customer_name"],
                  "collector": p["collector"], "risk_class": p["risk_class"],
                  "overdue_total": str(decision.total),
                  "oldest_days": max(i.days_overdue for i in decision.items),
                  "invoices": [i.invoice for i in decision.items], "reference": ref,
                  "message_id": done.get("message_id", ""), "sent_to": p["to"],
                  "as_of": p["as_of"]},
            amount=decision.total, customer_id=cid)
        done["case_id"] = getattr(case, "id", None)
    reminder_sent(ctx, p, done, config["currency"])  # the customer page's timeline
    return done

"""The replies phase of the collections bot: customers' mails in the finance mailbox read,
classified (:mod:`bots.collections.replies`), acted on and filed; then promises whose date
has passed judged against what was paid.

Each unseen mail becomes a work item on ``collections-replies`` (reference: its
Message-ID, so a rerun reads nothing twice), its raw message kept as ``.eml`` evidence with
its text beside it. What happens by kind:

- **promise**: entered in the ERP's promises (source ``mail``, reference the Message-ID;
  not twice when the ERP holds it already) and kept as a ``promise_to_pay`` record with the
  invoices' open amounts then and the mail;
- **already paid** / **dispute**: a collection note in the ERP saying so;
- **out of office**: recorded only;
- **unreadable** (or a sender who is no customer): a case ``UNREADABLE_REPLY`` for the
  customer's collector with the mail attached.

Every reply is kept as a ``customer_reply`` record (the customer page shows it) and moved
to the folder ``Processed`` (an unreadable one to ``Needs a person``). A remittance advice
mail (:func:`bots.cashapp.remittance_mail.is_remittance_mail`) is no reply: it is moved to
``Remittances`` for cash application, unread; a customer's dispute claim
(:func:`bots.cashapp.dispute_mail.is_dispute_mail`) is left in the INBOX for the disputes bot.

Judging (:mod:`bots.collections.promises`): each open promise whose date and grace days
have passed is set kept, partially kept or broken in the ERP and in its record; a broken or
partially kept one becomes a case ``BROKEN_PROMISE`` with the mail that made it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from bots.cashapp.dispute_mail import is_dispute_message
from bots.cashapp.remittance_mail import REMITTANCE_FOLDER, is_remittance_mail
from bots.collections.account_events import promise_changed
from bots.collections.erp import CollectionsErp
from bots.collections.promises import (
    KIND,
    PromiseFacts,
    due_for_judging,
    judge,
    paid_towards,
)
from bots.collections.promises_cases import BROKEN_PROMISE, UNREADABLE_REPLY
from bots.collections.promises_erp import enter_promise, open_amounts, set_promise_status
from bots.collections.replies import ReplyReading, read_reply
from bots.collections.worklist_actions import note, record_promise
from bots.runtime import BusinessFailure, RunContext

__all__ = ["BROKEN_PROMISE", "JUDGE_QUEUE", "REPLY_KIND", "REPLY_QUEUE", "UNREADABLE_REPLY",
           "MailboxReplies", "ReplySource", "addresses_from_erp", "judge_promises", "read_replies"]

REPLY_QUEUE, JUDGE_QUEUE = "collections-replies", "collections-promises"
REPLY_KIND = "customer_reply"
DONE_FOLDER, PERSON_FOLDER = "Processed", "Needs a person"
MAX_MAILS = 500  # read per run; the rest waits for the next one
_REMINDER_ID = re.compile(r"DUN-([A-Z0-9]+)-L\d")


class ReplySource(Protocol):
    """The finance mailbox as the replies phase reads it."""

    def unseen_raw(self, folder: str = "INBOX") -> Iterable[tuple[str, bytes]]:
        """(uid, raw message) of each unseen message, oldest first."""
        ...

    def move(self, uid: str, folder: str) -> None: ...


class MailboxReplies:
    """The SDK's mailbox (``ctx.mail(name)``) as the replies phase reads it."""

    def __init__(self, mailbox: Any) -> None:
        self.mailbox = mailbox

    def unseen_raw(self, folder: str = "INBOX") -> list[tuple[str, bytes]]:
        return [(m.uid, self.mailbox.raw(m.uid, folder=folder))
                for m in self.mailbox.messages(folder, unseen_only=True)[:MAX_MAILS]]

    def move(self, uid: str, folder: str) -> None:
        self.mailbox.move(uid, folder)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip("<>"))[:120] or "message"


def _keep(ctx: RunContext, message_id: str, raw: bytes, text: str) -> list[Path]:
    folder = ctx.run_dir / "evidence" / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    eml, txt = folder / f"{_safe(message_id)}.eml", folder / f"{_safe(message_id)}.txt"
    eml.write_bytes(raw)
    txt.write_text(text, encoding="utf-8")
    return [eml, txt]


def _customer(reading: ReplyReading, by_address: Callable[[str], str | None]) -> str | None:
    found = by_address(reading.sender)
    if found is None and reading.in_reply_to:
        m = _REMINDER_ID.search(reading.in_reply_to)
        found = m.group(1) if m else None
    return found


def read_replies(ctx: RunContext, erp: CollectionsErp, source: ReplySource, *,
                 by_address: Callable[[str], str | None],
                 collector_of: Callable[[str], str] = lambda _c: "") -> dict[str, int]:
    """Read, act on and file the unseen replies; how many of each kind."""
    queue = ctx.queue(REPLY_QUEUE)
    raw_by_id: dict[str, tuple[str, bytes]] = {}
    for n, (uid, raw) in enumerate(source.unseen_raw("INBOX")):
        if n >= MAX_MAILS:
            break
        msg = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
        message_id = str(msg.get("Message-ID", "") or f"<uid-{uid}@finance-mailbox>").strip()
        if is_remittance_mail(str(msg.get("Subject", "")),
                              (p.get_filename() or "" for p in msg.iter_attachments())):
            with ctx.recorder.step("leave for cash application", app="mail",
                                   rule="a remittance advice mail",
                                   data={"message_id": message_id, "to": REMITTANCE_FOLDER}):
                source.move(uid, REMITTANCE_FOLDER)
            continue
        if is_dispute_message(msg):  # a dispute claim: the disputes bot's, left unread
            continue
        raw_by_id[message_id[:300]] = (uid, raw)
        queue.add(message_id[:300], {"uid": uid, "message_id": message_id})
    counts: dict[str, int] = {}
    open_now: dict[str, dict[str, Decimal]] | None = None
    for item in queue.items():
        with item:
            uid, raw = raw_by_id.get(item.reference, (str(item.payload.get("uid")), b""))
            if not raw:  # filed by an attempt that ended before the item did
                before = ctx.records.get(REPLY_KIND, item.reference)
                if before is None:
                    raise BusinessFailure("REPLY_GONE", f"the mail {item.reference} is no "
                                          "longer in the inbox and was never read",
                                          data={"message_id": item.reference})
                item.output["summary"] = f"{before.data.get('kind')}: filed before"
                continue
            msg = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
            reading = read_reply(msg)
            files = _keep(ctx, item.reference, raw, reading.text)
            customer = _customer(reading, by_address)
            kind = reading.kind if customer else "unreadable"
            with ctx.recorder.step("classify", app="mail", rule=reading.reason,
                                   data={"message_id": item.reference, "kind": kind,
                                         "customer": customer}):
                pass
            _record_reply(ctx, item.reference, customer, reading, kind, files[0])
            if kind == "unreadable":
                source.move(uid, PERSON_FOLDER)
                why = reading.reason if customer else f"sender {reading.sender} is no customer"
                raise BusinessFailure(
                    UNREADABLE_REPLY, f"reply of {customer or reading.sender} needs a person: "
                    f"{why}", customer=customer, evidence=files,
                    data={"customer_id": customer or "", "sender": reading.sender,
                          "subject": reading.subject, "text": reading.text[:4000],
                          "reason": why, "message_id": item.reference,
                          "collector": collector_of(customer) if customer else "",
                          "received": reading.sent_at.isoformat() if reading.sent_at else ""})
            cid = customer or ""  # a reply of no customer is unreadable (above)
            if kind == "promise":
                if open_now is None:
                    open_now = open_amounts(erp)
                item.output["summary"] = _promise(ctx, erp, cid, reading, files[0],
                                                  open_now.get(cid, {}))
            elif kind in ("already_paid", "dispute"):
                item.output["summary"] = _note(ctx, erp, cid, reading, kind)
            else:
                item.output["summary"] = f"{kind}: recorded"
            source.move(uid, DONE_FOLDER)
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _record_reply(ctx: RunContext, message_id: str, customer: str | None,
                  reading: ReplyReading, kind: str, eml: Path) -> None:
    said = {"promise": f"will pay {reading.amount} by {reading.date}",
            "already_paid": f"says it paid {reading.amount or ''} on {reading.date or '?'}",
            "dispute": f"disputes {', '.join(reading.invoices) or 'an invoice'}",
            "out_of_office": "automatic reply (out of office)"}.get(kind, reading.reason)
    ctx.records.put(REPLY_KIND, message_id, {
        "kind": kind, "subject": reading.subject[:300], "sender": reading.sender,
        "sent_at": reading.sent_at, "summary": said, "invoices": list(reading.invoices),
        "amount": reading.amount, "date": reading.date, "rule": reading.reason,
        "file": eml.relative_to(ctx.run_dir).as_posix(), "run_id": str(ctx.run_id),
    }, customer_id=customer)


def _promise(ctx: RunContext, erp: CollectionsErp, customer: str, reading: ReplyReading,
             eml: Path, open_now: dict[str, Decimal]) -> str:
    if reading.amount is None or reading.date is None:  # a promise names both (replies.py)
        raise BusinessFailure(UNREADABLE_REPLY, f"{customer}'s promise names no date or amount",
                              customer=customer, evidence=[eml])
    invoices, why = _promised_invoices(reading, open_now)
    if not invoices:
        raise BusinessFailure(UNREADABLE_REPLY, f"{customer} promises to pay, but {why}",
                              customer=customer, evidence=[eml],
                              data={"customer_id": customer, "reason": why,
                                    "subject": reading.subject, "sender": reading.sender,
                                    "text": reading.text[:4000],
                                    "message_id": reading.message_id})
    promise, entered = enter_promise(erp, customer, reading.date, reading.amount, invoices,
                                     "mail", reading.message_id[:200])
    record_promise(ctx, customer, reading.date, reading.amount, invoices, source="mail",
                   erp_promise_id=promise.id, open_now=open_now,
                   message_id=reading.message_id, mail_file=str(eml))
    return (f"promise {promise.id}: {reading.amount} by {reading.date} "
            f"({'entered' if entered else 'already in the ERP'})")


def _promised_invoices(reading: ReplyReading, open_now: dict[str, Decimal]
                       ) -> tuple[list[str], str]:
    """The open invoices a promise covers: those it names (all must be open), else the
    customer's open invoices when they add up to the amount; else none, and why."""
    if reading.invoices:
        closed = [i for i in reading.invoices if i not in open_now]
        if closed:
            return [], f"{', '.join(closed)} is not an open invoice of the customer"
        return list(reading.invoices), ""
    if open_now and sum(open_now.values(), Decimal(0)) == reading.amount:
        return sorted(open_now), ""
    return [], "it names no invoice and the amount is not what is open"


def addresses_from_erp(erp: CollectionsErp, customer_ids: Iterable[str]
                       ) -> tuple[dict[str, str], dict[str, str]]:
    """Contact e-mail (lower case) -> customer, and customer -> collector, from the ERP's
    customer master."""
    by_address, collectors = {}, {}
    for cid in sorted(set(customer_ids)):
        master = erp.master(cid)
        if master.email:
            by_address[master.email.strip().lower()] = cid
        collectors[cid] = master.collector
    return by_address, collectors


def _note(ctx: RunContext, erp: CollectionsErp, customer: str, reading: ReplyReading,
          kind: str) -> str:
    invoices = ", ".join(reading.invoices) or "no invoice named"
    if kind == "already_paid":
        text = (f"Customer says {invoices} paid {reading.amount or ''} on "
                f"{reading.date or 'an unnamed date'} (mail {reading.message_id}"
                f"{', remittance attached' if reading.attachments else ''}).")
    else:
        text = f"Customer disputes {invoices}: {reading.text[:300]}"
    day = reading.sent_at.date() if reading.sent_at else dt.date.today()
    note(ctx, erp, customer, day, "note", text, reading.message_id[:200],
         by=f"bot:{ctx.bot.name if ctx.bot else 'collections'}")
    return f"{kind}: noted in the ERP"


def judge_promises(ctx: RunContext, erp: CollectionsErp, *, as_of: dt.date, grace_days: int,
                   tolerance: Decimal, collector_of: Callable[[str], str] = lambda _c: ""
                   ) -> dict[str, int]:
    """Judge each open promise whose date and grace days have passed on ``as_of``."""
    queue = ctx.queue(JUDGE_QUEUE)
    for record in ctx.records.find(KIND, status="open"):
        facts = PromiseFacts.from_record(record.key, record.customer_id, record.data)
        if due_for_judging(facts.promised_date, as_of, grace_days):
            queue.add(f"judge/{record.key}", {"key": record.key})
    counts: dict[str, int] = {}
    open_now: dict[str, dict[str, Decimal]] | None = None
    for item in queue.items():
        with item:
            record = ctx.records.get(KIND, str(item.payload["key"]))
            if record is None:
                raise BusinessFailure("PROMISE_GONE", f"no promise {item.payload['key']}")
            data: dict[str, Any] = dict(record.data)
            facts = PromiseFacts.from_record(record.key, record.customer_id, data)
            if facts.status == "open":
                if open_now is None:
                    open_now = open_amounts(erp, as_of)
                paid = paid_towards(facts.invoices, facts.open_when_promised,
                                    open_now.get(facts.customer_id, {}), facts.amount)
                verdict = judge(facts.amount, paid, tolerance=tolerance)
                with ctx.recorder.step("judge promise", rule=verdict.rule,
                                       data={"promise": record.key, "paid": paid,
                                             "status": verdict.status}):
                    pass
                if data.get("erp_promise_id"):
                    set_promise_status(erp, facts.customer_id, int(data["erp_promise_id"]),
                                       verdict.status)
                data.update(status=verdict.status, paid=verdict.paid, judged_on=as_of,
                            judged_by_rule=verdict.rule)
                ctx.records.put(KIND, record.key, data, customer_id=facts.customer_id)
                promise_changed(ctx, record.key, data)
            status = str(data["status"])
            counts[status] = counts.get(status, 0) + 1
            item.output["summary"] = f"{record.key}: {status}"
            if status in ("broken", "partially kept"):
                mail = data.get("mail_file")
                raise BusinessFailure(
                    BROKEN_PROMISE, f"promise of {facts.customer_id} {status}: "
                    f"{data.get('paid', '0.00')} of {facts.amount} paid by "
                    f"{facts.promised_date}", customer=facts.customer_id,
                    amount=facts.amount - Decimal(str(data.get("paid", "0"))),
                    evidence=[mail] if mail and Path(str(mail)).is_file() else [],
                    data={"customer_id": facts.customer_id, "status": status,
                          "promised_date": facts.promised_date.isoformat(),
                          "amount": str(facts.amount), "paid": str(data.get("paid")),
                          "invoices": list(facts.invoices), "source": data.get("source"),
                          "message_id": data.get("message_id", ""),
                          "collector": collector_of(facts.customer_id)})
    return counts

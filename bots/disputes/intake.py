"""Intake: read the channels, queue one work item per claim, open or join the invoice's
dispute case, then receive, file and acknowledge each claim once its case is open.

Work item payload: the claim (:meth:`bots.disputes.model.DisputeClaim.payload`). A claim
the bot cannot read (no invoice, several, no customer) fails its item with a
``CLAIM_UNREADABLE`` case naming the claim and the field. A claim for an invoice already
in an open dispute joins that case (:mod:`bots.disputes.dedupe`); any other opens a
``DISPUTE`` case (the item's business failure) with the ``dispute`` object of
``bots/disputes/README.md``: classified and routed (:mod:`bots.disputes.routing`), its
evidence gathered (:mod:`bots.disputes.evidence`).

Afterwards (:func:`follow_up`), for every dispute with something left to do: each portal
claim is received in the claims desk with the dispute's reference (which sets the invoice
disputed there), a dispute no customer filed on the portal (by mail, as a deduction) is
registered there under its reference once (the invoice disputed all the same), each mail
filed to ``Disputes``, each claimant acknowledged once (the
mail's reference is looked up in Sent first), a claim that joined later noted in the case's
history, the ``dispute_opened`` finance event and the model's ``dispute_classification``
recorded. What is done is kept on the ``dispute_intake`` record, so a rerun repeats
nothing and finishes what an interrupted run left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from loguru import logger

from bots.cashapp.dispute_mail import DISPUTE_FOLDER
from bots.disputes.case_types import DISPUTE, UNREADABLE
from bots.disputes.dedupe import (
    INTAKE,
    case_ref_for,
    find_case,
    intake_record,
    link_claim,
    new_intake,
    open_dispute,
    save_intake,
)
from bots.disputes.evidence import claimed_amount, gather, safe_name
from bots.disputes.intake_deductions import read_deductions
from bots.disputes.intake_mail import read_mail_claims
from bots.disputes.intake_portal import read_portal_claims
from bots.disputes.model import CHANNELS, DisputeClaim
from bots.disputes.routing import reason_book, route
from bots.disputes.targets import ClaimsDesk, DisputesErp
from bots.runtime import BotFailure, BusinessFailure, RunContext
from bots.runtime.case_lookup import CaseView
from bots.runtime.errors import ConfigError
from bots.runtime.finance_events import record_finance_event
from bots.runtime.mail import MailClient
from bots.runtime.queues import Item, WorkQueue

__all__ = ["CLASSIFICATION", "QUEUE", "Systems", "follow_up", "intake", "take_claim"]

QUEUE = "dispute-claims"
CLASSIFICATION = "dispute_classification"
MAX_FOLLOW_UPS = 500


class Systems:
    """The claims desk, the ERP and the finance mailbox, opened when first needed."""

    def __init__(self, ctx: RunContext, *, portal_credential: str, erp_credential: str,
                 mail_credential: str) -> None:
        self.ctx = ctx
        self.credentials = {"portal_credential": portal_credential,
                            "erp_credential": erp_credential,
                            "mail_credential": mail_credential}
        self._desk: ClaimsDesk | None = None
        self._erp: DisputesErp | None = None
        self._mail: MailClient | None = None
        self._decisions: Any = None

    @property
    def desk(self) -> ClaimsDesk:
        if self._desk is None:
            self._desk = ClaimsDesk(self.ctx, self.credentials["portal_credential"])
        return self._desk

    @property
    def erp(self) -> DisputesErp:
        if self._erp is None:
            self._erp = DisputesErp(self.ctx, self.credentials["erp_credential"])
        return self._erp

    @property
    def mail(self) -> MailClient:
        if self._mail is None:
            self._mail = self.ctx.mail(self.credentials["mail_credential"])
        return self._mail

    def carry_out(self, item: Item) -> str:
        """A person's decision, carried out by :mod:`bots.disputes.carry_out`."""
        from bots.disputes import carry_out

        if self._decisions is None:
            self._decisions = carry_out.Decisions(self.ctx, **self.credentials)
        return str(carry_out.carry_out_item(self.ctx, self._decisions, item))


def _channels(text: str) -> list[str]:
    wanted = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CHANNELS]
    if unknown or not wanted:
        raise ConfigError(f"channels: {', '.join(unknown) or 'none given'}; known: "
                          f"{', '.join(CHANNELS)}")
    return [c for c in CHANNELS if c in wanted]  # portal first: its claims lead


def intake(ctx: RunContext, *, channels: str, portal_credential: str, erp_credential: str,
           mail_credential: str, max_retries: int) -> dict[str, Any]:
    wanted = _channels(channels)
    systems = Systems(ctx, portal_credential=portal_credential,
                      erp_credential=erp_credential, mail_credential=mail_credential)
    queue = ctx.queue(QUEUE, max_retries=max_retries)
    folder = ctx.run_dir / "evidence" / "claims"
    summary: dict[str, Any] = {"read": {}, "queued": {}, "channel_errors": {}}
    for channel in wanted:
        try:
            claims = _read(ctx, systems, channel, folder)
        except BotFailure as exc:  # one channel down: the others are still taken in
            summary["channel_errors"][channel] = f"{exc.code}: {exc.message}"
            logger.warning("disputes: channel {} not read: {}", channel, exc.message)
            continue
        added = queue.add_many((c.ref, c.payload()) for c in claims)
        summary["read"][channel] = len(claims)
        summary["queued"][channel] = sum(added)
    book = reason_book(ctx)
    counts = work(ctx, systems, book, queue)
    counts.update(follow_up(ctx, systems, queue))
    notes = work(ctx, systems, book, queue)  # the notes of claims that joined a case
    counts["noted"] = notes.get("noted", 0)
    return {**summary, **counts}


def _read(ctx: RunContext, systems: Systems, channel: str, folder: Any
          ) -> list[DisputeClaim]:
    if channel == "portal":
        return read_portal_claims(ctx, systems.desk, folder)
    if channel == "mail":
        return read_mail_claims(ctx, systems.mail, folder)
    return read_deductions(ctx)


def work(ctx: RunContext, systems: Systems, book: Any, queue: WorkQueue
         ) -> dict[str, int]:
    """Work the queue: claims taken in, decisions carried out, joined claims noted."""
    done = {"claims": 0, "carried_out": 0, "noted": 0}
    for item in queue.items():
        with item:
            if item.resolution:
                done["carried_out"] += 1
                item.output["summary"] = systems.carry_out(item)
            elif item.payload.get("refresh_case") is not None:
                done["noted"] += 1
                item.output["refreshed"] = _note(ctx, item)
            else:
                done["claims"] += 1
                item.output["summary"] = take_claim(ctx, systems, book, item)
    return done


# -- one claim ---------------------------------------------------------------------------
def _unreadable(claim: DisputeClaim, message: str) -> BusinessFailure:
    return BusinessFailure(UNREADABLE, message, data={"claim": claim.payload()},
                           customer=claim.customer_id or None,
                           evidence=list(claim.attachments))


def _classify_text(claim: DisputeClaim) -> str:
    pdf = str(claim.extra.get("pdf_text") or "")
    return "\n".join(t for t in (claim.subject, claim.text, pdf) if t)


def take_claim(ctx: RunContext, systems: Systems, book: Any, item: Item) -> str:
    """Open the dispute of one claim, or link it to the invoice's open dispute."""
    claim = DisputeClaim.from_payload(item.payload)
    item.describe(customer=claim.customer_id or None)
    if claim.extra.get("problem"):
        raise _unreadable(claim, str(claim.extra["problem"]))
    page = None
    if not claim.customer_id:  # a mail: the invoice says whose it is
        page = systems.desk.invoice(claim.invoice_number)
        if page is None or not page.customer_id:
            raise _unreadable(claim, f"{claim.ref}: invoice {claim.invoice_number} is not "
                              "in the billing portal")
        claim = replace(claim, customer_id=page.customer_id)
    existing = open_dispute(ctx, claim.customer_id, claim.invoice_number)
    if existing is not None:
        case_ref, linked = link_claim(ctx, existing, claim)
        item.output.update(case_ref=case_ref, case_id=existing.id, joined=True)
        if not linked:
            return f"{claim.ref} is linked to dispute {case_ref} already"
        return f"{claim.ref} joined dispute {case_ref} (case {existing.id})"
    raise _open(ctx, systems, book, item, claim)


def _open(ctx: RunContext, systems: Systems, book: Any, item: Item,
          claim: DisputeClaim) -> BusinessFailure:
    """The new dispute's case, as the item's business failure."""
    case_ref = case_ref_for(ctx, claim.customer_id, claim.invoice_number)
    found = gather(ctx, systems.desk, systems.erp, claim,
                   ctx.run_dir / "evidence" / "disputes" / safe_name(case_ref))
    if not claim.claimant_address and found.customer_email:
        claim = replace(claim, claimant_address=found.customer_email)
    if not claim.customer_name:
        claim = replace(claim, customer_name=found.customer_name)
    evidence = dict(found.evidence)
    if claim.amount <= 0:
        amount, how = claimed_amount(_classify_text(claim), found.invoice)
        if amount is None or amount <= 0:
            raise _unreadable(claim, f"{claim.ref}: no amount disputed can be read and "
                              f"invoice {claim.invoice_number} is not in the portal")
        claim = replace(claim, amount=amount)
        evidence["amount_read"] = how
    routing = route(book, _classify_text(claim), dt.datetime.now(dt.UTC))
    gross = found.invoice.gross if found.invoice is not None else Decimal("0.00")
    dispute: dict[str, Any] = {
        "case_ref": case_ref, "customer_id": claim.customer_id,
        "customer_name": claim.customer_name, "invoice_number": claim.invoice_number,
        "currency": claim.currency, "claims": [claim.as_case_claim()],
        **routing.as_data(),
        "amounts": {"invoice": f"{gross:.2f}", "disputed": f"{claim.amount:.2f}",
                    "credited": "0.00", "paid": "0.00", "written_off": "0.00",
                    "rejected": "0.00"},
        "status": "open",
        "portal_claim_ids": [claim.external_id] if claim.channel == "portal" else [],
        "credit_memos": [], "evidence": evidence}
    save_intake(ctx, new_intake(case_ref, claim, dispute))
    who = "a person classifies it" if routing.needs_person else \
        f"{routing.reason_label}, {routing.owner_team}"
    return BusinessFailure(
        DISPUTE, f"{case_ref}: {claim.customer_name or claim.customer_id} disputes "
        f"{claim.amount:,.2f} {claim.currency} of {claim.invoice_number} ({who}; decide by "
        f"{routing.sla_due:%Y-%m-%d})", data={"dispute": dispute, "case_ref": case_ref},
        rule=routing.reason_code, amount=claim.amount, customer=claim.customer_id,
        evidence=[*claim.attachments, *found.files], sla_due=routing.sla_due)


# -- after the cases opened --------------------------------------------------------------
def follow_up(ctx: RunContext, systems: Systems, queue: WorkQueue) -> dict[str, int]:
    """Receive, file, acknowledge and note what the open disputes' claims still need."""
    done = {"received": 0, "registered": 0, "filed": 0, "acknowledged": 0, "opened": 0,
            "follow_up_errors": 0}
    inbox: dict[str, str] | None = None
    for record in ctx.records.find(INTAKE, pending=True, limit=MAX_FOLLOW_UPS):
        data = dict(record.data)
        case = find_case(ctx, str(data.get("customer_id") or ""), str(data["case_ref"]))
        if case is None:
            continue  # not open (yet): its claim's item failed, or a person ended it
        data["case_id"] = case.id
        needs_mail = any(c.get("channel") == "mail" and not c.get("filed")
                         for c in data["claims"])
        try:
            if needs_mail and inbox is None:
                inbox = {(m.message_id or "").strip(): m.uid
                         for m in systems.mail.messages("INBOX")}
            _follow(ctx, systems, queue, data, case, inbox or {}, done)
        except BotFailure as exc:
            done["follow_up_errors"] += 1
            logger.warning("disputes: {} not followed up: {}", data["case_ref"], exc.message)
        finally:
            save_intake(ctx, data)
    return done


def _follow(ctx: RunContext, systems: Systems, queue: WorkQueue, data: dict[str, Any],
            case: CaseView, inbox: dict[str, str], done: dict[str, int]) -> None:
    case_ref = str(data["case_ref"])
    dispute = case.data.get("dispute") or {}
    for claim in data["claims"]:
        if claim.get("channel") == "portal" and not claim.get("received"):
            systems.desk.receive(str(claim.get("portal_claim_id") or
                                     claim["ref"].split(":", 1)[1]), case_ref)
            claim["received"] = True
            done["received"] += 1
    _register(systems, data, done)
    for claim in data["claims"]:
        if claim.get("channel") == "mail" and not claim.get("filed"):
            uid = inbox.get(str(claim.get("message_id") or ""))
            if uid is not None:
                systems.mail.move(uid, DISPUTE_FOLDER)
                done["filed"] += 1
            claim["filed"] = True
        if not claim.get("acked"):
            claim["acked"] = _acknowledge(systems, data, dispute, claim)
            done["acknowledged"] += claim["acked"] == "sent"
        if claim.get("joined") and not claim.get("noted"):
            queue.add(f"note:{claim['ref']}"[:300], {"refresh_case": case.id,
                                                     "case_ref": case_ref,
                                                     "claim_ref": claim["ref"]})
            claim["noted"] = True
    if not data.get("opened"):
        _opened(ctx, data, dispute, case)
        data["opened"] = True
        done["opened"] += 1
    _share_claims(ctx, data, dispute, case)
    data["pending"] = False


def _register(systems: Systems, data: dict[str, Any], done: dict[str, int]) -> None:
    """A dispute without a portal claim (by mail, as a deduction) registered on the claims
    desk under its reference, once: the invoice shows disputed there as a customer's claim
    makes it, and the settlement closes that claim like a portal one (its id is the
    claim's ``portal_claim_id``). The desk answers a registered reference with its claim."""
    claims = data["claims"]
    if any(c.get("channel") == "portal" or c.get("registered") for c in claims):
        return  # a customer's claim holds the invoice, or registered already
    first = next((c for c in claims if c.get("channel") in ("mail", "deduction")), None)
    if first is None:
        return
    amounts = data.get("amounts") or {}
    amount = Decimal(str(amounts.get("disputed") or first.get("amount") or "0"))
    page = systems.desk.register(
        invoice=str(data["invoice_number"]), amount=amount, channel=str(first["channel"]),
        text=f"{first['ref']}: {first.get('text') or ''}".strip(),
        case_ref=str(data["case_ref"]))
    first.update(registered=page.claim_id, portal_claim_id=page.claim_id)
    done["registered"] += 1


def _acknowledge(systems: Systems, data: dict[str, Any], dispute: dict[str, Any],
                 claim: dict[str, Any]) -> str:
    """Acknowledge one claim to its claimant: ``sent``, ``before`` (found in Sent) or
    ``no address``."""
    from bots.disputes.notify import acknowledgement, send_once

    address = str(claim.get("claimant_address") or "")
    if not address and claim.get("channel") != "mail":  # the customer's AP contact
        address = systems.erp.customer(str(data["customer_id"]))[1]
        claim["claimant_address"] = address
    if not address:
        return "no address"
    mail = acknowledgement(
        to=address, case_ref=str(data["case_ref"]), claim_ref=str(claim["ref"]),
        invoice=str(data["invoice_number"]), amount=claim.get("amount"),
        currency=str(data.get("currency") or "EUR"),
        team=str(dispute.get("owner_team") or data.get("owner_team") or "finance"),
        due=str(dispute.get("sla_due") or data.get("sla_due") or "")[:10])
    _, sent = send_once(systems.mail, mail)
    return "sent" if sent else "before"


def _opened(ctx: RunContext, data: dict[str, Any], dispute: dict[str, Any],
            case: CaseView) -> None:
    """The ``dispute_opened`` finance event, and the model's classification record."""
    amount = Decimal(str((dispute.get("amounts") or {}).get("disputed") or "0"))
    record_finance_event(
        ctx, "dispute_opened", str(data["customer_id"]), str(data["case_ref"]),
        occurred_at=case.created_at or dt.datetime.now(dt.UTC),
        summary=f"Dispute {data['case_ref']} opened: {amount:,.2f} "
                f"{data.get('currency') or 'EUR'} of invoice {data['invoice_number']} "
                f"({dispute.get('reason_label') or 'to be classified'}, owner "
                f"{dispute.get('owner_team')}).",
        amount=amount, currency=str(data.get("currency") or "EUR"),
        document=str(data["case_ref"]), invoice_numbers=[str(data["invoice_number"])],
        case_id=case.id, status_after="disputed")
    if dispute.get("classified_by") == "model":
        key = f"{data['case_ref']}/model"
        if ctx.records.get(CLASSIFICATION, key) is None:
            suggestion = dispute.get("suggestion") or {}
            claims = dispute.get("claims") or [{}]
            ctx.records.put(CLASSIFICATION, key, {
                "case_id": case.id, "claim_ref": claims[0].get("ref", ""),
                "suggested": suggestion.get("code"),
                "confidence": suggestion.get("confidence"),
                "chosen": dispute.get("reason_code"), "accepted": True, "by": "model",
                "at": dt.datetime.now(dt.UTC).isoformat()},
                customer_id=str(data["customer_id"]))


def _share_claims(ctx: RunContext, data: dict[str, Any], dispute: dict[str, Any],
                  case: CaseView) -> None:
    """The dispute's claims on the record the resolutions work from (who to tell)."""
    try:
        from bots.disputes.outcome import DisputeOutcome, claims_of, load_outcome, save_outcome
    except ImportError:  # resolutions not installed: nothing to share
        return
    outcome = load_outcome(ctx.records, str(data["case_ref"]))
    if outcome is None:
        outcome = DisputeOutcome.from_dispute(str(data["case_ref"]), case.id, dispute)
        if dispute.get("needs_person"):  # OTHER only until a person classifies it
            outcome.reason_code = ""
    outcome.merge_claims(claims_of({"claims": data["claims"]}))
    if outcome.case_id is None:
        outcome.case_id = case.id
    save_outcome(ctx.records, outcome)


def _note(ctx: RunContext, item: Item) -> dict[str, Any]:
    """A claim that joined a dispute, said in the case's history (``refreshed``)."""
    record = intake_record(ctx, str(item.payload.get("case_ref") or "")) or {}
    claims: Iterable[dict[str, Any]] = record.get("claims") or []
    claim = next((c for c in claims if c.get("ref") == item.payload.get("claim_ref")), {})
    return {"read_at": dt.datetime.now(dt.UTC).isoformat(),
            "changes": [f"claim {claim.get('ref')} ({claim.get('channel')}, "
                        f"{claim.get('amount')} received {str(claim.get('received_at'))[:10]})"
                        " joined this dispute: the same invoice, no second case; it does not "
                        "add to the disputed amount"],
            "facts": {"claims": list(record.get("claims") or [])}}

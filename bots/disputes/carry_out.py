"""People's decisions on dispute cases, carried out in the claims desk and the ERP.

Entry points: :func:`run` (the bot's ``carry_out`` phase: the decisions queued in
``dispute-claims``, then the settlement sweep) and :func:`carry_out_item` (one item that
carries a decision, for the intake loop, which meets them too).

- ``classify``: the reason, owner team and SLA a person set are recorded (a
  ``dispute_classification`` record: suggested, confidence, chosen, accepted, by); the item
  completes and keeps its case open (:meth:`~bots.runtime.queues.Item.keep_case_open`): the
  case goes back to its (new) owner with the new reason, owner team and due time, and who
  classified it as what in its history.
- ``credit_memo``: only after its approvals (the orchestrator hands the item over only
  then): the credit memo is requested in the claims desk (reference: the dispute's
  reference and the decision, so a rerun finds the same request), released with the
  approvers' names, and posted in the ERP with the portal's credit memo number as its
  reference; the case resolves with both numbers.
- ``reject``: every portal claim of the dispute rejected with the person's message (the
  portal restores the invoice's status).
- ``write_off``: the ERP write-off with its reason; ``writeoff_booked`` is recorded.

After a credit memo, a rejection or a write-off each claimant gets the outcome by mail,
once (the ``dispute_outcome`` record and the mail's reference remember it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from bots.disputes.case_upkeep import due_time
from bots.disputes.desk import ResolutionDesk
from bots.disputes.notify import outcome_mail, send_once
from bots.disputes.outcome import DisputeOutcome, claims_of, load_outcome, save_outcome
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.finance_events import record_finance_event
from bots.runtime.mail import MailClient
from bots.runtime.queues import Item
from bots.runtime.signon import SignedOnSession

__all__ = ["CLASSIFICATION", "QUEUE", "Decisions", "carry_out_item", "run"]

QUEUE = "dispute-claims"
CLASSIFICATION = "dispute_classification"
#: the intake's record of a dispute's claims (bots/disputes/dedupe.py)
INTAKE = "dispute_intake"
DISPUTE = "DISPUTE"
DEFAULTS = {"portal_credential": "billing_portal/disputes",
            "erp_credential": "legacy_erp/disputes", "mail_credential": "mail/finance"}


class Decisions:
    """What carrying out needs once per run: the targets and the mailbox, opened lazily."""

    def __init__(self, ctx: RunContext, *, portal_credential: str = DEFAULTS[
                 "portal_credential"], erp_credential: str = DEFAULTS["erp_credential"],
                 mail_credential: str = DEFAULTS["mail_credential"],
                 portal: SignedOnSession | None = None,
                 erp: SignedOnSession | None = None) -> None:
        """``portal``/``erp``: the run's signed-on sessions of the claims desk and the ERP
        when it has them (the intake's), else signed on when first needed."""
        self.ctx = ctx
        self._sessions = (portal, erp)
        self.portal_credential, self.erp_credential = portal_credential, erp_credential
        self.mail_credential = mail_credential
        self._desk: ResolutionDesk | None = None
        self._mail: MailClient | None = None

    @property
    def desk(self) -> ResolutionDesk:
        if self._desk is None:
            self._desk = ResolutionDesk(self.ctx, portal_credential=self.portal_credential,
                                        erp_credential=self.erp_credential,
                                        portal=self._sessions[0], erp=self._sessions[1])
        return self._desk

    @property
    def mail(self) -> MailClient:
        if self._mail is None:
            self._mail = self.ctx.mail(self.mail_credential)
        return self._mail


def run(ctx: RunContext, *, portal_credential: str = DEFAULTS["portal_credential"],
        erp_credential: str = DEFAULTS["erp_credential"],
        mail_credential: str = DEFAULTS["mail_credential"],
        claim: Callable[[Item], str] | None = None, settle: bool = True) -> dict[str, Any]:
    """Carry out the decisions waiting in the queue, then sweep for settled disputes.

    The queue also holds what the intake left there (a claim queued before a crash, a
    case's evidence to read again): ``claim`` handles such an item; without one, the
    intake's own queue work (:func:`bots.disputes.intake.work`) takes the whole queue,
    decisions included, so nothing in it is failed for being of another phase."""
    from bots.disputes import settle as settlement

    credentials = {"portal_credential": portal_credential, "erp_credential": erp_credential,
                   "mail_credential": mail_credential}
    if claim is None:
        done, decisions = _intake_work(ctx, credentials)
    else:
        decisions = Decisions(ctx, **credentials)
        done = {"carried_out": 0, "claims": 0}
        for item in ctx.queue(QUEUE).items():
            with item:
                if item.resolution:
                    done["carried_out"] += 1
                    item.output["summary"] = carry_out_item(ctx, decisions, item)
                else:
                    done["claims"] += 1
                    item.output["summary"] = claim(item)
    result: dict[str, Any] = dict(done)
    if settle:
        result.update(settlement.sweep(ctx, decisions))
    return result


def _intake_work(ctx: RunContext, credentials: dict[str, str]
                 ) -> tuple[dict[str, Any], Decisions]:
    """The queue worked as the intake works it (decisions through :func:`carry_out_item`)."""
    from bots.disputes import intake

    systems = intake.Systems(ctx, **credentials)
    done: dict[str, Any] = dict(intake.work(ctx, systems, intake.reason_book(ctx),
                                            ctx.queue(QUEUE)))
    decisions = getattr(systems, "_decisions", None)
    return done, decisions if isinstance(decisions, Decisions) else Decisions(ctx,
                                                                              **credentials)


def _decision(item: Item) -> tuple[str, dict[str, Any], str, str, int | None]:
    resolution = item.resolution or {}
    case_id = resolution.get("case_id")
    return (str(resolution.get("name") or ""), dict(resolution.get("values") or {}),
            str(resolution.get("by") or ""), str(resolution.get("approved_by") or ""),
            int(case_id) if case_id not in (None, "") else None)


def _outcome(ctx: RunContext, item: Item, case_id: int | None) -> DisputeOutcome:
    dispute: Mapping[str, Any] = item.payload.get("dispute") or {}
    case_ref = str(item.payload.get("case_ref") or dispute.get("case_ref")
                   or f"case-{case_id}")
    found = load_outcome(ctx.records, case_ref)
    if found is None:
        found = DisputeOutcome.from_dispute(case_ref, case_id, dispute, item.payload)
    else:
        found.merge_claims(claims_of(dispute, item.payload))
    intake = ctx.records.get(INTAKE, case_ref)  # claims linked after the case opened
    if intake is not None:
        found.merge_claims(claims_of(intake.data))
    if found.case_id is None:
        found.case_id = case_id
    return found


def carry_out_item(ctx: RunContext, decisions: Decisions, item: Item) -> str:
    """Carry out the decision ``item`` carries; the summary for the case's history."""
    name, _values, by, approver, case_id = _decision(item)
    outcome = _outcome(ctx, item, case_id)
    if name == "classify":
        return _classify(ctx, item, outcome, by)
    if outcome.status == "settled":
        item.output["already_done"] = True
        return f"{outcome.case_ref} is settled already: nothing done"
    if name == "credit_memo":
        return _credit_memo(ctx, decisions, item, outcome, by, approver)
    if name == "reject":
        return _reject(ctx, decisions, item, outcome, by)
    if name == "write_off":
        return _write_off(ctx, decisions, item, outcome, by, approver)
    raise BusinessFailure(DISPUTE, f"{name or 'no decision'} is no decision the disputes "
                          "bot carries out", data={"decision": name})


# -- classify ---------------------------------------------------------------------------
def _classify(ctx: RunContext, item: Item, outcome: DisputeOutcome, by: str) -> str:
    """Record the classification, then hand the case back open to its owner (the summary
    says who classified it as what)."""
    chosen: Mapping[str, Any] = item.payload.get("classification") or {}
    code = str(chosen.get("reason_code") or "")
    claim_ref = str(item.payload.get("ref") or item.reference)
    record_key = f"{outcome.case_ref}/{item.id}"
    if ctx.records.get(CLASSIFICATION, record_key) is None:
        ctx.records.put(CLASSIFICATION, record_key, {
            "case_id": outcome.case_id, "claim_ref": claim_ref,
            "suggested": chosen.get("suggested"), "confidence": chosen.get("confidence"),
            "chosen": code, "accepted": bool(chosen.get("accepted")), "by": by,
            "at": dt.datetime.now(dt.UTC).isoformat()}, customer_id=outcome.customer_id or None)
    outcome.reason_code = code
    outcome.owner_team = str(chosen.get("owner_team") or "")
    outcome.sla_due = str(chosen.get("sla_due") or "")
    save_outcome(ctx.records, outcome)
    said = (f"{outcome.case_ref}: classified {code} ({chosen.get('reason_label')}) by {by}"
            + (" accepting the suggestion" if chosen.get("accepted") else "")
            + f"; owner {outcome.owner_team}, decide by {outcome.sla_due[:10]}")
    ctx.audit("disputes.classify", outcome.case_ref, {"reason_code": code, "by": by,
                                                      "accepted": chosen.get("accepted")})
    # the dispute itself is not decided: the case goes back open, off the classifier's
    # desk, for its (new) owner team to take
    dispute = dict(item.payload.get("dispute") or {})
    if dispute:
        dispute.update(reason_code=code, reason_label=chosen.get("reason_label") or code,
                       owner_team=outcome.owner_team, sla_due=outcome.sla_due,
                       classified_by="person", needs_person=False)
    item.keep_case_open(f"{said}; the dispute waits for the {outcome.owner_team} team's "
                        "decision", data={"dispute": dispute} if dispute else None,
                        sla_due=due_time(outcome.sla_due), unassign=True)
    return said


# -- credit memo ------------------------------------------------------------------------
def _baseline(decisions: Decisions, outcome: DisputeOutcome) -> None:
    """The invoice's open amount before the bot changes it (what payments count from)."""
    if outcome.open_at_intake is None:
        open_now = decisions.desk.open_amounts()
        outcome.open_at_intake = open_now.get(outcome.invoice_number, Decimal("0.00"))


def _approvers(by: str, approver: str) -> str:
    """The names the portal's release records: who approved (the decider when the amount
    needed nobody else)."""
    return approver or by


def _credit_memo(ctx: RunContext, decisions: Decisions, item: Item,
                 outcome: DisputeOutcome, by: str, approver: str) -> str:
    wanted: Mapping[str, Any] = item.payload.get("credit_memo") or {}
    amount = Decimal(str(wanted.get("amount")))
    reference = f"{outcome.case_ref}/CM{outcome.case_id}/{amount:.2f}"
    memo = next((m for m in outcome.credit_memos if m.get("reference") == reference), None)
    if memo is None:
        try:
            outcome.amounts.credit(amount)
        except ValueError as exc:
            raise BusinessFailure(DISPUTE, f"{outcome.case_ref}: {exc}",
                                  customer=outcome.customer_id or None) from None
        memo = {"reference": reference, "amount": f"{amount:.2f}", "request_id": "",
                "number": "", "approved_by": "", "erp_document": "", "applied": "",
                "credit_balance": ""}
        outcome.credit_memos.append(memo)
    desk = decisions.desk
    _baseline(decisions, outcome)
    if not memo["number"]:
        claim_ids = outcome.portal_claim_ids
        reason = (f"{wanted.get('reason_label') or wanted.get('reason_code')} "
                  f"(dispute {outcome.case_ref}, decided by {by})")
        request = desk.request_credit_memo(
            invoice=outcome.invoice_number, claim_id=claim_ids[0] if claim_ids else "",
            amount=amount, reason=reason, reference=reference)
        memo["request_id"] = request.request_id
        outcome.status = "credit_requested"
        save_outcome(ctx.records, outcome)
        released = desk.release_credit_memo(request.request_id, _approvers(by, approver))
        memo.update(number=released.number, approved_by=released.approved_by)
        save_outcome(ctx.records, outcome)
    if not memo["erp_document"]:
        posted = desk.post_adjustment(
            kind="credit_memo", invoice=outcome.invoice_number, amount=amount,
            reference=memo["number"],
            reason=f"{wanted.get('reason_code')} dispute {outcome.case_ref}")
        memo.update(erp_document=posted.document, applied=f"{posted.applied:.2f}",
                    credit_balance=f"{posted.credit_balance:.2f}")
        outcome.applied += posted.applied
    if not _recorded_credit(outcome, reference):
        outcome.amounts = outcome.amounts.credit(amount)
        memo["counted"] = True
    outcome.status = "credited"
    save_outcome(ctx.records, outcome)
    ctx.audit("disputes.credit_memo", outcome.case_ref, {
        "amount": f"{amount:.2f}", "portal_credit_memo": memo["number"],
        "erp_document": memo["erp_document"], "requested_by": by, "approved_by": approver})
    _tell(ctx, decisions, outcome, "credit_memo", amount=f"{amount:.2f}",
          credit_memo=memo["number"])
    item.output["confirmation"] = f"{memo['number']} / {memo['erp_document']}"
    item.output["credit_memo"] = dict(memo)
    balance = Decimal(memo["credit_balance"] or "0")
    rest = (f"; {balance:.2f} {outcome.currency} became a credit balance" if balance > 0
            else "")
    # below the threshold no second person approved: the decision is the requester's alone
    # (the portal's release still names someone: the decider, see _approvers)
    who = f"approved by {approver}" if approver else f"decided by {by}, no approval needed"
    return (f"credit memo {memo['number']} of {amount:.2f} {outcome.currency} released in the "
            f"portal ({who}) and posted in the ERP as {memo['erp_document']}{rest}")


def _recorded_credit(outcome: DisputeOutcome, reference: str) -> bool:
    return any(m.get("reference") == reference and m.get("counted")
               for m in outcome.credit_memos)


# -- reject -----------------------------------------------------------------------------
def _reject(ctx: RunContext, decisions: Decisions, item: Item, outcome: DisputeOutcome,
            by: str) -> str:
    wanted: Mapping[str, Any] = item.payload.get("rejection") or {}
    message = str(wanted.get("message") or "").strip()
    if not message:
        raise BusinessFailure(DISPUTE, f"{outcome.case_ref}: a rejection needs its message "
                              "to the customer")
    rejected = []
    for claim_id in outcome.portal_claim_ids:
        shown = decisions.desk.reject_claim(claim_id, message)
        rejected.append(f"{claim_id} {shown.status}")
    if outcome.rejection is None:
        outcome.amounts = outcome.amounts.reject()
        outcome.rejection = {"message": message, "claims": outcome.portal_claim_ids, "by": by}
    outcome.status = "rejected"
    save_outcome(ctx.records, outcome)
    ctx.audit("disputes.reject", outcome.case_ref, {"claims": outcome.portal_claim_ids,
                                                    "by": by})
    _tell(ctx, decisions, outcome, "reject", amount=f"{outcome.amounts.rejected:.2f}",
          message=message)
    item.output["confirmation"] = ", ".join(rejected) or "rejected (no portal claim)"
    where = f"portal claim(s) {', '.join(outcome.portal_claim_ids)} rejected" if rejected \
        else "no portal claim to reject"
    return f"{outcome.case_ref}: {where}; the customer told by mail"


# -- write-off --------------------------------------------------------------------------
def _write_off(ctx: RunContext, decisions: Decisions, item: Item, outcome: DisputeOutcome,
               by: str, approver: str) -> str:
    wanted: Mapping[str, Any] = item.payload.get("write_off") or {}
    amount = Decimal(str(wanted.get("amount")))
    reference = f"{outcome.case_ref}/WO{outcome.case_id}/{amount:.2f}"
    entry = next((w for w in outcome.write_offs if w.get("reference") == reference), None)
    if entry is None:
        try:
            outcome.amounts.write_off(amount)
        except ValueError as exc:
            raise BusinessFailure(DISPUTE, f"{outcome.case_ref}: {exc}",
                                  customer=outcome.customer_id or None) from None
        entry = {"reference": reference, "amount": f"{amount:.2f}",
                 "reason": str(wanted.get("reason") or ""), "document": ""}
        outcome.write_offs.append(entry)
    _baseline(decisions, outcome)
    if not entry["document"]:
        posted = decisions.desk.post_adjustment(
            kind="write_off", invoice=outcome.invoice_number, amount=amount,
            reference=reference, reason=entry["reason"])
        entry["document"] = posted.document
        outcome.applied += posted.applied
        outcome.amounts = outcome.amounts.write_off(amount)
        outcome.status = "written_off"
        save_outcome(ctx.records, outcome)
    record_finance_event(
        ctx, "writeoff_booked", outcome.customer_id, reference,
        occurred_at=dt.datetime.now(dt.UTC),
        summary=f"{amount:.2f} {outcome.currency} of disputed invoice "
                f"{outcome.invoice_number} written off ({wanted.get('reason_label')}).",
        amount=amount, currency=outcome.currency, document=entry["document"],
        invoice_numbers=[outcome.invoice_number], case_id=outcome.case_id,
        status_after="written off")
    ctx.audit("disputes.write_off", outcome.case_ref, {
        "amount": f"{amount:.2f}", "document": entry["document"], "requested_by": by,
        "approved_by": approver})
    _tell(ctx, decisions, outcome, "write_off", amount=f"{amount:.2f}")
    item.output["confirmation"] = entry["document"]
    return (f"{amount:.2f} {outcome.currency} written off on {outcome.invoice_number} in the "
            f"ERP as {entry['document']} ({wanted.get('reason_label')})")


# -- outcome mails ----------------------------------------------------------------------
def _tell(ctx: RunContext, decisions: Decisions, outcome: DisputeOutcome, kind: str, *,
          amount: str, credit_memo: str = "", message: str = "") -> None:
    """The outcome to each claimant with an address, once each."""
    addresses: dict[str, str] = {}
    for claim in outcome.claims:
        if claim.get("address"):
            addresses.setdefault(claim["address"].lower(), claim["ref"])
    for address, claim_ref in addresses.items():
        mail = outcome_mail(kind, to=address, case_ref=outcome.case_ref, claim_ref=claim_ref,
                            invoice=outcome.invoice_number, amount=amount,
                            currency=outcome.currency, credit_memo=credit_memo,
                            message=message)
        if mail.reference in outcome.mails:
            continue
        send_once(decisions.mail, mail)
        outcome.mails.append(mail.reference)
        save_outcome(ctx.records, outcome)
    if not addresses:
        ctx.log.warning("{}: no claimant address known; the outcome is not mailed",
                        outcome.case_ref)

"""Payment posting learns from people: what a person's ``apply`` teaches, and the check that
a learned rule a decision relied on is still in force when the bot posts.

* :func:`hints` reads the bot's active learned rules for matching (once per statement).
* :func:`check_still_learned` runs before a posting that relied on a learned rule: a rule
  withdrawn since intake turns the payment back into the exception the engine made
  without it, so a withdrawal stops the rule's use at once.
* :func:`learn_from_apply` runs after the ERP confirmed a person's allocation of a payment
  the engine could not decide (AMBIGUOUS, UNKNOWN_PAYER, UNMATCHED): the lessons of
  :func:`bots.cashapp.matching.learned.lessons` become learned rules citing the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bots.cashapp.matching.learned import LearnedHints, lessons
from bots.cashapp.model import LearnedUse
from bots.runtime import BusinessFailure, Item, RunContext
from bots.runtime.learned import LearnedRule

__all__ = ["check_still_learned", "hints", "learn_from_apply", "learned_payload"]


def hints(ctx: RunContext) -> LearnedHints:
    """The bot's active learned rules, read from its backend now."""
    return LearnedHints.from_rules(ctx.learned.rules())


def learned_payload(uses: tuple[LearnedUse, ...]) -> list[dict[str, Any]]:
    """The learned rules a decision used, as the work item (and any case) shows them."""
    return [{"rule_id": u.rule_id, "origin": u.origin, "says": u.says, "kind": u.kind,
             "source_case": u.source_case, "created_by": u.created_by,
             "without_reason": str(u.without_reason) if u.without_reason else None,
             "without_explanation": u.without_explanation} for u in uses]


def check_still_learned(ctx: RunContext, payload: Mapping[str, Any]) -> None:
    """Refuse a posting whose learned rule was withdrawn after intake (BusinessFailure with
    the reason the engine gave without the rule). A person's own decision is not checked."""
    uses = payload.get("learned") or []
    if not uses or payload.get("resolves_case") is not None:
        return
    for use in uses:
        if not ctx.learned.active(int(use["rule_id"])):
            why = use.get("without_explanation") or "the payment needs a person"
            raise BusinessFailure(
                use.get("without_reason") or "UNMATCHED",
                f"learned rule {use['rule_id']} ({use.get('origin')}) was withdrawn before "
                f"posting: {why}")


def learn_from_apply(ctx: RunContext, item: Item, confirmation: str) -> list[LearnedRule]:
    """Remember what the person's ``apply`` (now confirmed by the ERP) teaches. Never
    raises: the posting is done whatever happens here; a failure is logged and skipped."""
    payload = item.payload
    resolution = payload.get("resolution") or {}
    if resolution.get("name") != "apply" or payload.get("resolves_case") is None:
        return []
    case_id = int(payload["resolves_case"])
    allocations = payload.get("allocations") or []
    taught = lessons(reason=payload.get("case_reason"), entry=payload.get("entry") or {},
                     customer_id=str(payload.get("customer_id") or ""),
                     invoices=[str(a["invoice_number"]) for a in allocations],
                     candidates=payload.get("candidates") or [],
                     engine_customer=payload.get("case_customer"))
    if not taught:
        return []
    by = str(resolution.get("by") or "a person")
    decision = _decision(payload, case_id, by, resolution.get("approved_by"), confirmation)
    learned: list[LearnedRule] = []
    with ctx.recorder.step("learn_from_decision", app="finbots",
                           rule="a person's allocation of an undecided payment",
                           data={"case": case_id, "decided_by": by}) as st:
        try:
            for lesson in taught:
                learned.append(ctx.learned.learn(
                    lesson.kind, lesson.key, lesson.value, source_case=case_id, created_by=by,
                    evidence={"says": lesson.says, "decision": decision,
                              "bank_reference": item.reference, "confirmation": confirmation,
                              "invoices": [a["invoice_number"] for a in allocations]}))
        except Exception as exc:  # the posting stands; learning waits for the next decision
            ctx.log.warning("learning from case {} failed: {}", case_id, exc)
            st.skip(f"not learned: {exc}")
        st.data["learned"] = [{"rule_id": r.id, "says": r.evidence.get("says")}
                              for r in learned]
    return learned


def _decision(payload: Mapping[str, Any], case_id: int, by: str, approved_by: Any,
              confirmation: str) -> str:
    entry = payload.get("entry") or {}
    invoices = ", ".join(f"{a['invoice_number']} {a['amount']}"
                         for a in payload.get("allocations") or [])
    payer = entry.get("counterparty_name") or entry.get("counterparty_iban") or "?"
    text = (f"case {case_id} ({payload.get('case_reason')}): {by} applied {entry.get('amount')} "
            f"{entry.get('currency', '')} from {payer} to {invoices} of "
            f"{payload.get('customer_id')}")
    if approved_by:
        text += f", approved by {approved_by}"
    return f"{text}; ERP {confirmation}"

"""The dispute case's resolutions: input checks, approval by amount, amounts, mails."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.disputes.amounts import Amounts, paid_since_intake
from bots.disputes.notify import acknowledgement, outcome_mail
from bots.disputes.outcome import DisputeOutcome, claims_of
from bots.disputes.resolutions import (
    MAX_MESSAGE,
    RESOLUTIONS,
    prepare_classify,
    prepare_credit_memo,
    prepare_reject,
    prepare_write_off,
)
from bots.disputes.settle import paid_now

D = Decimal


def _case(disputed: str = "1249.98", credited: str = "0.00", **dispute: object) -> dict:
    """A D02-like case: 10 of 50 pallets short on INV-2026-2002 (gross 6249.88)."""
    return {"id": 7, "reference": "portal:DSP-0002", "amount": disputed, "data": {"dispute": {
        "case_ref": "DSP-CASE-2002", "customer_id": "C1004", "invoice_number": "INV-2026-2002",
        "currency": "EUR", "reason_code": "QUANTITY", "classified_by": "model",
        "claims": [{"ref": "portal:DSP-0002", "channel": "portal",
                    "received_at": "2026-11-17T14:05:00+00:00", "amount": disputed,
                    "claimant_address": "ap@dunmore.example"}],
        "suggestion": {"code": "QUANTITY", "confidence": "0.91", "words": ["pallets"],
                       "needs_person": False},
        "amounts": {"invoice": "6249.88", "disputed": disputed, "credited": credited,
                    "paid": "0.00", "written_off": "0.00", "rejected": "0.00"},
        **dispute}}}


def test_every_resolution_has_a_prepare_hook_and_the_money_ones_an_approval_kind() -> None:
    names = {r.name: r for r in RESOLUTIONS}
    assert set(names) == {"classify", "credit_memo", "reject", "write_off"}
    assert all(r.prepare is not None for r in RESOLUTIONS)
    assert names["credit_memo"].approval and names["write_off"].approval
    assert names["reject"].approval is None and names["classify"].approval is None


@pytest.mark.parametrize(("amount", "approvers"), [("1000.00", None), ("1000.01", 2),
                                                   ("1249.98", 2), ("150.00", None)])
def test_a_credit_memo_above_the_limit_needs_two_approvers(amount: str,
                                                           approvers: int | None) -> None:
    prepared = prepare_credit_memo(_case(), {"amount": amount})
    assert prepared.approvers == approvers
    assert prepared.amount == D(amount)  # the orchestrator's threshold is checked on it
    memo = prepared.payload["credit_memo"]
    assert memo["amount"] == amount and memo["invoice_number"] == "INV-2026-2002"
    assert prepared.payload["case_ref"] == "DSP-CASE-2002"
    assert prepared.payload["dispute"]["customer_id"] == "C1004"


def test_the_two_approver_limit_cannot_be_split_into_smaller_credit_memos() -> None:
    assert prepare_credit_memo(_case(), {"amount": "700.00"}).approvers is None
    second = prepare_credit_memo(_case(credited="700.00"), {"amount": "400.00"})
    assert second.approvers == 2  # 1,100.00 credited on this dispute in all


def test_the_two_approver_limit_comes_from_the_case_when_the_bot_wrote_it() -> None:
    case = _case(credit_two_approvers_above="100.00")
    assert prepare_credit_memo(case, {"amount": "150.00"}).approvers == 2


def test_a_credit_memo_is_at_most_what_is_disputed_and_not_credited() -> None:
    with pytest.raises(ValueError, match=r"Amount: 1249.99 is more than the 1249.98"):
        prepare_credit_memo(_case(), {"amount": "1249.99"})
    with pytest.raises(ValueError, match=r"more than the 249.98 still disputed"):
        prepare_credit_memo(_case(credited="1000.00"), {"amount": "250.00"})
    with pytest.raises(ValueError, match="Amount"):
        prepare_credit_memo(_case(), {"amount": "12.345"})
    with pytest.raises(ValueError, match="Amount"):
        prepare_credit_memo(_case(), {"amount": "-5"})
    with pytest.raises(ValueError, match="Reason code: NONSENSE"):
        prepare_credit_memo(_case(), {"amount": "10.00", "reason_code": "nonsense"})


def test_a_rejection_needs_its_message_of_at_most_1000_characters() -> None:
    with pytest.raises(ValueError, match="Message to the customer"):
        prepare_reject(_case(), {"message": "   "})
    with pytest.raises(ValueError, match=f"at most {MAX_MESSAGE}"):
        prepare_reject(_case(), {"message": "x" * (MAX_MESSAGE + 1)})
    ok = prepare_reject(_case(), {"message": "The delivery note shows 50 pallets."})
    assert ok.amount is None and ok.approvers is None
    assert ok.payload["rejection"]["message"] == "The delivery note shows 50 pallets."


def test_a_write_off_needs_a_configured_reason_and_is_approved_by_amount() -> None:
    with pytest.raises(ValueError, match="Write-off reason"):
        prepare_write_off(_case(), {"amount": "10.00", "reason": "BECAUSE"})
    with pytest.raises(ValueError, match="more than the"):
        prepare_write_off(_case(disputed="100.00"), {"amount": "100.01",
                                                     "reason": "GOODWILL"})
    prepared = prepare_write_off(_case(), {"amount": "49.98", "reason": "goodwill"})
    assert prepared.amount == D("49.98") and prepared.approvers is None
    assert prepared.payload["write_off"]["reason"] == "GOODWILL"


def test_classifying_sets_owner_and_sla_and_says_whether_the_suggestion_was_taken() -> None:
    accepted = prepare_classify(_case(), {"accept_suggestion": "on"})
    c = accepted.payload["classification"]
    assert (c["reason_code"], c["accepted"], c["suggested"]) == ("QUANTITY", True, "QUANTITY")
    assert c["owner_team"] == "operations"
    assert c["sla_due"].startswith("2026-11-")  # from the claim's arrival, not from now
    changed = prepare_classify(_case(), {"reason_code": "PRICING"})
    c = changed.payload["classification"]
    assert (c["reason_code"], c["accepted"], c["owner_team"]) == ("PRICING", False, "sales")
    with pytest.raises(ValueError, match="Reason code: choose"):
        prepare_classify(_case(), {})
    with pytest.raises(ValueError, match="differs from the suggestion"):
        prepare_classify(_case(), {"accept_suggestion": "on", "reason_code": "TAX"})
    with pytest.raises(ValueError, match="Reason code: BOGUS"):
        prepare_classify(_case(), {"reason_code": "bogus"})


def test_amounts_add_up_and_settle() -> None:
    a = Amounts.from_dict({"invoice": "6249.88", "disputed": "1249.98"})
    a = a.credit(D("1000.00"))
    assert (a.credited, a.decidable, a.settled) == (D("1000.00"), D("249.98"), False)
    with pytest.raises(ValueError, match=r"more than the 249\.98"):
        a.write_off(D("250.00"))
    a = a.write_off(D("49.98"))
    assert a.open == D("200.00")
    assert a.with_paid(D("500.00")).paid == D("200.00")  # never more than is disputed
    assert a.with_paid(D("200.00")).settled
    assert Amounts.from_dict(a.as_dict()) == a
    with pytest.raises(ValueError, match=r"amounts\.paid"):
        Amounts.from_dict({"paid": "abc"})


def test_only_what_goes_past_the_undisputed_part_is_paid_of_the_disputed_part() -> None:
    a = Amounts.from_dict({"invoice": "6249.88", "disputed": "1249.98"})
    # the customer pays the undisputed 4999.90: nothing of the disputed part
    assert paid_since_intake(a, open_at_intake=D("6249.88"), open_now=D("1249.98"),
                             applied=D("0")) == D("0.00")
    # then 200.00 more
    assert paid_since_intake(a, open_at_intake=D("6249.88"), open_now=D("1049.98"),
                             applied=D("0")) == D("200.00")
    # a credit memo of 1000.00 took that much off: not a payment
    credited = a.credit(D("1000.00"))
    assert paid_since_intake(credited, open_at_intake=D("6249.88"), open_now=D("249.98"),
                             applied=D("1000.00")) == D("0.00")
    assert paid_since_intake(credited, open_at_intake=D("6249.88"), open_now=D("0.00"),
                             applied=D("1000.00")) == D("249.98")


def test_a_rejected_claim_on_an_invoice_paid_before_settles() -> None:
    outcome = DisputeOutcome("DSP-CASE-2004", 9, "C1002", "INV-2026-2004", "EUR",
                             Amounts.from_dict({"disputed": "510.00"}), open_at_intake=D("0"))
    assert paid_now(outcome, D("0")) == D("0.00")  # undecided: paid under protest
    outcome.status, outcome.amounts = "rejected", outcome.amounts.reject()
    outcome.amounts = outcome.amounts.with_paid(paid_now(outcome, D("0")))
    assert outcome.amounts.settled


def test_outcome_mails_name_the_credit_memo_or_the_message_and_carry_a_reference() -> None:
    mail = outcome_mail("credit_memo", to="ap@dunmore.example", case_ref="DSP-CASE-2002",
                        claim_ref="portal:DSP-0002", invoice="INV-2026-2002",
                        amount="1249.98", currency="EUR", credit_memo="CM-2026-1001")
    assert "CM-2026-1001" in mail.text and "1249.98 EUR" in mail.text
    assert mail.subject == "Credit memo CM-2026-1001 for invoice INV-2026-2002"
    assert mail.reference == ("dispute-outcome:DSP-CASE-2002:portal:DSP-0002:credit_memo:"
                              "CM-2026-1001")
    rejected = outcome_mail("reject", to="ap@elbe-pharma.example", case_ref="R",
                            claim_ref="portal:DSP-0005", invoice="INV-2026-2005",
                            amount="218.88", currency="EUR",
                            message="Shipped to Hamburg: German VAT applies. $amount")
    assert "Shipped to Hamburg: German VAT applies. $amount" in rejected.text
    with pytest.raises(ValueError, match="message"):
        outcome_mail("reject", to="a@b.example", case_ref="R", claim_ref="c", invoice="I",
                     amount="1", currency="EUR")
    with pytest.raises(ValueError, match="credit_memo"):
        outcome_mail("credit_memo", to="a@b.example", case_ref="R", claim_ref="c",
                     invoice="I", amount="1", currency="EUR")
    ack = acknowledgement(to="a@b.example", case_ref="R", claim_ref="mail:<x@y>",
                          invoice="INV-1", amount="10.00", currency="EUR", team="sales",
                          due="2026-11-23")
    assert "sales team" in ack.text and ack.reference == "dispute-ack:R:mail:<x@y>"


def test_claimants_and_portal_claims_of_a_dispute() -> None:
    dispute = _case()["data"]["dispute"]
    dispute["claims"].append({"ref": "mail:<m1@dunmore.example>",
                              "sender": "ap@dunmore.example"})
    claims = claims_of(dispute)
    assert [c["portal_claim_id"] for c in claims] == ["DSP-0002", ""]
    assert all(c["address"] == "ap@dunmore.example" for c in claims)

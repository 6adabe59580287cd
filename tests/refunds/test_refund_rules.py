"""The refunds bot's rules without a browser: bank details schwifty refuses, the window of a
recent change, the policy document's checks, and who may verify or ask for a refund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from bots.cashapp.identifiers import make_iban
from bots.refunds.case_types import prepare_refund, prepare_verified
from bots.refunds.policy import (
    BankDetails,
    RefundPolicy,
    bank_problem,
    check_policy,
    recently_changed,
)
from bots.refunds.review import _approved, _verification
from bots.runtime.errors import ConfigError

DE = make_iban("DE", "370400440532013000")
DAY = dt.date(2026, 11, 20)


def _details(iban: str = DE, bic: str = "", changed_on: dt.date | None = DAY,
             changed_by: str = "s.kline", holder: str = "Acme Industrial GmbH") -> BankDetails:
    return BankDetails("C1001", holder, iban, bic, changed_on, changed_by)


def test_bank_details_schwifty_refuses_are_named() -> None:
    assert bank_problem(_details()) == ""
    assert bank_problem(None) == "no bank details on file"
    assert "checksum" in bank_problem(_details(iban="DE00370400440532013000")).lower()
    assert "IBAN is not valid" in bank_problem(_details(iban="XX12"))
    assert "holder" in bank_problem(_details(holder=" "))
    assert "BIC is not valid" in bank_problem(_details(bic="COBADEFFXX"))
    assert "is of FR" in bank_problem(_details(bic="BNPAFRPPXXX"))
    assert bank_problem(_details(bic="COBADEFFXXX")) == ""


def test_recent_change_counts_back_from_the_business_date() -> None:
    assert recently_changed(_details(changed_on=DAY - dt.timedelta(days=30)), DAY, 30)
    assert not recently_changed(_details(changed_on=DAY - dt.timedelta(days=31)), DAY, 30)
    assert recently_changed(_details(changed_on=DAY + dt.timedelta(days=13)), DAY, 30)
    assert recently_changed(_details(changed_on=DAY), DAY, 0)


def test_policy_document_is_checked() -> None:
    policy = RefundPolicy.from_config({"auto_refund_up_to": "250.00",
                                       "verify_changed_within_days": 30})
    assert policy.auto_refund_up_to == Decimal("250.00")
    for bad in ({"auto_refund_up_to": "-1", "verify_changed_within_days": 30},
                {"auto_refund_up_to": "12.345", "verify_changed_within_days": 30},
                {"auto_refund_up_to": "abc", "verify_changed_within_days": 30},
                {"auto_refund_up_to": "250", "verify_changed_within_days": "30"},
                {"auto_refund_up_to": "250", "verify_changed_within_days": -1}):
        with pytest.raises(ConfigError, match="refund_policy"):
            check_policy(bad)


def _case(requested_by: str, amount: str = "120.00", **data: Any) -> dict[str, Any]:
    return {"requested_by": requested_by, "amount": Decimal(amount),
            "data": {"balance": {"amount": amount}, "auto_refund_up_to": "250.00",
                     "bank_details": {"iban": DE, "changed_by": "s.kline"}, **data}}


def test_verification_is_never_by_who_changed_the_details() -> None:
    with pytest.raises(ValueError, match="changed these bank details"):
        prepare_verified(_case("S.Kline"), {"iban": DE, "how": "myself"})
    done = prepare_verified(_case("vera"), {"iban": DE.lower(), "how": "called back"})
    assert done.payload["verification"] == {"by": "vera", "how": "called back", "iban": DE}
    assert done.amount is None and done.approvers is None  # below the limit: no approval
    above = prepare_verified(_case("vera", "900.00"), {"iban": DE, "how": "called back"})
    assert (above.amount, above.approvers) == (Decimal("900.00"), 1)
    assert above.payload["approved_refund"] == {"amount": "900.00", "iban": DE}
    with pytest.raises(ValueError, match="changed these bank details"):
        prepare_refund(_case("s.kline", "900.00"), {})


class _Item:
    def __init__(self, payload: dict[str, Any], resolution: dict[str, Any] | None) -> None:
        self.payload, self.resolution = payload, resolution


def test_a_decision_holds_only_for_the_details_it_was_taken_on() -> None:
    from bots.refunds.erp import Balance

    details = _details()
    assert _verification({"verification": {"by": "vera", "iban": DE}}, details)
    other = make_iban("DE", "500105175407324931")
    assert _verification({"verification": {"by": "vera", "iban": other}}, details) is None
    assert _verification({"verification": {"by": "s.kline", "iban": DE}}, details) is None

    balance = Balance(2, "C1001", "Acme", Decimal("900.00"), "EUR", "CM-1", "2026-11-02",
                      "open", "")
    payload = {"approved_refund": {"amount": "900.00", "iban": DE}}
    ok = {"name": "refund", "by": "alice", "approved_by": "bob"}
    assert _approved(_Item(payload, ok), balance, details)  # type: ignore[arg-type]
    for wrong in ({**ok, "approved_by": ""}, {**ok, "approved_by": "alice"},
                  {**ok, "approved_by": "s.kline"}, {**ok, "name": "keep_on_account"}):
        assert not _approved(_Item(payload, wrong), balance, details)  # type: ignore[arg-type]
    moved = {"approved_refund": {"amount": "900.00", "iban": other}}
    assert not _approved(_Item(moved, ok), balance, details)  # type: ignore[arg-type]

"""The refund policy (``config/refund_policy.yaml``) and the checks of a customer's bank
details before money leaves: the IBAN (and BIC, when given) validated with schwifty, and
whether they changed so recently that a second person must verify them first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from bots.runtime.errors import ConfigError

__all__ = ["BankDetails", "RefundPolicy", "bank_problem", "check_policy", "recently_changed"]

MAX_DAYS = 3660


@dataclass(frozen=True)
class RefundPolicy:
    auto_refund_up_to: Decimal
    verify_changed_within_days: int

    @classmethod
    def from_config(cls, doc: Mapping[str, Any]) -> RefundPolicy:
        raw = doc.get("auto_refund_up_to")
        try:
            limit = Decimal(str(raw))
        except InvalidOperation:
            raise ConfigError(f"refund_policy: auto_refund_up_to: {raw!r} is not an "
                              "amount") from None
        if not limit.is_finite() or limit < 0 or limit != limit.quantize(Decimal("0.01")):
            raise ConfigError(f"refund_policy: auto_refund_up_to: {raw!r} is not an amount "
                              "of 0 or more with at most two decimals")
        days = doc.get("verify_changed_within_days")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
            raise ConfigError(f"refund_policy: verify_changed_within_days: {days!r} is not a "
                              f"number of days (0 to {MAX_DAYS})")
        return cls(limit.quantize(Decimal("0.01")), days)


def check_policy(doc: dict[str, Any]) -> None:
    """The orchestrator's check of a changed policy (raises ConfigError naming the field)."""
    RefundPolicy.from_config(doc)


@dataclass(frozen=True)
class BankDetails:
    """A customer's bank details as the ERP shows them (None when it has none)."""

    customer_id: str
    holder: str
    iban: str
    bic: str
    changed_on: dt.date | None
    changed_by: str

    def as_data(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "holder": self.holder, "iban": self.iban,
                "bic": self.bic,
                "changed_on": self.changed_on.isoformat() if self.changed_on else "",
                "changed_by": self.changed_by}


def bank_problem(details: BankDetails | None) -> str:
    """Why money cannot go to these details ("" when it can): none on file, no holder, an
    IBAN or BIC schwifty refuses, or a BIC of another country than the IBAN's."""
    if details is None:
        return "no bank details on file"
    if not details.holder.strip():
        return "the account holder's name is missing"
    try:
        iban = IBAN(details.iban)
    except SchwiftyException as exc:
        return f"the IBAN is not valid: {exc}"
    if details.bic:
        try:
            bic = BIC(details.bic)
        except SchwiftyException as exc:
            return f"the BIC is not valid: {exc}"
        if bic.country_code != iban.country_code:
            return (f"the BIC {details.bic} is of {bic.country_code}, the IBAN of "
                    f"{iban.country_code}")
    if details.changed_on is None:
        return "the ERP shows no date of the last change"
    return ""


def recently_changed(details: BankDetails, day: dt.date, within_days: int) -> bool:
    """Changed ``within_days`` days before ``day``, or later (a change dated after the
    business date is the most recent of all)."""
    assert details.changed_on is not None
    return details.changed_on >= day - dt.timedelta(days=within_days)

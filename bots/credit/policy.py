"""The credit policy (``config/credit_policy.yaml``) and the decision it makes on one held
order: release automatically, or which role decides it and how many approve a release.

The policy is data, checked by :func:`check_policy` whenever a person changes it and on
every read; :func:`decide` applies it to the facts the bot gathered in the ERP
(:class:`CreditFacts`) and names the rule that decided, so the step, the ERP's release
reason and the case all say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bots.runtime.errors import ConfigError

__all__ = ["ANALYST", "MANAGER", "ClassRules", "CreditDecision", "CreditFacts", "CreditPolicy",
           "check_policy", "decide"]

ANALYST, MANAGER = "credit_analyst", "credit_manager"


def _money(raw: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ConfigError(f"credit_policy: {where}: {raw!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ConfigError(f"credit_policy: {where}: {raw!r} is not an amount of 0 or more")
    return value.quantize(Decimal("0.01"))


def _days(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ConfigError(f"credit_policy: {where}: {raw!r} is not a number of days")
    return raw


@dataclass(frozen=True)
class ClassRules:
    auto_release_up_to: Decimal
    max_days_overdue: int
    max_avg_days_late: int


@dataclass(frozen=True)
class CreditPolicy:
    classes: dict[str, ClassRules]
    analyst_up_to: Decimal
    two_approvers_above: Decimal

    @classmethod
    def from_config(cls, doc: Mapping[str, Any]) -> CreditPolicy:
        classes_raw = doc.get("risk_classes")
        if not isinstance(classes_raw, Mapping) or not classes_raw:
            raise ConfigError("credit_policy: risk_classes: a mapping of risk class to rules")
        classes = {}
        for name, rules in classes_raw.items():
            where = f"risk_classes.{name}"
            if not isinstance(rules, Mapping):
                raise ConfigError(f"credit_policy: {where}: a mapping of rules")
            unknown = set(rules) - {"auto_release_up_to", "max_days_overdue",
                                    "max_avg_days_late"}
            if unknown:
                raise ConfigError(f"credit_policy: {where}: unknown rule {sorted(unknown)[0]!r}")
            classes[str(name).upper()] = ClassRules(
                _money(rules.get("auto_release_up_to", "0"), f"{where}.auto_release_up_to"),
                _days(rules.get("max_days_overdue", 0), f"{where}.max_days_overdue"),
                _days(rules.get("max_avg_days_late", 0), f"{where}.max_avg_days_late"))
        routing = doc.get("routing")
        if not isinstance(routing, Mapping):
            raise ConfigError("credit_policy: routing: analyst_up_to and two_approvers_above")
        analyst = _money(routing.get("analyst_up_to"), "routing.analyst_up_to")
        two = _money(routing.get("two_approvers_above"), "routing.two_approvers_above")
        if two < analyst:
            raise ConfigError("credit_policy: routing.two_approvers_above is below "
                              "routing.analyst_up_to")
        return cls(classes, analyst, two)


def check_policy(doc: dict[str, Any]) -> None:
    """The configuration check (raises ConfigError naming the field)."""
    CreditPolicy.from_config(doc)


@dataclass(frozen=True)
class CreditFacts:
    """What the bot read in the ERP about one held order and its customer."""

    order: str
    customer_id: str
    amount: Decimal
    currency: str
    hold_reason: str
    credit_limit: Decimal | None
    risk_class: str
    open_receivables: Decimal
    open_orders: Decimal  # released orders not yet invoiced, this one left out
    max_days_overdue: int
    avg_days_late: Decimal | None  # None: the ERP shows no paid history
    open_disputes: int = 0

    @property
    def exposure_after(self) -> Decimal:
        return self.open_receivables + self.open_orders + self.amount

    def as_data(self) -> dict[str, Any]:
        return {"order": self.order, "customer_id": self.customer_id,
                "amount": f"{self.amount:.2f}", "currency": self.currency,
                "hold_reason": self.hold_reason,
                "credit_limit": None if self.credit_limit is None else f"{self.credit_limit:.2f}",
                "risk_class": self.risk_class,
                "open_receivables": f"{self.open_receivables:.2f}",
                "open_orders": f"{self.open_orders:.2f}",
                "exposure_after_release": f"{self.exposure_after:.2f}",
                "max_days_overdue": self.max_days_overdue,
                "avg_days_late": None if self.avg_days_late is None else str(self.avg_days_late),
                "open_disputes": self.open_disputes}


@dataclass(frozen=True)
class CreditDecision:
    release: bool
    rule: str  # the rule that released it, or the first one that failed
    route_to: str = ""  # credit_analyst | credit_manager when a person decides
    approvers: int = 0  # distinct approvers a person's release needs (dual control)
    failed: list[str] = field(default_factory=list)  # every rule that failed


def decide(policy: CreditPolicy, f: CreditFacts) -> CreditDecision:
    """Release automatically when every rule of the customer's risk class holds."""
    rules = policy.classes.get(f.risk_class.upper())
    failed: list[str] = []
    if f.credit_limit is None:
        failed.append("no credit limit in the customer master")
    elif f.exposure_after > f.credit_limit:
        failed.append(f"exposure after release {f.exposure_after:.2f} over the credit limit "
                      f"{f.credit_limit:.2f}")
    if rules is None:
        failed.append(f"risk class {f.risk_class or '(none)'} has no credit rules")
    else:
        if f.max_days_overdue > rules.max_days_overdue:
            failed.append(f"an item {f.max_days_overdue} days overdue (risk class "
                          f"{f.risk_class} allows {rules.max_days_overdue})")
        if f.avg_days_late is not None and f.avg_days_late >= rules.max_avg_days_late:
            failed.append(f"paid {f.avg_days_late} days late on average (risk class "
                          f"{f.risk_class} allows under {rules.max_avg_days_late})")
    if f.open_disputes:
        failed.append(f"{f.open_disputes} open dispute(s)")
    if rules is not None and f.amount > rules.auto_release_up_to:
        failed.append(f"order {f.amount:.2f} above the automatic release limit "
                      f"{rules.auto_release_up_to:.2f} of risk class {f.risk_class}")
    if not failed:
        assert rules is not None
        return CreditDecision(True, (
            f"credit policy, risk class {f.risk_class}: order {f.amount:.2f} within "
            f"{rules.auto_release_up_to:.2f}, exposure {f.exposure_after:.2f} within the "
            f"limit {f.credit_limit:.2f}, oldest item {f.max_days_overdue} days overdue "
            f"(at most {rules.max_days_overdue}), no open dispute"))
    route = ANALYST if f.amount <= policy.analyst_up_to else MANAGER
    approvers = 2 if f.amount > policy.two_approvers_above else 0
    return CreditDecision(False, failed[0], route, approvers, failed)

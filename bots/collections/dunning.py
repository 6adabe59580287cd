"""The dunning policy: which customer gets which reminder level for which invoices, and
why the others get none (pure; the bot reads the facts from the ERP and the orchestrator).

Rules, per customer with overdue items, in this order (the first that applies decides):

1. items that are disputed or covered by an open promise to pay are never reminded; when
   nothing else is overdue: ``DISPUTED`` or ``PROMISED`` (the first such item's reason);
2. ``BELOW_FIRST_LEVEL``: the most overdue remindable item has not reached level 1;
3. ``DUNNING_BLOCK``: the customer master blocks the customer from dunning;
4. ``PAYMENT_IN_CASE``: a payment of the customer waits in an open case of the
   payment-posting bot (money arrived, not yet applied);
5. ``UNAPPLIED_CASH``: the ERP holds cash on the customer's account not yet applied.

Rules 1 and 2 need the aging only (:func:`nothing_to_remind`); the bot reads the customer
master, the open cases and the statement only for the customers they leave.

Otherwise the customer's level is the highest whose ``min_days_overdue`` its most overdue
remindable item reaches, and the reminder lists every remindable item overdue at least the
first level's days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bots.collections.erp import AgingItem
from bots.runtime.errors import ConfigError

__all__ = ["Decision", "Facts", "Level", "check_dunning", "decide", "levels",
           "nothing_to_remind", "reminder_reference"]

CHANNELS = ("mail",)
PLACEHOLDERS = ("company", "customer_id", "customer_name", "as_of", "level", "reference",
                "items", "total", "currency", "collector")
MAX_LEVELS = 9


@dataclass(frozen=True)
class Level:
    level: int
    min_days_overdue: int
    channel: str
    templates: Mapping[str, Mapping[str, str]]
    attach_statement: bool = False
    collector_task: bool = False
    dunning_block: bool = False


@dataclass(frozen=True)
class Decision:
    customer_id: str
    level: Level | None  # None: no reminder (see ``skip``)
    items: tuple[AgingItem, ...] = ()
    skip: str = ""  # the reason code when no reminder
    why: str = ""  # the reason in words, for the step
    held_back: tuple[tuple[str, str], ...] = field(default=())  # (invoice, DISPUTED|PROMISED)

    @property
    def total(self) -> Decimal:
        return sum((i.open for i in self.items), Decimal("0.00"))


def reminder_reference(customer_id: str, level: int, as_of: dt.date) -> str:
    """The reference a reminder carries (mail header and ERP note)."""
    return f"DUN-{customer_id}-L{level}-{as_of:%Y%m%d}"


def _sample() -> dict[str, str]:
    return dict.fromkeys(PLACEHOLDERS, "x")


def check_dunning(doc: dict[str, Any]) -> None:
    """Refuse a dunning document that could not be used, naming the field."""
    raw = doc.get("levels")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LEVELS:
        raise ConfigError(f"levels: a list of 1 to {MAX_LEVELS} levels")
    for key in ("company", "currency"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise ConfigError(f"{key}: text is required")
    previous = 0  # each level starts later than the one before
    for n, lv in enumerate(raw, start=1):
        where = f"levels[{n}]"
        if not isinstance(lv, dict):
            raise ConfigError(f"{where}: a mapping")
        if lv.get("level") != n:
            raise ConfigError(f"{where}.level: expected {n}")
        days = lv.get("min_days_overdue")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1 \
                or days <= previous:
            raise ConfigError(f"{where}.min_days_overdue: a whole number of days above the "
                              "previous level's")
        previous = days
        if lv.get("channel") not in CHANNELS:
            raise ConfigError(f"{where}.channel: one of {', '.join(CHANNELS)}")
        templates = lv.get("templates")
        if not isinstance(templates, dict) or "en" not in templates:
            raise ConfigError(f"{where}.templates: a mapping of languages including en")
        for lang, tpl in templates.items():
            for part in ("subject", "body"):
                text = tpl.get(part) if isinstance(tpl, dict) else None
                if not isinstance(text, str) or not text.strip():
                    raise ConfigError(f"{where}.templates.{lang}.{part}: text is required")
                try:
                    text.format_map(_sample())
                except (KeyError, IndexError, ValueError) as exc:
                    raise ConfigError(f"{where}.templates.{lang}.{part}: unknown or broken "
                                      f"placeholder {exc} (known: "
                                      f"{', '.join(PLACEHOLDERS)})") from None
        for flag in ("attach_statement", "collector_task", "dunning_block"):
            if not isinstance(lv.get(flag, False), bool):
                raise ConfigError(f"{where}.{flag}: true or false")


def levels(doc: Mapping[str, Any]) -> list[Level]:
    return [Level(lv["level"], lv["min_days_overdue"], lv["channel"], lv["templates"],
                  lv.get("attach_statement", False), lv.get("collector_task", False),
                  lv.get("dunning_block", False)) for lv in doc["levels"]]


@dataclass(frozen=True)
class Facts:
    """What the bot knows of one customer when it decides."""

    customer_id: str
    items: Sequence[AgingItem]
    dunning_block: bool = False
    block_reason: str = ""
    payment_cases: Sequence[str] = ()  # e.g. "case 12 (AMBIGUOUS, 2000.00)"
    unapplied: Decimal = Decimal("0.00")


def level_of(items: Sequence[AgingItem], ladder: Sequence[Level]) -> Level | None:
    worst = max((i.days_overdue for i in items), default=0)
    reached = [lv for lv in ladder if worst >= lv.min_days_overdue]
    return reached[-1] if reached else None


def remindable(items: Sequence[AgingItem]) -> tuple[list[AgingItem], list[tuple[str, str]]]:
    """Overdue items that may be reminded, and those held back with why."""
    keep, held = [], []
    for i in items:
        if i.days_overdue <= 0:
            continue
        if i.disputed:
            held.append((i.invoice, "DISPUTED"))
        elif i.promised:
            held.append((i.invoice, "PROMISED"))
        else:
            keep.append(i)
    return keep, held


def nothing_to_remind(customer_id: str, items: Sequence[AgingItem],
                      ladder: Sequence[Level]) -> Decision | None:
    """The decision for a customer whose overdue items alone rule a reminder out (rules 1
    and 2), without reading anything else; None when a reminder is due by the items."""
    keep, held = remindable(items)
    if not keep:
        reason = held[0][1] if held else "BELOW_FIRST_LEVEL"
        return Decision(customer_id, None, skip=reason, held_back=tuple(held),
                        why=f"every overdue item is {reason.lower()}: "
                            f"{', '.join(inv for inv, _ in held)}")
    if level_of(keep, ladder) is None:
        return Decision(customer_id, None, skip="BELOW_FIRST_LEVEL", held_back=tuple(held),
                        why=f"most overdue item {max(i.days_overdue for i in keep)} days, "
                            f"level 1 from {ladder[0].min_days_overdue}")
    return None


def decide(facts: Facts, ladder: Sequence[Level]) -> Decision:
    cid = facts.customer_id
    early = nothing_to_remind(cid, facts.items, ladder)
    if early is not None:
        return early
    keep, held = remindable(facts.items)
    held_t = tuple(held)
    if facts.dunning_block:
        return Decision(cid, None, skip="DUNNING_BLOCK", held_back=held_t,
                        why=f"blocked from dunning in the ERP: {facts.block_reason}")
    if facts.payment_cases:
        return Decision(cid, None, skip="PAYMENT_IN_CASE", held_back=held_t,
                        why="a payment of the customer waits in an open payment-posting "
                            f"case: {'; '.join(facts.payment_cases)}")
    if facts.unapplied > 0:
        return Decision(cid, None, skip="UNAPPLIED_CASH", held_back=held_t,
                        why=f"{facts.unapplied} of unapplied cash on the account")
    level = level_of(keep, ladder)
    assert level is not None  # nothing_to_remind said so
    listed = tuple(i for i in keep if i.days_overdue >= ladder[0].min_days_overdue)
    return Decision(cid, level, listed, held_back=held_t,
                    why=f"most overdue item {max(i.days_overdue for i in keep)} days: "
                        f"level {level.level} from {level.min_days_overdue}")

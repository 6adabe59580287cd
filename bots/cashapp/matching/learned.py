"""Rules learned from people's decisions, as an input to matching.

When a person applies a payment the engine could not decide, :func:`lessons` says what made
the decision possible; the bot stores those as learned rules and hands the active ones back
to :func:`~bots.cashapp.matching.engine.match_statement` as :class:`LearnedHints`:

* ``payer_iban``        this account pays for this customer (a parent company, a
                        factoring bank, an account missing from the master data). Used only
                        when the master data names nobody for the account; an account
                        learned for two customers names nobody either.
* ``reference_pattern`` this customer writes invoice numbers its own way (``Rg 1234`` for
                        ``INV-2026-0001234``): an anchor word, a digit count, the prefix.
* ``invoice_group``     when several sets of this customer's open items fit the amount, it
                        pays its oldest invoices (lowest numbers) first.

A learned rule only changes who paid or which invoices are meant; the amount must still
settle them (exact, within the write-off tolerance, or a discount within terms) and the
statement's ledger must still hold them open. Every decision that used a rule carries it
(:class:`~bots.cashapp.model.LearnedUse`: "learned from case N") and what the engine would
have decided without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bots.cashapp.matching.combination import find_combinations
from bots.cashapp.matching.evidence import Evidence
from bots.cashapp.matching.normalize import raw_key
from bots.cashapp.matching.payer import Payer
from bots.cashapp.matching.results import Context
from bots.cashapp.matching.settle import settle
from bots.cashapp.model import (
    Decision,
    LearnedUse,
    MatchResult,
    OpenItem,
    ReasonCode,
)

__all__ = ["INVOICE_GROUP", "KINDS", "PAYER_IBAN", "REFERENCE_PATTERN", "Hint", "LearnedHints",
           "Lesson", "lessons"]

PAYER_IBAN = "payer_iban"
REFERENCE_PATTERN = "reference_pattern"
INVOICE_GROUP = "invoice_group"
KINDS = (PAYER_IBAN, REFERENCE_PATTERN, INVOICE_GROUP)
OLDEST_FIRST = "oldest_first"

#: reasons a learned rule may turn into a posting (never a short, over or duplicate payment)
UNDECIDED = frozenset({ReasonCode.AMBIGUOUS, ReasonCode.UNMATCHED, ReasonCode.UNKNOWN_PAYER,
                       ReasonCode.LOW_CONFIDENCE})
#: case reasons a person's allocation is learned from
LEARNABLE = frozenset({"AMBIGUOUS", "UNKNOWN_PAYER", "UNMATCHED"})
CONFIDENCE = {REFERENCE_PATTERN: 0.90, INVOICE_GROUP: 0.88}
_MIN_DIGITS = 3
_MAX_GROUP_SOLUTIONS = 8


@dataclass(frozen=True, slots=True)
class Hint:
    """An active learned rule as matching reads it."""

    rule_id: int
    kind: str
    key: str
    value: Mapping[str, Any]
    source_case: int | None = None
    created_by: str = "a person"
    decision: str = ""  # the person's decision it came from, in words

    def use(self, says: str, without: MatchResult | None = None) -> LearnedUse:
        return LearnedUse(self.rule_id, self.kind, self.source_case, self.created_by, says,
                          without.reason if without else None,
                          without.explanation if without else "")


@dataclass(frozen=True, slots=True)
class Lesson:
    """What a person's decision teaches: a rule to store (kind, key, value) and in words."""

    kind: str
    key: str
    value: dict[str, Any]
    says: str


class LearnedHints:
    """The active learned rules of one run, indexed for matching."""

    def __init__(self, hints: Iterable[Hint] = ()) -> None:
        self.hints = list(hints)
        self._payers: dict[str, dict[str, Hint]] = {}  # account -> customer -> first rule
        self._patterns: dict[str, list[Hint]] = {}
        self._groups: dict[str, list[Hint]] = {}
        for h in self.hints:
            if h.kind == PAYER_IBAN and h.value.get("customer_id"):
                self._payers.setdefault(raw_key(h.key), {}).setdefault(
                    str(h.value["customer_id"]), h)
            elif h.kind == REFERENCE_PATTERN and _pattern(h.value) is not None:
                self._patterns.setdefault(h.key, []).append(h)
            elif h.kind == INVOICE_GROUP and h.value.get("criterion") == OLDEST_FIRST:
                self._groups.setdefault(h.key, []).append(h)

    @classmethod
    def from_rules(cls, rules: Iterable[Any]) -> LearnedHints:
        """From the SDK's learned rules (anything with ``id``, ``kind``, ``key``, ``value``,
        ``source_case``, ``created_by``)."""
        return cls(Hint(int(r.id), str(r.kind), str(r.key), dict(r.value or {}),
                        r.source_case, str(r.created_by),
                        str((getattr(r, "evidence", None) or {}).get("decision") or ""))
                   for r in rules if getattr(r, "withdrawn_at", None) is None)

    def decision(self, rule_id: int) -> str:
        """The person's decision a rule came from (empty when unknown)."""
        return next((h.decision for h in self.hints if h.rule_id == rule_id), "")

    def __bool__(self) -> bool:
        return bool(self.hints)

    def __len__(self) -> int:
        return len(self.hints)

    # -- who paid ----------------------------------------------------------------------
    def identify(self, evidences: Sequence[Evidence], ctx_customers: Mapping[str, Any]
                 ) -> dict[int, LearnedUse]:
        """Give a payer to credits the master data names nobody for, where one learned
        account says who it is (and that customer has open items). By entry position."""
        used: dict[int, LearnedUse] = {}
        if not self._payers:
            return used
        for ev in evidences:
            iban = ev.entry.counterparty_iban
            if not ev.entry.is_credit or ev.payer is not None or not iban:
                continue
            found = self._payers.get(raw_key(iban), {})
            if len(found) != 1:
                continue  # nobody, or an account people applied for two customers
            ((customer, hint),) = found.items()
            if customer not in ctx_customers:
                continue
            ev.payer = Payer(customer, "learned", 1.0)
            who = ev.entry.counterparty_name or "no name"
            used[ev.position] = replace(
                hint.use(f"account {iban} pays for {customer}"),
                without_reason=ReasonCode.UNKNOWN_PAYER,
                without_explanation=f"payer {who!r} (account {iban}) is not a customer")
        return used

    # -- which invoices ----------------------------------------------------------------
    def second_look(self, ev: Evidence, ctx: Context, result: MatchResult) -> MatchResult:
        """A posting from a customer's learned reference style or invoice order, where the
        rules left the payment undecided and the amount settles what the rule points to."""
        if result.decision is not Decision.EXCEPTION or result.reason not in UNDECIDED:
            return result
        if ev.payer is None:
            return result
        customer = ev.payer.customer_id
        for hint in self._patterns.get(customer, ()):
            found = self._by_pattern(ev, ctx, hint, result)
            if found is not None:
                return found
        if result.reason is ReasonCode.AMBIGUOUS:
            for hint in self._groups.get(customer, ()):
                found = self._oldest_first(ev, ctx, hint, result)
                if found is not None:
                    return found
        return result

    def _by_pattern(self, ev: Evidence, ctx: Context, hint: Hint,
                    result: MatchResult) -> MatchResult | None:
        rx = _pattern(hint.value)
        assert rx is not None
        prefix, customer = str(hint.value["prefix"]), hint.key
        items: dict[str, OpenItem] = {}
        for match in rx.finditer(ev.entry.remittance_text.upper()):
            item = ctx.index.number(prefix + match.group(1))
            if item is not None and item.customer_id == customer:
                items.setdefault(item.invoice_number, item)
        if not items:
            return None
        says = (f"{customer} writes {_shape(hint.value)} for {prefix}"
                f"{'#' * int(hint.value['digits'])}")
        return self._posting(ev, ctx, hint, result, list(items.values()), says)

    def _oldest_first(self, ev: Evidence, ctx: Context, hint: Hint,
                      result: MatchResult) -> MatchResult | None:
        record = ctx.index.customers.get(hint.key)
        if record is None:
            return None
        entry, cfg = ev.entry, ctx.config
        solutions: list[tuple[OpenItem, ...]] = [
            (i,) for i in record.with_amount(entry.amount) if i.currency == entry.currency]
        near = record.near(entry.amount, cfg.max_combination_candidates, entry.currency)
        pool = sorted(((i, i.amount_open) for i in near),
                      key=lambda p: (abs(p[1] - entry.amount), p[0].invoice_number))
        search = find_combinations(entry.amount, pool[:cfg.max_combination_candidates],
                                   max_items=cfg.max_combination_items,
                                   max_nodes=cfg.max_combination_nodes,
                                   max_solutions=_MAX_GROUP_SOLUTIONS)
        if not search.conclusive or record.count(entry.currency) > cfg.max_combination_candidates:
            return None  # not every set that fits is known: the oldest cannot be told
        solutions += search.solutions
        if len(solutions) < 2:
            return None
        # a set another payment of this statement took already is not the oldest left
        solutions = [sol for sol in solutions
                     if all(ctx.ledger.open(i) == i.amount_open for i in sol)]
        if not solutions:
            return None
        ranked = sorted(solutions, key=_age_key)
        chosen = ranked[0]
        says = f"{hint.key} pays its oldest invoices (lowest numbers) first"
        return self._posting(ev, ctx, hint, result, list(chosen), says)

    def _posting(self, ev: Evidence, ctx: Context, hint: Hint, result: MatchResult,
                 items: list[OpenItem], says: str) -> MatchResult | None:
        entry = ev.entry
        items.sort(key=lambda i: i.invoice_number)
        settled = settle(entry.amount, entry.currency, entry.value_date,
                         [(i, ctx.ledger.open(i)) for i in items], ctx.config)
        if not settled.corroborates:
            return None  # the amount does not settle them: a person decides
        use = hint.use(says, result)
        numbers = ", ".join(i.invoice_number for i in items)
        why = f"{use.origin}: {says}; {numbers} ({settled.kind})"
        confidence = ctx.config.confidence.get(f"learned_{hint.kind}", CONFIDENCE[hint.kind])
        return MatchResult(entry.entry_id, Decision.POST, f"learned_{hint.kind}",
                           round(confidence, 4), None, why, hint.key, settled.allocations,
                           result.candidates, False, (*result.learned, use))


def label(result: MatchResult, payer_use: LearnedUse | None) -> MatchResult:
    """A decision that relied on a learned payer says so (rule and explanation)."""
    if payer_use is None or result.decision is not Decision.POST:
        return result
    if any(u.rule_id == payer_use.rule_id for u in result.learned):
        return result
    use = payer_use
    rule = result.rule if result.rule.startswith("learned_") else f"learned_{PAYER_IBAN}"
    return replace(result, rule=rule, explanation=f"{use.origin}: {use.says}; "
                   f"{result.explanation}", learned=(use, *result.learned))


def _age_key(solution: tuple[OpenItem, ...]) -> list[str]:
    """Oldest first: the set whose invoice numbers, lowest first, sort first."""
    return sorted(i.invoice_number for i in solution)


# -- patterns ----------------------------------------------------------------------------
def _pattern(value: Mapping[str, Any]) -> re.Pattern[str] | None:
    try:
        anchor, digits = str(value.get("anchor", "")), int(value["digits"])
        str(value["prefix"])
    except (KeyError, TypeError, ValueError):
        return None
    if not _MIN_DIGITS <= digits <= 12 or not re.fullmatch(r"[A-Z0-9]{0,20}", anchor):
        return None
    head = rf"(?<![A-Z0-9]){anchor}[\s.:#/-]{{0,3}}" if anchor else r"(?<![A-Z0-9])"
    return re.compile(head + rf"(\d{{{digits}}})(?!\d)")


def _shape(value: Mapping[str, Any]) -> str:
    anchor = str(value.get("anchor") or "")
    digits = "#" * int(value["digits"])
    return f"'{anchor} {digits}'" if anchor else f"'{digits}'"


def infer_pattern(text: str, invoice_number: str) -> dict[str, Any] | None:
    """How ``text`` names ``invoice_number`` when it writes only its last digits, with the
    word before them: ``Rg 1234`` for ``INV-2026-0001234`` gives anchor ``RG``, 4 digits,
    prefix ``INV-2026-000``. None when the text holds no such run of digits."""
    upper = text.upper()
    number = invoice_number.strip().upper()
    if _compact(number) in _compact(upper):
        return None  # the text names the invoice in full: nothing of its own to learn
    for match in re.finditer(rf"(?<![0-9])(\d{{{_MIN_DIGITS},12}})(?![0-9])", upper):
        digits = match.group(1)
        if not number.endswith(digits) or number == digits:
            continue
        before = re.findall(r"[A-Z0-9]+", upper[:match.start()])
        gap = upper[match.start() - 4 if match.start() >= 4 else 0:match.start()]
        anchor = before[-1] if before and re.search(r"[A-Z0-9][\s.:#/-]{0,3}$", gap) else ""
        if anchor and not re.fullmatch(r"[A-Z]{1,20}", anchor):
            anchor = ""
        if not anchor and len(digits) < 5:
            continue  # a bare short number is too common to stand for an invoice
        return {"anchor": anchor, "digits": len(digits), "prefix": number[:-len(digits)]}
    return None


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text)


# -- what a person's decision teaches ------------------------------------------------------
def lessons(*, reason: str | None, entry: Mapping[str, Any], customer_id: str,
            invoices: Sequence[str], candidates: Sequence[Mapping[str, Any]] = (),
            engine_customer: str | None = None) -> list[Lesson]:
    """What the person's allocation of a payment the engine could not decide teaches.

    ``entry``: the bank line as a work item holds it; ``customer_id`` and ``invoices``: the
    person's allocation; ``candidates``: the case's candidates; ``engine_customer``: who the
    engine took the payer to be. Only AMBIGUOUS, UNKNOWN_PAYER and UNMATCHED cases teach.
    """
    if (reason or "") not in LEARNABLE or not invoices or not customer_id:
        return []
    out: list[Lesson] = []
    iban = str(entry.get("counterparty_iban") or "").replace(" ", "").upper()
    if iban and (reason == "UNKNOWN_PAYER" or (engine_customer or customer_id) != customer_id):
        out.append(Lesson(PAYER_IBAN, iban, {"customer_id": customer_id},
                          f"account {iban} pays for {customer_id}"))
    text = str(entry.get("remittance_text") or "")
    for number in invoices:
        found = infer_pattern(text, number) if text else None
        if found is not None:
            out.append(Lesson(REFERENCE_PATTERN, customer_id, found,
                              f"{customer_id} writes {_shape(found)} for "
                              f"{found['prefix']}{'#' * found['digits']}"))
            break
    if reason == "AMBIGUOUS" and _chose_oldest(invoices, candidates):
        out.append(Lesson(INVOICE_GROUP, customer_id, {"criterion": OLDEST_FIRST},
                          f"{customer_id} pays its oldest invoices first"))
    return out


def _chose_oldest(invoices: Sequence[str], candidates: Sequence[Mapping[str, Any]]) -> bool:
    """The person took the lowest-numbered of the invoices that fit the amount."""
    fits = {str(c.get("invoice_number")) for c in candidates
            if "fit" in str(c.get("why", "")) or "sums" in str(c.get("why", ""))}
    chosen = set(invoices)
    others = fits - chosen
    if not others or not chosen <= fits:
        return False
    return max(chosen) < min(others)


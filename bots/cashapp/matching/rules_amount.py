"""Rules that decide without a reference: debits, duplicates, amount alone, what is left."""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter, sub

from bots.cashapp.matching.combination import find_combinations
from bots.cashapp.matching.evidence import Evidence
from bots.cashapp.matching.results import (
    Context,
    candidate,
    exception,
    from_hits,
    payer_items_near,
    penalty,
)
from bots.cashapp.model import Allocation, Decision, MatchResult, OpenItem, ReasonCode

AMOUNT_RULES = ("amount_single", "amount_combination")
_NUMBER = attrgetter("invoice_number")


def skip_debit(ev: Evidence, ctx: Context) -> MatchResult | None:
    if ev.entry.is_credit:
        return None
    return MatchResult(
        ev.entry.entry_id, Decision.SKIP, "debit", 1.0, None, "money out: not a customer payment"
    )


def duplicate(ev: Evidence, ctx: Context) -> MatchResult | None:
    """(g) Decided for the whole statement beforehand (see ``duplicates``)."""
    return ctx.duplicates.get(ev.position)


def amount_only(ev: Evidence, ctx: Context) -> MatchResult | None:
    """(d, f) Known payer, no usable reference: one open item, or one combination, fits.

    Judged on the open amounts before this statement, so the outcome cannot depend on
    which other payments happened to be matched first; the engine refuses the posting
    when another entry claims the same invoice.
    """
    if ev.payer is None:
        return None
    record = ctx.index.customers.get(ev.payer.customer_id)
    if record is None:
        return None
    cfg, entry = ctx.config, ev.entry
    singles = [i for i in record.with_amount(entry.amount) if i.currency == entry.currency]
    solutions: list[tuple[OpenItem, ...]] = [(i,) for i in singles[:2]]
    conclusive = True
    if len(solutions) < 2:
        limit = cfg.max_combination_candidates
        # not all of a large customer: the items around the payment's amount, of which the
        # ``limit`` closest to it (the lower invoice number first among equally close),
        # ordered on keys made in C: a month end asks this for most payments
        amounts, near = record.window(entry.amount, limit, entry.currency)
        closest = sorted(zip(map(abs, map(sub, amounts, repeat(entry.amount))),
                             map(_NUMBER, near), range(len(near)), strict=True))[:limit]
        search = find_combinations(
            entry.amount,
            [(near[k], amounts[k]) for _, _, k in closest],
            max_items=cfg.max_combination_items,
            max_nodes=cfg.max_combination_nodes,
            max_solutions=2 - len(solutions),
        )
        solutions += search.solutions
        conclusive = search.conclusive and record.count(entry.currency) <= limit
    if len(solutions) > 1:
        cands = [
            candidate(i, 0.5, "open amount fits the payment", ctx) for sol in solutions for i in sol
        ] + payer_items_near(ev, ctx)
        why = f"several sets of open items of {record.customer_id} fit {entry.amount}"
        return exception(ev, _name(solutions[0]), ReasonCode.AMBIGUOUS, why, cands)
    if not solutions and conclusive:
        return None
    if not conclusive and not singles:
        why = "too many open items to prove a combination unique; please allocate"
        cands = [candidate(i, 0.5, "sums to the payment", ctx) for sol in solutions for i in sol]
        return exception(
            ev,
            "amount_combination",
            ReasonCode.LOW_CONFIDENCE,
            why,
            cands + payer_items_near(ev, ctx),
        )
    (solution,) = solutions
    rule = _name(solution)
    confidence = cfg.score(rule) - penalty(ev, cfg)
    numbers = ", ".join(i.invoice_number for i in solution)
    return MatchResult(
        entry.entry_id,
        Decision.POST,
        rule,
        round(confidence, 4),
        None,
        f"no reference; only {numbers} of {record.customer_id} fit {entry.amount}",
        record.customer_id,
        tuple(Allocation(i.invoice_number, i.amount_open) for i in solution),
    )


def _name(solution: tuple[OpenItem, ...]) -> str:
    return AMOUNT_RULES[0] if len(solution) == 1 else AMOUNT_RULES[1]


def fallback(ev: Evidence, ctx: Context) -> MatchResult:
    """(f) Nothing fits: unknown payer, or a known payer with nothing matching."""
    seen = from_hits(ev.hits, ctx) + from_hits(ev.rivals, ctx)
    if ev.payer is None:
        who = ev.entry.counterparty_name or ev.entry.counterparty_iban or "no name"
        why = f"payer {who!r} is not a customer and the payment carries no usable reference"
        return exception(ev, "payer", ReasonCode.UNKNOWN_PAYER, why, seen)
    why = f"no open item or combination of {ev.payer.customer_id} fits {ev.entry.amount}"
    return exception(ev, "amount", ReasonCode.UNMATCHED, why, seen + payer_items_near(ev, ctx))

"""``match_statement``: one decision per entry, from the rules, under statement-wide invariants.

1. Evidence per entry (payer, references, advice): depends on the entry alone.
2. Duplicates for the whole statement (original = first by booking date, bank reference).
3. Entries in that same order run the rules; reference-based postings consume the
   ledger of open amounts as they go (a second payment on a settled invoice becomes an
   overpayment, never a second posting).
4. Amount-only postings are checked last: if another entry consumed or claims the same
   invoice, none of the claimants posts. Input order therefore never changes a decision.
5. Below the confidence threshold a posting becomes a LOW_CONFIDENCE exception.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from bots.cashapp.bulk import paused_gc
from bots.cashapp.matching import rules_amount as ra
from bots.cashapp.matching import rules_reference as rr
from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.duplicates import PostedPayment, find_duplicates
from bots.cashapp.matching.evidence import AdviceBook, Evidence, Seen, add_fuzzy_hits, gather
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.learned import LearnedHints, label
from bots.cashapp.matching.ledger import Ledger
from bots.cashapp.matching.results import Context, candidate, exception
from bots.cashapp.model import (
    Decision,
    MatchResult,
    OpenItem,
    ReasonCode,
    RemittanceAdvice,
    StatementEntry,
)

Rule = Callable[[Evidence, Context], MatchResult | None]
RULES: tuple[Rule, ...] = (
    ra.skip_debit,
    ra.duplicate,
    rr.remittance_advice,
    rr.structured_reference,
    rr.invoice_reference,
    ra.amount_only,
)


def match_statement(
    entries: Sequence[StatementEntry],
    open_items: Iterable[OpenItem] | OpenItemIndex,
    config: MatchingConfig | None = None,
    *,
    remittances: Iterable[RemittanceAdvice] = (),
    posted_history: Iterable[PostedPayment] = (),
    learned: LearnedHints | None = None,
) -> list[MatchResult]:
    """Decide every entry; results come back in input order, exactly one per entry.

    ``learned``: rules learned from people's decisions (:mod:`.learned`), consulted only
    where the rules leave a payment undecided; their postings pass the same checks."""
    with paused_gc():
        return _match(entries, open_items, config, remittances, posted_history,
                      learned or LearnedHints())


def _match(
    entries: Sequence[StatementEntry],
    open_items: Iterable[OpenItem] | OpenItemIndex,
    config: MatchingConfig | None,
    remittances: Iterable[RemittanceAdvice],
    posted_history: Iterable[PostedPayment],
    learned: LearnedHints,
) -> list[MatchResult]:
    if isinstance(open_items, OpenItemIndex):
        index = open_items
        config = config or index.config
    else:
        config = config or MatchingConfig()
        index = OpenItemIndex(open_items, config)
    advices = AdviceBook(remittances, config)
    seen = Seen()
    evidences = [gather(n, e, index, config, advices, seen, fuzzy=False)
                 for n, e in enumerate(entries)]
    add_fuzzy_hits(evidences, index, config)  # each customer's garbled numbers at once
    learned_payers = learned.identify(evidences, index.customers) if learned else {}
    ordered = sorted(evidences, key=lambda v: v.order_key)
    credits = [ev for ev in ordered if ev.entry.is_credit]
    ctx = Context(index, config, Ledger(), find_duplicates(credits, posted_history, config))
    results: dict[int, MatchResult] = {}
    deferred: list[Evidence] = []
    for ev in ordered:
        result = run_rules(ev, ctx)
        if learned:
            result = learned.second_look(ev, ctx, result)
        if result.decision is Decision.POST and result.rule in ra.AMOUNT_RULES:
            results[ev.position] = result
            deferred.append(ev)
            continue
        results[ev.position] = _commit(ev, result, ctx)
    _commit_amount_only(deferred, results, ctx)
    if learned_payers:
        return [label(results[n], learned_payers.get(n)) for n in range(len(entries))]
    return [results[n] for n in range(len(entries))]


def run_rules(ev: Evidence, ctx: Context, rules: Sequence[Rule] = RULES) -> MatchResult:
    for rule in rules:
        result = rule(ev, ctx)
        if result is not None:
            return result
    return ra.fallback(ev, ctx)


def _commit(ev: Evidence, result: MatchResult, ctx: Context) -> MatchResult:
    """Apply the threshold and the ledger; a posting that does not fit becomes an exception."""
    if result.decision is not Decision.POST:
        return result
    items = {a.invoice_number: ctx.index.number(a.invoice_number) for a in result.allocations}
    found = {k: v for k, v in items.items() if v is not None}
    posted = sum((a.amount for a in result.allocations), Decimal("0"))
    if result.confidence < ctx.config.auto_post_threshold:
        return _demote(
            ev,
            result,
            ctx,
            ReasonCode.LOW_CONFIDENCE,
            f"confidence {result.confidence:.2f} below threshold: {result.explanation}",
        )
    if posted > ev.entry.amount or not ctx.ledger.fits(result.allocations, found):
        return _demote(
            ev,
            result,
            ctx,
            ReasonCode.AMBIGUOUS,
            "the invoices are already settled by another entry of this statement",
        )
    ctx.ledger.consume(ev.entry.entry_id, result.allocations, found)
    return result


def _commit_amount_only(
    deferred: list[Evidence], results: dict[int, MatchResult], ctx: Context
) -> None:
    claims = Counter(a.invoice_number for ev in deferred for a in results[ev.position].allocations)
    for ev in deferred:
        result = results[ev.position]
        shared = [a.invoice_number for a in result.allocations if claims[a.invoice_number] > 1]
        if shared:
            why = f"another payment of this statement fits the same invoice(s) {', '.join(shared)}"
            results[ev.position] = _demote(ev, result, ctx, ReasonCode.AMBIGUOUS, why)
        else:
            results[ev.position] = _commit(ev, result, ctx)


def _demote(
    ev: Evidence, result: MatchResult, ctx: Context, reason: ReasonCode, why: str
) -> MatchResult:
    cands = [
        candidate(item, result.confidence, "proposed allocation", ctx)
        for a in result.allocations
        if (item := ctx.index.number(a.invoice_number)) is not None
    ]
    demoted = exception(
        ev,
        result.rule,
        reason,
        why,
        cands,
        confidence=result.confidence,
        customer_id=result.customer_id,
    )
    return replace(demoted, candidates=demoted.candidates + result.candidates)

"""Rules that decide from what the payment names: RF, invoice numbers, remittance advice.

Each rule returns a ``MatchResult`` or ``None`` ("no opinion": the next rule runs).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bots.cashapp.matching.evidence import Evidence
from bots.cashapp.matching.references import RF, STRENGTH, STRONG, RefHit
from bots.cashapp.matching.results import Context, exception, from_hits, payer_items_near, penalty
from bots.cashapp.matching.settle import settle
from bots.cashapp.model import Candidate, Decision, MatchResult, ReasonCode

LOW = ReasonCode.LOW_CONFIDENCE


def structured_reference(ev: Evidence, ctx: Context) -> MatchResult | None:
    """(a) A check-digit-valid RF reference printed on one of the open items."""
    if not ev.structured:
        return None
    return decide_on_hits(ev, ev.structured, ctx, "structured_reference")


def invoice_reference(ev: Evidence, ctx: Context) -> MatchResult | None:
    """(a, b, d) Invoice numbers in the text: exact, OCR-garbled, prefix-less, fuzzy."""
    hits = ev.hits
    if not hits and ev.rivals:
        why = "an invoice number in the text is as close to other invoices as to the payer's"
        return exception(ev, "invoice_fuzzy", LOW, why, from_hits(ev.rivals, ctx))
    if not hits:
        return None
    return decide_on_hits(ev, hits, ctx, "invoice_reference")


def decide_on_hits(ev: Evidence, hits: list[RefHit], ctx: Context, rule: str) -> MatchResult | None:
    payer = ev.payer
    own = [h for h in hits if payer and h.item.customer_id == payer.customer_id]
    foreign = [h for h in hits if h not in own and h.kind != "invoice_core"]

    def seen() -> list[Candidate]:
        return from_hits(hits, ctx) + from_hits(ev.rivals, ctx)

    if payer and foreign and (not own or _weakest(foreign) <= _weakest(own)):
        who = sorted({h.item.customer_id for h in foreign})
        why = f"reference names invoices of {', '.join(who)}, payer is {payer.customer_id}"
        return exception(ev, rule, LOW, why, seen())
    if payer and not own:
        return None  # only prefix-less numbers of other customers: too weak to use
    use = own
    if payer is None:
        use = [h for h in hits if h.kind in STRONG]
        if not use:
            why = "payer unknown and the reference is not exact"
            return exception(ev, rule, LOW, why, seen())
        if len({h.item.customer_id for h in use}) > 1:
            return exception(
                ev, rule, ReasonCode.AMBIGUOUS, "invoices of several customers", seen()
            )
    return _settle_hits(ev, use, ctx, rule, seen)


def _weakest(hits: list[RefHit]) -> int:
    return min(STRENGTH[h.kind] for h in hits)


def _settle_hits(
    ev: Evidence,
    use: list[RefHit],
    ctx: Context,
    rule: str,
    seen: Callable[[], list[Candidate]],
) -> MatchResult:
    entry, cfg = ev.entry, ctx.config
    use = sorted(use, key=lambda h: h.item.invoice_number)
    targets = [(h.item, ctx.ledger.open(h.item)) for h in use]
    kind = max((h.kind for h in use), key=STRENGTH.__getitem__)
    customer = use[0].item.customer_id
    confidence = cfg.score(kind) - penalty(ev, cfg, payer_from_reference=ev.payer is None)
    rule = RF if kind == RF else rule
    settled = settle(
        entry.amount, entry.currency, entry.value_date, targets, cfg, partial_announced=ev.partial
    )
    spent = [n for h in use for n in ctx.ledger.consumers(h.item.invoice_number)]
    note = f" (already applied by {', '.join(spent)})" if spent else ""
    numbers = ", ".join(h.item.invoice_number for h in use)
    if not settled.posts:
        why = f"{numbers}: {settled.explanation}{note}"
        reason = settled.reason or LOW
        return exception(ev, rule, reason, why, seen(), confidence=confidence, customer_id=customer)
    if settled.kind == "partial" and kind not in STRONG:
        why = f"{numbers}: partial payment on a reference that is not exact"
        return exception(ev, rule, LOW, why, seen(), confidence=confidence, customer_id=customer)
    detail = f": {settled.explanation}" if settled.explanation else ""
    why = f"{numbers} by {kind}; {settled.kind}{detail}"
    return MatchResult(
        entry.entry_id,
        Decision.POST,
        rule,
        round(confidence, 4),
        None,
        why,
        customer,
        settled.allocations,
        (),
        settled.kind == "partial",
    )


def remittance_advice(ev: Evidence, ctx: Context) -> MatchResult | None:
    """(d) A remittance advice linked to the entry allocates it line by line."""
    if not ev.advices:
        return None
    rule, cfg, entry = "remittance_advice", ctx.config, ev.entry
    if len(ev.advices) > 1:
        return exception(ev, rule, ReasonCode.AMBIGUOUS, "several remittance advices fit")
    advice = ev.advices[0]
    total = sum((line.amount for line in advice.lines), Decimal("0"))
    if total != entry.amount:
        why = f"advice allocates {total}, payment is {entry.amount}"
        return exception(ev, rule, LOW, why, payer_items_near(ev, ctx))
    items = [ctx.index.number(line.invoice_number) for line in advice.lines]
    missing = [ln.invoice_number for ln, it in zip(advice.lines, items, strict=True) if not it]
    if missing:
        why = f"advice names invoices that are not open: {', '.join(missing)}"
        return exception(ev, rule, ReasonCode.UNMATCHED, why, payer_items_near(ev, ctx))
    customers = {it.customer_id for it in items if it}
    if len(customers) > 1 or (ev.payer and ev.payer.customer_id not in customers):
        return exception(ev, rule, LOW, "advice invoices belong to another customer")
    allocations = []
    partial = False
    for line, item in zip(advice.lines, items, strict=True):
        assert item is not None
        remaining = ctx.ledger.open(item)
        due = line.amount + line.deduction if line.deduction > 0 else remaining
        got = settle(
            line.amount,
            entry.currency,
            entry.value_date,
            [(item, due)],
            cfg,
            partial_announced=line.deduction == 0,
        )
        if not got.posts or line.amount + line.deduction > remaining:
            why = f"{item.invoice_number}: {got.explanation or 'deduction needs review'}"
            reason = got.reason or ReasonCode.OVERPAYMENT
            return exception(ev, rule, reason, why, customer_id=item.customer_id)
        partial = partial or got.kind == "partial" or due < remaining
        allocations.extend(got.allocations)
    confidence = cfg.score(rule) - penalty(ev, cfg, payer_from_reference=ev.payer is None)
    return MatchResult(
        entry.entry_id,
        Decision.POST,
        rule,
        round(confidence, 4),
        None,
        f"allocated by remittance advice {advice.source or advice.payment_reference or ''}",
        next(iter(customers)),
        tuple(allocations),
        (),
        partial,
    )

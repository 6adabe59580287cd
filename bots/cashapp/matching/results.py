"""Building ``MatchResult``s and the candidate lists a person sees on an exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bots.cashapp.matching.config import MatchingConfig
from bots.cashapp.matching.evidence import Evidence
from bots.cashapp.matching.index import OpenItemIndex
from bots.cashapp.matching.ledger import Ledger
from bots.cashapp.matching.references import RefHit
from bots.cashapp.model import Candidate, Decision, MatchResult, OpenItem, ReasonCode


@dataclass(slots=True)
class Context:
    """What rules may read besides the entry's evidence."""

    index: OpenItemIndex
    config: MatchingConfig
    ledger: Ledger
    duplicates: dict[int, MatchResult] = field(default_factory=dict)  # by entry position


def exception(
    ev: Evidence,
    rule: str,
    reason: ReasonCode,
    explanation: str,
    candidates: Iterable[Candidate] = (),
    *,
    confidence: float = 0.0,
    customer_id: str | None = None,
) -> MatchResult:
    payer = customer_id or (ev.payer.customer_id if ev.payer else None)
    return MatchResult(
        ev.entry.entry_id,
        Decision.EXCEPTION,
        rule,
        round(confidence, 4),
        reason,
        explanation,
        payer,
        (),
        rank(candidates),
    )


def candidate(item: OpenItem, score: float, why: str, ctx: Context) -> Candidate:
    return Candidate(item.invoice_number, item.customer_id, ctx.ledger.open(item), score, why)


def from_hits(hits: Iterable[RefHit], ctx: Context) -> list[Candidate]:
    return [candidate(h.item, h.score, f"{h.kind}: {h.fragment}", ctx) for h in hits]


def rank(candidates: Iterable[Candidate], limit: int = 10) -> tuple[Candidate, ...]:
    best: dict[str, Candidate] = {}
    for c in candidates:
        seen = best.get(c.invoice_number)
        if seen is None or c.score > seen.score:
            best[c.invoice_number] = c
    ordered = sorted(best.values(), key=lambda c: (-c.score, c.invoice_number))
    return tuple(ordered[:limit])


def payer_items_near(ev: Evidence, ctx: Context, why: str = "payer's open item") -> list[Candidate]:
    """The payer's open items closest in amount to the payment (a per-customer list)."""
    if ev.payer is None:
        return []
    record = ctx.index.customers.get(ev.payer.customer_id)
    if record is None:
        return []
    amount, limit = ev.entry.amount, ctx.config.max_candidates
    cid = record.customer_id
    # the closest by the amount the export says, found by bisection (a large customer has
    # thousands), unless this statement changed it: those are judged by what is left open
    # (the ones settled in full are out; a customer paid thousands of times in one
    # statement must not make every later exception look at all of them)
    items = (record.near_except(amount, limit, ctx.ledger.touched(cid))
             + ctx.ledger.still_open_near(cid, amount, limit))
    items = [i for i in items if ctx.ledger.open(i) > 0]
    items.sort(key=lambda i: (abs(ctx.ledger.open(i) - amount), i.invoice_number))
    out = []
    for item in items[:limit]:
        open_amount = ctx.ledger.open(item)
        closeness = 1 - min(1.0, float(abs(open_amount - amount) / max(open_amount, amount)))
        out.append(candidate(item, round(0.5 * closeness, 4), why, ctx))
    return out


def penalty(ev: Evidence, config: MatchingConfig, *, payer_from_reference: bool = False) -> float:
    """Confidence lost for a weakly identified payer."""
    if payer_from_reference or ev.payer is None:
        return config.score("unknown_payer_penalty")
    if ev.payer.how == "fuzzy_name":
        return config.score("fuzzy_name_penalty")
    return 0.0

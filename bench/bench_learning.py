"""How much people's decisions teach the matching engine: a month of payments, day by day.

    .venv/bin/python -m bench.bench_learning                       # 20 days x 300 payments
    .venv/bin/python -m bench.bench_learning --per-day 100 --days 10 --open-items 20000

The month is the matching benchmark's generator (``bench/cashapp_generator.py``: exact and
garbled references, short payments, duplicates, strangers, ...) spread over ``--days``
business days, plus payers whose habits a person can teach:

* accounts missing from the master data (a parent company, a customer's new bank) paying
  one customer each, and factoring banks paying for several customers (never learnable
  safely: an account applied for two customers names nobody);
* customers who write invoice numbers their own way (``RG 12345``) and deduct bank charges;
* customers with several open invoices of the same amount who pay the oldest first.

Each day the engine runs on the ERP's open items of that morning with the rules learned so
far; a person then clears every exception the generator's ground truth says should post
(applying exactly that allocation: this is what teaches) and the ERP consumes what was
posted. The same month runs twice, without learning and with it, and the last day is run
again with every rule withdrawn. Printed: the automatic match rate (payments posted right
by the bot / customer payments) and wrong postings per week, rules learned by kind, and
the engine's time per day with and without rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cashapp_generator import Truth, generate
from bots.cashapp.identifiers import make_iban
from bots.cashapp.matching import MatchingConfig, PostedPayment, match_statement
from bots.cashapp.matching.learned import Hint, LearnedHints, lessons
from bots.cashapp.model import Decision, Direction, MatchResult, OpenItem, StatementEntry

START = dt.date(2026, 11, 2)
CENT = Decimal("0.01")
_0 = Decimal("0")


@dataclass
class Month:
    items: list[OpenItem]
    days: list[list[StatementEntry]]
    truth: dict[str, Truth]
    habit: dict[str, str]  # entry id -> the teachable habit it shows (else absent)


@dataclass
class Outcome:
    credits: int = 0
    right: int = 0
    wrong: int = 0
    learned_posts: int = 0
    exceptions: int = 0
    habit_credits: int = 0
    habit_right: int = 0
    seconds: list[float] = field(default_factory=list)
    seconds_unaided: list[float] = field(default_factory=list)  # same input, no rules


def business_days(n: int) -> list[dt.date]:
    out, day = [], START
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def build_month(days: int, per_day: int, open_items: int, seed: int) -> Month:
    """The generator's month spread over ``days``, plus payments of teachable habits."""
    base = generate(entries=days * per_day, open_items=open_items, seed=seed)
    rnd = random.Random(seed + 1)
    items = list(base.open_items)
    named = {w for e in base.entries for w in e.remittance_text.replace(",", " ").split()}
    taken = {a[0] for t in base.truth.values() for a in t.allocations} | named
    free: dict[str, list[int]] = {}
    for n, it in enumerate(items):
        if it.invoice_number not in taken and not it.creditor_reference:
            free.setdefault(it.customer_id, []).append(n)
    pool = [c for c, idx in free.items() if len(idx) >= 6]
    rnd.shuffle(pool)
    dates = business_days(days)
    extra: list[tuple[int, StatementEntry, Truth, str]] = []
    counter = [0]

    def entry(day: int, amount: Decimal, name: str, iban: str | None, text: str) -> StatementEntry:
        counter[0] += 1
        n = counter[0]
        return StatementEntry(f"H{n:06d}", amount, "EUR", Direction.CREDIT, dates[day],
                              dates[day], f"HAB{n:09d}", None, name, iban, None, text)

    def spread(k: int) -> list[int]:
        return sorted(rnd.sample(range(days), min(k, days)))

    total = days * per_day  # habits: about a tenth of the month's payments
    n_agents, n_styled, n_oldest = max(4, total // 150), max(3, total // 200), max(2, total // 300)
    agents, factored = pool[:n_agents], pool[n_agents:n_agents + 9]
    styled = pool[n_agents + 9:n_agents + 9 + n_styled]
    oldest = pool[n_agents + 9 + n_styled:n_agents + 9 + n_styled + n_oldest]
    for k, cid in enumerate(agents):  # an account of its own, missing from the master data
        iban = make_iban("NL", f"AGNT{k:010d}")
        for day, n in zip(spread(4), free[cid], strict=False):
            it = items[n]
            truth = Truth("agent", frozenset({(it.invoice_number, it.amount_open, _0, _0)}))
            extra.append((day, entry(day, it.amount_open, f"Holding {k} NV", iban, "payment"),
                          truth, "agent"))
    for k in range(3):  # a factoring bank paying for three customers
        iban = make_iban("FR", f"30004{k:05d}FACT{k:08d}")
        for cid in factored[3 * k:3 * k + 3]:
            for day, n in zip(spread(3), free[cid], strict=False):
                it = items[n]
                truth = Truth("factoring", frozenset({(it.invoice_number, it.amount_open, _0, _0)}))
                extra.append((day, entry(day, it.amount_open, f"Factor Bank {k} SA", iban,
                                         "factoring"), truth, "factoring"))
    for cid in styled:  # "RG 12345" with bank charges deducted
        for day, n in zip(spread(5), free[cid], strict=False):
            it = items[n]
            limit = min(Decimal("5.00"), (it.amount_open * Decimal("0.005")).quantize(CENT))
            fee = (Decimal(rnd.randrange(20, 100)) * CENT).min(limit)
            tail = it.invoice_number.rsplit("-", 1)[1].lstrip("0")[-5:]
            truth = Truth("styled", frozenset({(it.invoice_number, it.amount_open - fee, fee, _0)}))
            e = entry(day, it.amount_open - fee, it.customer_name, _iban(it), f"RG {tail} danke")
            extra.append((day, e, truth, "styled"))
    for cid in oldest:  # pairs of invoices of one amount; the customer pays the older first
        idx = sorted(free[cid], key=lambda n: items[n].invoice_number)
        for day, (a, b) in zip(spread(3), zip(idx[0::2], idx[1::2], strict=False),
                               strict=False):
            older = items[a]
            items[b] = _with(items[b], amount_open=older.amount_open)
            truth = Truth("oldest", frozenset({(older.invoice_number, older.amount_open, _0, _0)}))
            e = entry(day, older.amount_open, older.customer_name, _iban(older), "")
            extra.append((day, e, truth, "oldest"))
    per: list[list[StatementEntry]] = [[] for _ in range(days)]
    for n, e in enumerate(base.entries):
        day = n * days // len(base.entries)
        per[day].append(replace(e, booking_date=dates[day], value_date=dates[day]))
    truth = dict(base.truth)
    habit: dict[str, str] = {}
    for day, e, t, kind in extra:
        per[day].append(e)
        truth[e.entry_id] = t
        habit[e.entry_id] = kind
    return Month(items, per, truth, habit)


def _with(item: OpenItem, **changes: object) -> OpenItem:
    """A copy of ``item`` with ``changes`` (whether the model is a dataclass or a tuple)."""
    if hasattr(item, "_replace"):
        return item._replace(**changes)  # type: ignore[no-any-return]
    return replace(item, **changes)  # type: ignore[type-var]


def _iban(item: OpenItem) -> str | None:
    return item.customer_ibans[0] if item.customer_ibans else None


class Erp:
    """Open amounts as postings and people's decisions consume them."""

    def __init__(self, items: list[OpenItem]) -> None:
        self.items = {i.invoice_number: i for i in items}

    def open_items(self) -> list[OpenItem]:
        return list(self.items.values())

    def consume(self, allocations: frozenset[tuple[str, Decimal, Decimal, Decimal]]) -> None:
        for number, amount, write_off, discount in allocations:
            item = self.items.get(number)
            if item is None:
                continue
            rest = item.amount_open - amount - write_off - discount
            if rest <= 0:
                del self.items[number]
            else:
                self.items[number] = _with(item, amount_open=rest)


def _key(result: MatchResult) -> frozenset[tuple[str, Decimal, Decimal, Decimal]]:
    return frozenset((a.invoice_number, a.amount, a.write_off, a.discount)
                     for a in result.allocations)


class People:
    """Clear exceptions as the ground truth says, and (when teaching) store what it teaches."""

    def __init__(self, teach: bool) -> None:
        self.teach, self.hints, self.kinds = teach, [], Counter()  # type: ignore[var-annotated]
        self._seen: set[tuple[str, str, str]] = set()
        self.cases = 0

    def learned(self) -> LearnedHints:
        return LearnedHints(self.hints)

    def clear(self, entry: StatementEntry, result: MatchResult, truth: Truth) -> None:
        self.cases += 1
        if not self.teach or not truth.allocations or result.reason is None:
            return
        invoices = sorted(a[0] for a in truth.allocations)
        customer = _customer_of(invoices[0])
        line = {"counterparty_iban": entry.counterparty_iban,
                "remittance_text": entry.remittance_text, "amount": str(entry.amount)}
        cands = [{"invoice_number": c.invoice_number, "why": c.why} for c in result.candidates]
        for lesson in lessons(reason=str(result.reason), entry=line, customer_id=customer,
                              invoices=invoices, candidates=cands,
                              engine_customer=result.customer_id):
            key = (lesson.kind, lesson.key, repr(sorted(lesson.value.items())))
            if key in self._seen:
                continue
            self._seen.add(key)
            self.kinds[lesson.kind] += 1
            self.hints.append(Hint(len(self.hints) + 1, lesson.kind, lesson.key, lesson.value,
                                   self.cases, "sim"))


_OWNER: dict[str, str] = {}


def _customer_of(invoice: str) -> str:
    return _OWNER[invoice]


def run_month(month: Month, *, teach: bool, config: MatchingConfig) -> tuple[
        list[Outcome], People, Erp]:
    erp, people = Erp(month.items), People(teach)
    history: list[PostedPayment] = []
    out: list[Outcome] = []
    for entries in month.days:
        day = Outcome()
        items = erp.open_items()
        # with learning, the same input is also matched without rules, back to back (the
        # machine is shared), the order alternating by day
        unaided_first = teach and len(out) % 2 == 0
        if unaided_first:
            day.seconds_unaided.append(_timed(entries, items, config, history))
        started = time.perf_counter()
        results = match_statement(entries, items, config, posted_history=history,
                                  learned=people.learned() if teach else None)
        day.seconds.append(time.perf_counter() - started)
        if teach and not unaided_first:
            day.seconds_unaided.append(_timed(entries, items, config, history))
        for e, r in zip(entries, results, strict=True):
            _score(day, e, r, month)
            truth = month.truth[e.entry_id]
            if r.decision is Decision.POST:
                erp.consume(_key(r))
                history.append(PostedPayment(e.bank_reference, e.booking_date, e.amount,
                                             r.customer_id,
                                             tuple(a.invoice_number for a in r.allocations)))
            elif r.decision is Decision.EXCEPTION:
                people.clear(e, r, truth)
                if truth.allocations:
                    erp.consume(truth.allocations)
        out.append(day)
    return out, people, erp


def _timed(entries: list[StatementEntry], items: list[OpenItem], config: MatchingConfig,
           history: list[PostedPayment]) -> float:
    started = time.perf_counter()
    match_statement(entries, items, config, posted_history=history)
    return time.perf_counter() - started


def _score(day: Outcome, e: StatementEntry, r: MatchResult, month: Month) -> None:
    if not e.is_credit:
        return
    truth = month.truth[e.entry_id]
    day.credits += 1
    habit = e.entry_id in month.habit
    day.habit_credits += habit
    if r.decision is Decision.POST:
        if truth.allocations and _key(r) == truth.allocations:
            day.right += 1
            day.habit_right += habit
        else:
            day.wrong += 1
        day.learned_posts += bool(r.learned)
    else:
        day.exceptions += 1


def _sum(days: list[Outcome]) -> Outcome:
    total = Outcome()
    for d in days:
        for name in ("credits", "right", "wrong", "learned_posts", "exceptions",
                     "habit_credits", "habit_right"):
            setattr(total, name, getattr(total, name) + getattr(d, name))
        total.seconds += d.seconds
    return total


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "-"


def withdrawn_check(month: Month, people: People, erp: Erp, config: MatchingConfig
                    ) -> tuple[int, int, int]:
    """The last day again on the final open items: with every rule, then all withdrawn."""
    entries = month.days[-1]
    items = erp.open_items() + [i for i in month.items if i.invoice_number not in erp.items]
    with_rules = match_statement(entries, items, config, learned=people.learned())
    without = match_statement(entries, items, config, learned=LearnedHints())
    used = sum(bool(r.learned) and r.decision is Decision.POST for r in with_rules)
    still = sum(bool(r.learned) for r in without)
    back = sum(1 for a, b in zip(with_rules, without, strict=True)
               if a.learned and a.decision is Decision.POST and b.decision is Decision.EXCEPTION)
    return used, still, back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--per-day", type=int, default=300)
    parser.add_argument("--open-items", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    config = MatchingConfig()
    month = build_month(args.days, args.per_day, args.open_items, args.seed)
    _OWNER.update({i.invoice_number: i.customer_id for i in month.items})
    payments = sum(len(d) for d in month.days)
    print(f"{args.days} business days, {payments:,} statement lines, "
          f"{len(month.items):,} open items at the start; teachable habits: "
          f"{dict(Counter(month.habit.values()))}")
    plain, _, _ = run_month(month, teach=False, config=config)
    taught, people, erp = run_month(month, teach=True, config=config)
    weeks = [range(w, min(w + 5, args.days)) for w in range(0, args.days, 5)]
    print("\n| | " + " | ".join(f"week {n + 1}" for n in range(len(weeks))) + " | month |")
    print("|---|" + "---:|" * (len(weeks) + 1))
    for label, runs in (("without learning", plain), ("learning from people", taught)):
        parts = [_sum([runs[d] for d in w]) for w in weeks] + [_sum(runs)]
        print(f"| automatic match rate, {label} | "
              + " | ".join(_pct(p.right, p.credits) for p in parts) + " |")
        print(f"| wrong postings, {label} | " + " | ".join(str(p.wrong) for p in parts) + " |")
        print(f"| teachable habits posted, {label} | "
              + " | ".join(_pct(p.habit_right, p.habit_credits) for p in parts) + " |")
    learned = _sum(taught)
    print(f"\nday 1 (no rules yet): {_pct(taught[0].right, taught[0].credits)} automatic; "
          "last day: "
          f"{_pct(taught[-1].right, taught[-1].credits)} with learning, "
          f"{_pct(plain[-1].right, plain[-1].credits)} without")
    print(f"postings that used a learned rule: {learned.learned_posts:,}; rules learned: "
          f"{len(people.hints)} {dict(people.kinds)}; cases people cleared: {people.cases:,} "
          f"with learning, {_sum(plain).exceptions:,} without")
    used, still, back = withdrawn_check(month, people, erp, config)
    print(f"withdrawn: the last day again with every rule: {used} learned postings; with all "
          f"withdrawn: {still} decisions cite a rule, {back} of the {used} are exceptions again")
    t_plain = statistics.median(s for d in taught for s in d.seconds_unaided)
    t_taught = statistics.median(s for d in taught for s in d.seconds)
    print(f"engine time per day (median, same input back to back): {t_plain:.3f} s without "
          f"rules, {t_taught:.3f} s with the rules learned so far (up to {len(people.hints)}; "
          f"{t_taught / t_plain:.2f}x)")


if __name__ == "__main__":
    main()

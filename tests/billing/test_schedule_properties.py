"""Properties of the schedule, pricing and tax rules over generated contracts and drafts:
periods neither overlap nor leave gaps, a line sum always equals the net total, VAT is the
rounded rate of each category's base, and a fully billed contract leaks nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import get_args

from hypothesis import given, settings
from hypothesis import strategies as st

from bots.billing.leakage import find_leakage
from bots.billing.model import (
    Amendment,
    BillingSchedule,
    Contract,
    ContractLine,
    CustomerMaster,
    DraftInvoice,
    DraftLine,
    Milestone,
)
from bots.billing.rules import default_rules
from bots.billing.rules.schedule import billing_periods, period_of
from bots.billing.rules.tax import expected_vat, tax_treatment
from bots.billing.rules.terms import line_net, line_terms
from bots.billing.rules.totals import check_totals, vat_breakdown

CONFIG = default_rules()
PERIODIC = [s for s in get_args(BillingSchedule) if s != "milestones"]
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=3)
percent = st.sampled_from([Decimal(p) for p in ("0", "5", "10", "12.5", "33.33", "100")])


@st.composite
def contracts(draw: st.DrawFn, billing: str | None = None) -> Contract:
    start = draw(days)
    end = draw(st.none() | st.integers(0, 2000).map(lambda n: start + timedelta(days=n)))
    line = ContractLine("L1", "SKU", "Service", "recurring", draw(money),
                        draw(st.integers(1, 50).map(Decimal)), "piece", "S")
    return Contract("C-1", "K-1", "EUR", start, end, 30, "domestic",
                    billing or draw(st.sampled_from(PERIODIC)), (line,))  # type: ignore[arg-type]


@settings(deadline=None)  # a loaded machine is no finding
@given(contracts(), st.integers(0, 3000))
def test_periods_neither_overlap_nor_leave_gaps(contract: Contract, horizon: int) -> None:
    through = contract.start + timedelta(days=horizon)
    periods = list(billing_periods(contract, through))
    if periods:
        assert periods[0].start == contract.start
    for period in periods:
        assert period.start <= period.end <= period.nominal_end
        assert period.billable_from <= through
        if contract.end is not None:
            assert period.end <= contract.end
    for before, after in pairwise(periods):
        assert after.start == before.end + timedelta(days=1)  # no gap, no overlap
        assert after.index == before.index + 1
    # nothing billable is left out: the next period is not billable yet or past the end
    following = list(billing_periods(contract, date(2040, 1, 1)))[len(periods):len(periods) + 1]
    for nxt in following:
        assert nxt.billable_from > through


@settings(deadline=None)  # a loaded machine is no finding
@given(contracts(), st.integers(0, 2500))
def test_each_day_of_the_contract_lies_in_exactly_its_period(contract: Contract,
                                                              offset: int) -> None:
    day = contract.start + timedelta(days=offset)
    period = period_of(contract, day)
    if contract.end is not None and day > contract.end:
        assert period is None
        return
    assert period is not None and period.start <= day <= period.end
    listed = list(billing_periods(contract, period.billable_from))
    assert listed[-1] == period


@settings(deadline=None)  # a loaded machine is no finding
@given(contracts("milestones"),
       st.lists(st.integers(0, 1500), min_size=1, max_size=8))
def test_milestone_periods_run_from_one_milestone_to_the_next(contract: Contract,
                                                             offsets: list[int]) -> None:
    stones = [Milestone("C-1", "L1", f"m{i}", contract.start + timedelta(days=o), Decimal(1))
              for i, o in enumerate(offsets)]
    periods = list(billing_periods(contract, date(2040, 1, 1), stones))
    assert [p.end for p in periods] == sorted({m.due for m in stones})
    assert periods[0].start == contract.start
    for before, after in pairwise(periods):
        assert after.start == before.end + timedelta(days=1)


@st.composite
def draft_lines(draw: st.DrawFn) -> tuple[DraftLine, ...]:
    lines = []
    for no in range(1, draw(st.integers(1, 12)) + 1):
        qty, price, disc = draw(quantities), draw(money), draw(percent)
        category, rate = draw(st.sampled_from([("S", "19"), ("S", "7"), ("Z", "0"),
                                               ("AE", "0"), ("E", "0")]))
        lines.append(DraftLine(no, "L1", "x", qty, price, disc, line_net(qty, price, disc),
                               category, Decimal(rate)))  # type: ignore[arg-type]
    return tuple(lines)


def _draft(lines: tuple[DraftLine, ...]) -> DraftInvoice:
    net = sum((ln.net_amount for ln in lines), Decimal(0))
    vat = sum((v for _, v in vat_breakdown(lines).values()), Decimal(0))
    return DraftInvoice("D-1", "K-1", "C-1", date(2026, 1, 1), date(2026, 1, 1),
                        date(2026, 1, 31), 30, "EUR", None, None, lines, net, vat, net + vat)


@settings(deadline=None)  # a loaded machine is no finding
@given(draft_lines())
def test_a_line_sum_always_equals_the_total_and_vat_is_rounded_per_category(
        lines: tuple[DraftLine, ...]) -> None:
    draft = _draft(lines)
    assert all(r.passed for r in check_totals(draft, Decimal("0.00")))
    exact = sum((ln.net_amount * ln.vat_rate / 100 for ln in lines), Decimal(0))
    groups = len({(ln.vat_category, ln.vat_rate) for ln in lines})
    assert abs(draft.vat_total - exact) <= Decimal("0.005") * groups
    for (_, rate), (base, vat) in vat_breakdown(lines).items():
        assert vat == (base * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


@settings(deadline=None)  # a loaded machine is no finding
@given(draft_lines(), st.integers(0, 11), st.sampled_from(["0.01", "-0.01", "1.00"]))
def test_any_changed_line_amount_breaks_the_line_sum(lines: tuple[DraftLine, ...], pick: int,
                                                     delta: str) -> None:
    draft = _draft(lines)
    i = pick % len(lines)
    changed = lines[i].__class__(*[getattr(lines[i], f) for f in lines[i].__slots__])
    object.__setattr__(changed, "net_amount", changed.net_amount + Decimal(delta))
    tampered = draft.__class__(*[getattr(draft, f) for f in draft.__slots__])
    object.__setattr__(tampered, "lines", (*lines[:i], changed, *lines[i + 1:]))
    failed = {r.rule_id for r in check_totals(tampered, Decimal("0.00")) if not r.passed}
    assert {"BR-CO-10", "BV-LINE-NET"} <= failed


@settings(deadline=None)  # a loaded machine is no finding
@given(st.sampled_from(sorted(CONFIG.eu_countries | {"US", "CH", "GB", "JP", "NO"})),
       st.sampled_from(["S", "Z", "E"]), st.sampled_from(["domestic", "exempt"]))
def test_the_vat_category_follows_the_buyers_country(country: str, category: str,
                                                     contract_treatment: str) -> None:
    contract = Contract("C-1", "K-1", "EUR", date(2026, 1, 1), None, 30,
                        contract_treatment, "monthly_in_advance", ())  # type: ignore[arg-type]
    buyer = CustomerMaster("K-1", "B", "S", "1", "C", country, None)
    treatment = tax_treatment(contract, buyer, CONFIG)
    cat, rate = expected_vat(treatment, category, CONFIG)
    if contract_treatment == "exempt":
        assert (cat, rate) == ("E", 0)
    elif country == CONFIG.seller_country:
        assert (cat, rate) == (category, CONFIG.domestic_rates[category])
    elif country in CONFIG.eu_countries:
        assert (cat, rate) == ("AE", 0)
    else:
        assert (cat, rate) == ("G", 0)


@settings(deadline=None)  # a loaded machine is no finding
@given(contracts(), money, st.integers(0, 400), st.integers(0, 40))
def test_a_pro_rata_price_lies_between_the_old_and_the_new(contract: Contract, new: Decimal,
                                                           shift: int, which: int) -> None:
    periods = list(billing_periods(contract, contract.start + timedelta(days=500)))
    if not periods:
        return
    period = periods[which % len(periods)]
    line = contract.lines[0]
    amendment = Amendment("C-1", period.start + timedelta(days=shift % period.days), "L1", new)
    terms = line_terms(line, [amendment], period)
    low, high = sorted((line.unit_price, new))
    assert low <= terms.unit_price <= high
    if amendment.effective == period.start:
        assert terms.unit_price == new
    whole = line_terms(line, [amendment], period, "whole_period")
    assert whole.unit_price == new
    assert line_terms(line, [], period).unit_price == line.unit_price


@settings(deadline=None)  # a loaded machine is no finding
@given(st.lists(contracts(), min_size=1, max_size=5), st.integers(0, 900), st.data())
def test_a_contract_billed_as_agreed_leaks_nothing_and_a_dropped_invoice_leaks_its_net(
        drawn: list[Contract], horizon: int, data: st.DataObject) -> None:
    contracts_ = [Contract(f"C-{i}", f"K-{i % 2}", c.currency, c.start, c.end, 30,
                           "domestic", c.billing, c.lines) for i, c in enumerate(drawn)]
    as_of = max(c.start for c in contracts_) + timedelta(days=horizon)
    invoices = []
    for c in contracts_:
        for p in billing_periods(c, as_of):
            terms = line_terms(c.lines[0], [], p)
            net = line_net(terms.quantity, terms.unit_price, Decimal(0))
            ln = DraftLine(1, "L1", "x", terms.quantity, terms.unit_price, Decimal(0), net,
                           "S", Decimal(19))
            invoices.append(DraftInvoice(f"{c.number}-{p.index}", c.customer_id, c.number,
                                         p.start, p.start, p.end, 30, "EUR", None, None,
                                         (ln,), net, net, net, "released"))
    assert find_leakage(contracts_, [], [], [], invoices, as_of).items == []
    if not invoices:
        return
    dropped = data.draw(st.sampled_from(invoices))
    report = find_leakage(contracts_, [], [], [],
                          [i for i in invoices if i is not dropped], as_of)
    if dropped.net_total == 0:  # a one-day stub worth less than a cent: nothing to lose
        assert report.items == []
        return
    assert [(i.contract_number, i.period_start, i.cause, i.amount) for i in report.items] \
        == [(dropped.contract_number, dropped.period_start, "period_not_invoiced",
             dropped.net_total)]
    assert report.by_customer == {(dropped.customer_id, "EUR"): dropped.net_total}

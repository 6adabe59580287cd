"""The leakage report finds each cause on hand-made contracts and invoices, with exact
totals per customer and per cause, and writes them as CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from bots.billing.leakage import CAUSES, find_leakage, to_csv
from bots.billing.model import Contract, ContractLine, Milestone, UsageRecord

if str(Path(__file__).parent) not in sys.path:  # the folder's shared data module
    sys.path.insert(0, str(Path(__file__).parent))

from test_rules_data import (
    AMENDMENT,
    CONTRACT,
    FEBRUARY,
    JANUARY,
    MARCH,
    USAGE,
    line,
    retotal,
)
from test_rules_data import (
    APRIL as APRIL_DRAFT,
)

AS_OF = date(2026, 5, 10)  # May billable (in advance), April's usage complete
APRIL = dataclasses.replace(APRIL_DRAFT, status="released")  # April as invoiced


def test_a_fully_billed_contract_leaks_nothing() -> None:
    may = retotal(dataclasses.replace(APRIL, number="INV-0005", period_start=date(2026, 5, 1),
                                      period_end=date(2026, 5, 31), lines=APRIL.lines[:1]))
    report = find_leakage([CONTRACT], [AMENDMENT], USAGE, [],
                          [JANUARY, FEBRUARY, MARCH, APRIL, may], AS_OF)
    assert report.items == []
    assert report.by_customer == {} and report.total("EUR") == 0


def test_each_cause_is_found_with_exact_amounts_and_totals() -> None:
    # January not billed at all; February and March right (10% off until 31 March);
    # April: seats at 11.00 instead of 12.50 and 300 of the 400 GB used; May not billed.
    april = retotal(APRIL, (line(1, "L1", "10", "11.00", "0", "110.00"),
                            line(2, "L2", "300", "0.05", "0", "15.00")))
    report = find_leakage([CONTRACT], [AMENDMENT], USAGE, [], [FEBRUARY, MARCH, april], AS_OF)
    got = sorted((i.cause, i.period_start.isoformat(), i.line_id, i.amount)
                 for i in report.items)
    assert got == [
        ("below_contract_price", "2026-04-01", "L1", D("15.00")),
        ("period_not_invoiced", "2026-01-01", "L1", D("112.50")),
        ("period_not_invoiced", "2026-05-01", "L1", D("125.00")),
        ("usage_not_invoiced", "2026-04-01", "L2", D("5.00")),
    ]
    assert report.by_cause == {("below_contract_price", "EUR"): D("15.00"),
                               ("period_not_invoiced", "EUR"): D("237.50"),
                               ("usage_not_invoiced", "EUR"): D("5.00")}
    assert report.by_customer == {("K-DE", "EUR"): D("257.50")}
    assert report.total("EUR") == D("257.50")


def test_a_discount_given_after_its_end_is_its_own_cause() -> None:
    april = retotal(APRIL, (line(1, "L1", "10", "12.50", "10", "112.50"), APRIL.lines[1]))
    report = find_leakage([CONTRACT], [], USAGE, [], [JANUARY, FEBRUARY, MARCH, april],
                          date(2026, 4, 30))
    assert [(i.cause, i.amount, i.expected, i.invoiced) for i in report.items] == [
        ("discount_past_end", D("12.50"), D("125.00"), D("112.50"))]


def test_amended_price_billed_at_the_old_price_is_below_contract_price() -> None:
    june = retotal(dataclasses.replace(APRIL, number="INV-0006", period_start=date(2026, 6, 1),
                                       period_end=date(2026, 6, 30), lines=APRIL.lines[:1]))
    may = dataclasses.replace(june, number="INV-0005", period_start=date(2026, 5, 1),
                              period_end=date(2026, 5, 31))
    report = find_leakage([CONTRACT], [AMENDMENT], (), [],
                          [JANUARY, FEBRUARY, MARCH, APRIL, may, june], date(2026, 6, 20))
    # June: 15 days at 12.50 and 15 at 14.00 = 13.25 a seat, 132.50 due, 125.00 billed
    assert [(i.cause, i.period_start, i.amount) for i in report.items] == [
        ("below_contract_price", date(2026, 6, 1), D("7.50"))]


def test_unbilled_milestones_and_usage_of_running_periods() -> None:
    build = ContractLine("M1", "IMPL", "Implementation", "milestone", D("0"), D("1"), "piece",
                         "S")
    project = Contract("C-200", "K-FR", "EUR", date(2026, 1, 1), None, 30, "domestic",
                       "milestones", (build,))
    stones = [Milestone("C-200", "M1", "design", date(2026, 2, 15), D("5000.00")),
              Milestone("C-200", "M1", "build", date(2026, 3, 31), D("7500.50")),
              Milestone("C-200", "M1", "go-live", date(2026, 4, 30), D("2500.00"), billed=True),
              Milestone("C-200", "M1", "hypercare", date(2026, 6, 30), D("1000.00"))]
    design = retotal(dataclasses.replace(
        APRIL, number="INV-P1", customer_id="K-FR", contract_number="C-200",
        period_start=date(2026, 1, 1), period_end=date(2026, 2, 15),
        lines=(line(1, "M1", "1", "5000.00", "0", "5000.00"),)))
    running = [UsageRecord("C-100", "L2", date(2026, 5, 1), date(2026, 5, 9), D("999"))]
    report = find_leakage([project, CONTRACT], [], running, stones,
                          [design, JANUARY, FEBRUARY, MARCH, APRIL], AS_OF)
    assert [(i.cause, i.customer_id, i.amount) for i in report.items] == [
        ("milestone_not_invoiced", "K-FR", D("7500.50")),
        ("period_not_invoiced", "K-DE", D("125.00")),  # May's seats; May's usage still runs
    ]
    assert report.by_customer == {("K-FR", "EUR"): D("7500.50"), ("K-DE", "EUR"): D("125.00")}


def test_cancelled_invoices_bill_nothing() -> None:
    void = dataclasses.replace(JANUARY, status="cancelled")
    report = find_leakage([CONTRACT], [], USAGE, [], [void, FEBRUARY, MARCH, APRIL],
                          date(2026, 4, 30))
    assert [(i.cause, i.period_start) for i in report.items] == [
        ("period_not_invoiced", date(2026, 1, 1))]


def test_totals_are_kept_per_currency() -> None:
    usd = dataclasses.replace(CONTRACT, number="C-300", currency="USD")
    report = find_leakage([CONTRACT, usd], [], (), [], [], date(2026, 1, 15))
    assert report.by_customer == {("K-DE", "EUR"): D("112.50"), ("K-DE", "USD"): D("112.50")}
    assert set(cause for cause, _ in report.by_cause) <= set(CAUSES)


def test_csv_has_one_row_per_leak_and_no_formula_cells() -> None:
    report = find_leakage([dataclasses.replace(
        CONTRACT, lines=(dataclasses.replace(CONTRACT.lines[0], description="=HYPERLINK(x)"),))],
        [], (), [], [], date(2026, 2, 10))
    out = io.StringIO()
    to_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["cause"], r["period_start"], r["amount"]) for r in rows] == [
        ("period_not_invoiced", "2026-01-01", "112.50"),
        ("period_not_invoiced", "2026-02-01", "112.50")]
    assert all(r["detail"].startswith("'=") for r in rows)


def test_a_pending_draft_bills_its_period_and_its_faults_are_left_to_validation() -> None:
    low = retotal(APRIL_DRAFT, (line(1, "L1", "10", "11.00", "0", "110.00"), APRIL.lines[1]))
    assert low.status == "draft"
    report = find_leakage([CONTRACT], [], USAGE, [], [JANUARY, FEBRUARY, MARCH, low],
                          date(2026, 4, 30))
    assert report.items == []
    released = dataclasses.replace(low, status="released")
    report = find_leakage([CONTRACT], [], USAGE, [], [JANUARY, FEBRUARY, MARCH, released],
                          date(2026, 4, 30))
    assert [(i.cause, i.amount) for i in report.items] == [("below_contract_price", D("15.00"))]

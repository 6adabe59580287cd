"""Billing validation: the rules' own time per draft, and the leakage report's time.

Generates a billing run of ``--drafts`` draft invoices (1,000 and 10,000 by default), each
for its own contract of two lines (seats and metered storage) with six earlier periods
released, a customer master (domestic, EU reverse charge, export), one amendment in ten,
a purchase order in four, and one draft in twenty with a seeded fault. Times ``validate``
over every draft (no browser, no store: the rules themselves) beside the floor a run cannot
go under: reading the same drafts from a CSV file with the csv module into Decimals.

Then ``find_leakage`` over 10,000 and 100,000 contract lines (two per contract, six
periods each, one invoice in fifty missing and one in fifty priced low) beside reading the
same invoice lines from CSV. Every figure is the median of ``--repeat`` runs, in CPU
seconds of the process (the wall clock printed beside it).

Run: ``python -m bench.bench_billing [--drafts 1000 10000] [--lines 10000 100000]
[--repeat 3]``
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gc
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bots.billing.leakage import find_leakage
from bots.billing.model import (
    Amendment,
    Contract,
    ContractLine,
    CustomerMaster,
    DraftInvoice,
    DraftLine,
    PurchaseOrder,
    UsageRecord,
)
from bots.billing.rules import ValidationContext, default_rules, failures, validate
from bots.billing.rules.schedule import billing_periods
from bots.billing.rules.terms import line_net, line_terms
from bots.billing.rules.totals import vat_breakdown

CONFIG = default_rules()
AS_OF = date(2026, 7, 1)
LEAK_AS_OF = AS_OF - timedelta(days=1)  # January to June billable, June's usage complete
BUYERS = (("DE", "DE136695976", "S", Decimal("19.00")),
          ("FR", "FR40303265045", "AE", Decimal("0")),
          ("US", None, "G", Decimal("0")))
PRICES = [Decimal(f"{p}.50") for p in range(5, 60)]


def _contract(i: int) -> Contract:
    seats = ContractLine("L1", "SEAT", "Seats", "recurring", PRICES[i % len(PRICES)],
                         Decimal(1 + i % 40), "seat", "S")
    storage = ContractLine("L2", "STOR", "Storage", "usage", Decimal("0.05"), Decimal(0), "GB",
                           "S")
    return Contract(f"C-{i:06d}", f"K-{i:06d}", "EUR", date(2026, 1, 1), None, 30, "domestic",
                    "monthly_in_advance", (seats, storage), (),
                    f"PO-{i:06d}" if i % 4 == 0 else None)


def _invoice(contract: Contract, number: str, period: object, amendments: list[Amendment],
             usage: Decimal, category: str, rate: Decimal, vat_id: str | None,
             status: str) -> DraftInvoice:
    lines = []
    for no, cline in enumerate(contract.lines, start=1):
        terms = line_terms(cline, [a for a in amendments if a.line_id == cline.line_id],
                           period)  # type: ignore[arg-type]
        qty = terms.quantity if cline.kind == "recurring" else usage
        lines.append(DraftLine(no, cline.line_id, cline.description, qty, terms.unit_price,
                               Decimal(0), line_net(qty, terms.unit_price, Decimal(0)),
                               category, rate))  # type: ignore[arg-type]
    net = sum((ln.net_amount for ln in lines), Decimal(0))
    vat = sum((v for _, v in vat_breakdown(tuple(lines)).values()), Decimal(0))
    p = period  # type: ignore[assignment]
    return DraftInvoice(number, contract.customer_id, contract.number, p.start, p.start,  # type: ignore[attr-defined]
                        p.end, 30, "EUR", contract.po_number, vat_id, tuple(lines), net, vat,  # type: ignore[attr-defined]
                        net + vat, status)


_FAULTS: tuple[Callable[[DraftInvoice], DraftInvoice], ...] = (
    lambda d: dataclasses.replace(d, payment_terms_days=60),
    lambda d: dataclasses.replace(d, gross_total=d.gross_total + Decimal("0.01")),
    lambda d: dataclasses.replace(d, buyer_vat_id=None),
    lambda d: dataclasses.replace(d, lines=(dataclasses.replace(
        d.lines[0], unit_price=d.lines[0].unit_price - 1), *d.lines[1:])),
)


def billing_run(n: int) -> list[tuple[DraftInvoice, ValidationContext]]:
    """``n`` drafts for July with their contexts (history January to June released)."""
    run = []
    periods = list(billing_periods(_contract(0), AS_OF))
    for i in range(n):
        contract = _contract(i)
        country, vat_id, category, rate = BUYERS[i % 3]
        customer = CustomerMaster(contract.customer_id, f"Customer {i}", "Street 1", "12345",
                                  "City", country, vat_id, contract.po_number is not None)
        amendments = ([Amendment(contract.number, date(2026, 4, 1), "L1",
                                 contract.lines[0].unit_price + 2)] if i % 10 == 0 else [])
        usage = [UsageRecord(contract.number, "L2", p.start, p.end, Decimal(100 + i % 7 * 10))
                 for p in periods]
        history = [_invoice(contract, f"INV-{i:06d}-{p.index}", p, amendments,
                            usage[p.index].quantity, category, rate, vat_id, "released")
                   for p in periods[:-1]]
        draft = _invoice(contract, f"DR-{i:06d}", periods[-1], amendments,
                         usage[-1].quantity, category, rate, vat_id, "draft")
        if i % 20 == 7:
            draft = _FAULTS[(i // 20) % len(_FAULTS)](draft)
        pos = ([PurchaseOrder(contract.po_number, contract.customer_id, Decimal("100000"),
                              Decimal("50000"), date(2026, 12, 31))] if contract.po_number
               else [])
        run.append((draft, ValidationContext(contract, customer, CONFIG, amendments, usage,
                                             (), pos, history)))
    return run


def _write_csv(path: Path, drafts: list[DraftInvoice]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        for d in drafts:
            for ln in d.lines:
                w.writerow((d.number, d.customer_id, d.contract_number, d.issue_date.isoformat(),
                            d.period_start.isoformat(), d.period_end.isoformat(),
                            d.payment_terms_days, d.currency, d.po_number or "",
                            d.buyer_vat_id or "", ln.line_no, ln.contract_line_id,
                            ln.quantity, ln.unit_price, ln.discount_percent, ln.net_amount,
                            ln.vat_category, ln.vat_rate, d.net_total, d.vat_total,
                            d.gross_total))


def _read_csv(path: Path) -> int:
    rows = 0
    with path.open(newline="") as fh:
        for row in csv.reader(fh):
            _ = (date.fromisoformat(row[4]), date.fromisoformat(row[5]), Decimal(row[12]),
                 Decimal(row[13]), Decimal(row[14]), Decimal(row[15]), Decimal(row[17]),
                 Decimal(row[18]), Decimal(row[19]), Decimal(row[20]))
            rows += 1
    return rows


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median CPU seconds of the process and median wall seconds over ``repeat`` runs.

    CPU time is the figure to compare: the work is single-threaded, and on a shared, loaded
    machine the wall clock mostly measures the wait for a core.
    """
    cpu, wall = [], []
    for _ in range(repeat):
        gc.collect()
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


def _validate_all(run: list[tuple[DraftInvoice, ValidationContext]]) -> int:
    return sum(1 for draft, ctx in run if failures(validate(draft, ctx)))


def leakage_inputs(lines: int) -> tuple[list[Contract], list[UsageRecord], list[DraftInvoice]]:
    """``lines`` contract lines (two per contract), six periods billed, some not or low."""
    contracts, usage, invoices = [], [], []
    periods = list(billing_periods(_contract(0), LEAK_AS_OF))
    for i in range(lines // 2):
        contract = _contract(i)
        contracts.append(contract)
        for p in periods:
            usage.append(UsageRecord(contract.number, "L2", p.start, p.end, Decimal(100)))
            if (i + p.index) % 50 == 3:
                continue  # never invoiced
            inv = _invoice(contract, f"INV-{i:06d}-{p.index}", p, [], Decimal(100), "S",
                           Decimal("19.00"), None, "released")
            if (i + p.index) % 50 == 11:
                first = inv.lines[0]
                cheap = first.unit_price - 1
                low = dataclasses.replace(first, unit_price=cheap,
                                          net_amount=line_net(first.quantity, cheap, Decimal(0)))
                inv = dataclasses.replace(inv, lines=(low, *inv.lines[1:]))
            invoices.append(inv)
    return contracts, usage, invoices


def _rows(results: Iterator[tuple[str, ...]]) -> None:
    widths = (30, 10, 10, 10, 12, 12)
    for row in results:
        print("  ".join(cell.ljust(w) if k == 0 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths, strict=False))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--lines", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"Rules over a billing run: the rules alone, no browser, no store (CPU seconds, "
          f"median of {args.repeat}; wall seconds beside)")
    _rows(iter([("drafts", "rules CPU", "ms/draft", "wall", "CSV read CPU", "rules/CSV")]))
    first: tuple[int, float] | None = None
    for n in args.drafts:
        run = billing_run(n)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "drafts.csv"
            _write_csv(path, [d for d, _ in run])
            floor, _ = _median(lambda p=path: _read_csv(p), args.repeat)
        flagged = _validate_all(run)
        took, wall = _median(lambda r=run: _validate_all(r), args.repeat)
        _rows(iter([(f"{n:,} ({flagged} flagged)", f"{took:.3f}", f"{took / n * 1000:.3f}",
                     f"{wall:.3f}", f"{floor:.3f}", f"{took / floor:.1f}x")]))
        if first is None:
            first = (n, took)
        else:
            print(f"  growth {first[0]:,} -> {n:,}: CPU time x{took / first[1]:.2f} for "
                  f"x{n / first[0]:.0f} drafts")
        del run

    print(f"\nLeakage report (CPU seconds, median of {args.repeat}; wall seconds beside)")
    _rows(iter([("contract lines", "leak CPU", "leaks", "wall", "CSV read CPU", "leak/CSV")]))
    first = None
    for n in args.lines:
        contracts, usage, invoices = leakage_inputs(n)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "invoices.csv"
            _write_csv(path, invoices)
            floor, _ = _median(lambda p=path: _read_csv(p), args.repeat)
        report = find_leakage(contracts, [], usage, [], invoices, LEAK_AS_OF)
        took, wall = _median(lambda c=contracts, u=usage, i=invoices:
                             find_leakage(c, [], u, [], i, LEAK_AS_OF), args.repeat)
        _rows(iter([(f"{n:,} ({len(invoices):,} invoices)", f"{took:.3f}",
                     f"{len(report.items):,}", f"{wall:.3f}", f"{floor:.3f}",
                     f"{took / floor:.1f}x")]))
        if first is None:
            first = (n, took)
        else:
            print(f"  growth {first[0]:,} -> {n:,}: CPU time x{took / first[1]:.2f} for "
                  f"x{n / first[0]:.0f} contract lines")
        del contracts, usage, invoices, report

if __name__ == "__main__":
    main()

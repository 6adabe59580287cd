"""Month-end size from the files: ``finbots match`` on a camt.053 and an open-items CSV.

    .venv/bin/python bench/statement_scale.py                    # 10k, 20k, 50k, 100k entries
    .venv/bin/python bench/statement_scale.py --sizes 5000 20000 --keep /tmp/month-end
    .venv/bin/python bench/statement_scale.py --repeats 5                 # 5 runs per size
    .venv/bin/python bench/statement_scale.py --skewed --sizes 5000 20000 # a few large customers
    .venv/bin/python bench/statement_scale.py --shape shared-account --sizes 5000 10000 20000

For each size N it writes a camt.053 with N entries (the generated month end of
``bench/cashapp_generator.py``: references, garbled numbers, payers by IBAN and name) and
a CSV of M = 10 x N open items, then runs in separate processes, one after the other
(3 times up to 20,000 entries, once above, unless ``--repeats`` says otherwise):

* the floor: the XML read with lxml ``iterparse`` (each entry cleared once read) and the
  CSV with ``csv.reader``, nothing else (an ``iterparse`` that stops only at entries is
  timed too, as a tighter floor for the XML: ``STATEMENT_SCALE_JSON=1`` prints it);
* ``finbots match --statement FILE --open-items FILE.csv --json --timings`` (decisions
  to a temporary file), which reports its own phases: statement parse, open items read
  and indexed (both beside the parse), matching, writing the decisions.

It prints medians of the CPU seconds per phase, of the whole command's CPU seconds (in
all its processes: the statement is parsed on the second core) and wall seconds (what the
user waits for; it depends on what else the machine runs), of the floor's CPU and wall
seconds and of both ratios (each run's ratio taken against the floor measured right
before it), the whole processes' wall seconds as ``time`` shows them (``finbots match``
with the interpreter's start, its imports and its exit, against the floor's process) and
their ratio, the highest peak RSS of the match process plus its child, and the time per
entry, so growth faster than linear shows as a rising per-entry figure.

``--shape`` changes who owes what in the same month end, where an index or a search could
grow faster than the files (each shape's files are written once and kept apart):

* ``shared-account``: each invoice is also exported with a collection account that every
  customer shares (a payment provider's), and every second payment comes from it, so the
  payer is told by name among all customers of that account;
* ``common-name``: every customer has the same name (the legal entities of one group);
* ``one-customer``: one customer holds every open item, under the names and accounts of
  all the others (a group invoiced as one debtor), so every garbled number is searched
  among all invoices;
* ``interleaved``: the export's rows in no order of customer (by due date, then by the
  invoice number read backwards, which scatters each customer's rows over the file); the
  decisions must be those of the standard shape.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cashapp_generator import DAY, MonthEnd, generate  # noqa: E402
from bots.cashapp.model import OpenItem, StatementEntry  # noqa: E402

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
ACCOUNT = "DE12500105170648489890"
COLLECTION_ACCOUNT = "DE89370400440532013000"  # the provider's account of --shape shared-account
SHAPES = ("standard", "shared-account", "common-name", "one-customer", "interleaved")
SIZES = (10_000, 20_000, 50_000, 100_000)


def _entry_xml(n: int, e: StatementEntry) -> str:
    party = "Dbtr" if e.is_credit else "Cdtr"
    parties = f"<{party}><Pty><Nm>{escape(e.counterparty_name or '')}</Nm></Pty></{party}>"
    if e.counterparty_iban:
        parties += f"<{party}Acct><Id><IBAN>{e.counterparty_iban}</IBAN></Id></{party}Acct>"
    if e.creditor_reference:
        rmt = ("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
               f"<Ref>{escape(e.creditor_reference)}</Ref></CdtrRefInf></Strd>")
    else:
        rmt = f"<Ustrd>{escape(e.remittance_text)}</Ustrd>"
    day = e.booking_date.isoformat()
    return (
        f"      <Ntry>\n        <NtryRef>{n}</NtryRef>\n"
        f'        <Amt Ccy="{e.currency}">{e.amount}</Amt>\n'
        f"        <CdtDbtInd>{e.direction.value}</CdtDbtInd>\n"
        "        <Sts><Cd>BOOK</Cd></Sts>\n"
        f"        <BookgDt><Dt>{day}</Dt></BookgDt>\n"
        f"        <ValDt><Dt>{e.value_date.isoformat()}</Dt></ValDt>\n"
        f"        <AcctSvcrRef>{e.bank_reference}</AcctSvcrRef>\n"
        "        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd>"
        "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n"
        "        <NtryDtls>\n          <TxDtls>\n"
        f"            <Refs><AcctSvcrRef>{e.bank_reference}</AcctSvcrRef>"
        f"<EndToEndId>E2E-{e.entry_id}</EndToEndId></Refs>\n"
        f'            <Amt Ccy="{e.currency}">{e.amount}</Amt>\n'
        f"            <CdtDbtInd>{e.direction.value}</CdtDbtInd>\n"
        f"            <RltdPties>{parties}</RltdPties>\n"
        f"            <RmtInf>{rmt}</RmtInf>\n"
        "          </TxDtls>\n        </NtryDtls>\n      </Ntry>\n"
    )


def write_camt(path: Path, entries: list[StatementEntry]) -> None:
    """A camt.053.001.08 with one statement holding ``entries``, balances that add up."""
    opening = Decimal("100000.00")
    closing = opening + sum((e.amount if e.is_credit else -e.amount for e in entries),
                            Decimal("0"))
    day = DAY.isoformat()

    def balance(code: str, amount: Decimal) -> str:
        way = "CRDT" if amount >= 0 else "DBIT"
        return (f"      <Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
                f'<Amt Ccy="EUR">{abs(amount)}</Amt><CdtDbtInd>{way}</CdtDbtInd>'
                f"<Dt><Dt>{day}</Dt></Dt></Bal>\n")

    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}">\n'
                  "  <BkToCstmrStmt>\n    <GrpHdr><MsgId>BENCH-MONTH-END</MsgId>"
                  f"<CreDtTm>{day}T18:00:00+00:00</CreDtTm></GrpHdr>\n    <Stmt>\n"
                  f"      <Id>BENCH-{day}</Id>\n      <ElctrncSeqNb>1</ElctrncSeqNb>\n"
                  f"      <CreDtTm>{day}T18:00:00+00:00</CreDtTm>\n"
                  f"      <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n")
        out.write(balance("OPBD", opening))
        out.write(balance("CLBD", closing))
        out.writelines(_entry_xml(n, e) for n, e in enumerate(entries, start=1))
        out.write("    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n")


def write_open_items(path: Path, items: Iterable[OpenItem]) -> None:
    """The ERP export: one row per invoice and customer IBAN."""
    columns = ("invoice_number", "customer_id", "customer_name", "customer_iban",
               "amount_open", "currency", "due_date", "creditor_reference",
               "discount_percent", "discount_until")
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i in items:
            due = i.due_date.isoformat() if i.due_date else ""
            until = i.discount_until.isoformat() if i.discount_until else ""
            pct = str(i.discount_percent) if i.discount_percent else ""
            for iban in i.customer_ibans or ("",):
                writer.writerow((i.invoice_number, i.customer_id, i.customer_name, iban,
                                 i.amount_open, i.currency, due, i.creditor_reference or "",
                                 pct, until))


FLOOR = """
import csv, sys, time
from lxml import etree
clock, wall = time.process_time, time.perf_counter
w0 = wall()
t0 = clock()
count = 0
for _, el in etree.iterparse(sys.argv[1], events=("end",), resolve_entities=False,
                             no_network=True, huge_tree=False):
    if el.tag.endswith("}Ntry"):
        count += 1
        el.clear()
t1 = clock()
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    rows = sum(1 for _ in csv.reader(f))
t2 = clock()
w2 = wall()
for _, el in etree.iterparse(sys.argv[1], events=("end",), tag="{*}Ntry",
                             resolve_entities=False, no_network=True, huge_tree=False):
    el.clear()
t3 = clock()
print(t1 - t0, t2 - t1, t3 - t2, w2 - w0, count, rows)
"""


def _floor(xml: Path, items: Path) -> tuple[float, float, float, float, float]:
    """CPU seconds of the naive read of the XML, of the CSV, and of an iterparse that
    stops only at entries (a tighter floor for the XML), the wall seconds of the naive
    read of both, in a process of their own, and that process's wall seconds from start
    to end (the interpreter's start and its imports included)."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FLOOR, str(xml), str(items)],
                          capture_output=True, text=True, check=True)
    process_wall = time.perf_counter() - t0
    xml_s, csv_s, entries_s, wall_s, _, _ = done.stdout.split()
    return float(xml_s), float(csv_s), float(entries_s), float(wall_s), process_wall


def _match_process(xml: Path, items: Path) -> tuple[dict[str, dict[str, float]], float, int]:
    """Phases reported by ``finbots match --timings``, process wall time, peak RSS (KiB:
    the match process's own peak plus that of its largest child, the statement parse on
    the second core, as if both peaked at once)."""
    # the peak is printed on the way out, also when the command ends the process at once
    # (a month end does: ``bots.runtime.quick_exit``)
    script = ("import os, resource, sys\nfrom orchestrator.cli import main\n"
              "sys.argv = ['finbots'] + sys.argv[1:]\n"
              "def peak():\n"
              "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "          + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,\n"
              "          file=sys.stderr, flush=True)\n"
              "end = os._exit\n"
              "def ending(code):\n    peak()\n    end(code)\n"
              "os._exit = ending\n"
              "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n"
              "    code = 0\n"
              "peak()\n"
              "sys.exit(code)")
    with tempfile.TemporaryFile("w+") as sink:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script, "match", "--statement", str(xml),
             "--open-items", str(items), "--json", "--timings"],
            stdout=sink, stderr=subprocess.PIPE, text=True, check=False, cwd=ROOT)
        wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"finbots match failed: {done.stderr[-2000:]}")
    lines = done.stderr.strip().splitlines()
    timings = json.loads(next(ln for ln in lines if ln.startswith("{")))
    return timings, wall, int(lines[-1])


def reshape(month: MonthEnd, shape: str) -> tuple[list[StatementEntry], list[OpenItem]]:
    """The month end's entries and open items in the given ``--shape``."""
    entries, items = month.entries, month.open_items
    if shape == "shared-account":
        items = [i._replace(customer_ibans=(*i.customer_ibans, COLLECTION_ACCOUNT))
                 for i in items]
        entries = [replace(e, counterparty_iban=COLLECTION_ACCOUNT)
                   if n % 2 and e.counterparty_iban else e for n, e in enumerate(entries)]
    elif shape == "common-name":
        items = [i._replace(customer_name="Meridian Holding GmbH") for i in items]
    elif shape == "one-customer":
        items = [i._replace(customer_id="C-GROUP") for i in items]
    elif shape == "interleaved":
        items = sorted(items, key=lambda i: (i.due_date or DAY, i.invoice_number[::-1]))
    return entries, items


def _files(size: int, workdir: Path, seed: int, skewed: bool = False,
           shape: str = "standard") -> tuple[Path, Path]:
    """The month end of ``size`` entries; files already in ``workdir`` (``--keep``) are
    used again."""
    kind = ("skewed_" if skewed else "") + ("" if shape == "standard" else f"{shape}_")
    xml = workdir / f"camt053_{kind}{size}.xml"
    items = workdir / f"open_items_{kind}{size}.csv"
    if not (xml.exists() and items.exists()):
        entries, open_items = reshape(generate(size, size * 10, seed, skewed=skewed), shape)
        write_camt(xml, entries)
        write_open_items(items, open_items)
    return xml, items


def _once(xml: Path, items: Path) -> dict[str, float]:
    """The floor, then ``finbots match``, right after each other (CPU seconds: the figures
    hold on a machine busy with other work; wall time is kept as well)."""
    xml_s, csv_s, entries_s, floor_wall, floor_process = _floor(xml, items)
    timings, wall, peak_kib = _match_process(xml, items)
    cpu = timings["cpu"]
    # "elapsed": from the start of the command to the decisions written, phases that ran
    # side by side (the statement on the second core) counted once in the wall time and
    # each in the CPU time
    elapsed = timings.get("elapsed") or {"cpu": sum(cpu.values()),  # type: ignore[call-overload]
                                         "wall": sum(timings["wall"].values())}
    total, wall_total = elapsed["cpu"], elapsed["wall"]
    floor = xml_s + csv_s
    return {
        "parse": cpu["parse"], "match": cpu["match"],
        "open_items_s": cpu["open_items"] + cpu.get("index", 0.0),  # read and indexed
        "output": cpu["output"], "total": total, "wall_total": wall_total,
        "process_wall": wall, "floor": floor, "floor_xml": xml_s, "floor_csv": csv_s,
        "floor_wall": floor_wall, "iterparse_entries_only": entries_s, "ratio": total / floor,
        "ratio_wall": wall_total / floor_wall, "peak_mib": peak_kib / 1024,
        "floor_process_wall": floor_process, "ratio_process": wall / floor_process,
    }


def measure(size: int, workdir: Path, seed: int, repeats: int,
            skewed: bool = False, shape: str = "standard") -> dict[str, float]:
    """Medians over ``repeats`` runs of the floor and ``finbots match`` on the files of
    ``size`` entries; the ratio is the median of each run's total / floor (both measured
    at the same moment)."""
    xml, items = _files(size, workdir, seed, skewed, shape)
    runs = [_once(xml, items) for _ in range(repeats)]
    r = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    r["peak_mib"] = max(run["peak_mib"] for run in runs)
    r.update(entries=size, open_items=size * 10, repeats=repeats,
             xml_mb=xml.stat().st_size / 1e6, csv_mb=items.stat().st_size / 1e6,
             per_entry_us=r["total"] / size * 1e6,
             parse_per_entry_us=r["parse"] / size * 1e6)
    return r


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=0,
                    help="Runs per size (default: 3 up to 20,000 entries, 1 above).")
    ap.add_argument("--keep", type=Path,
                    help="Write the files here and keep them (files already there are used).")
    ap.add_argument("--skewed", action="store_true",
                    help="Customers of Pareto-distributed size, the largest with up to a "
                    "third of the open items, each paying in proportion to its open items, "
                    "more payments without a reference (see bench/cashapp_generator.py).")
    ap.add_argument("--shape", choices=SHAPES, default="standard",
                    help="Who owes what: see the module's docstring.")
    args = ap.parse_args(argv)
    print("Seconds, medians over the runs; phases in CPU seconds (the statement parse runs "
          "on the second core, beside the open items read and indexed); total = the whole "
          "command, CPU in all its processes and wall (what the user waits for); floor = "
          "lxml iterparse of the XML + csv.reader of the CSV, nothing else, measured right "
          "before each run; output = writing the decisions as JSON")
    print("| entries | open items | XML MB | CSV MB | runs | parse | open items | match | "
          "output | total CPU | total wall | floor CPU | floor wall | CPU/floor | "
          "wall/floor | process wall | floor process | process/floor | peak RSS MiB | "
          "µs/entry total | µs/entry parse |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
          "---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="statement-scale-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            repeats = args.repeats or (3 if size <= 20_000 else 1)
            r = measure(size, workdir, args.seed, repeats, args.skewed, args.shape)
            print(f"| {size:,} | {size * 10:,} | {r['xml_mb']:.0f} | {r['csv_mb']:.0f} | "
                  f"{repeats} | {r['parse']:.2f} | {r['open_items_s']:.2f} | "
                  f"{r['match']:.2f} | {r['output']:.2f} | {r['total']:.2f} | "
                  f"{r['wall_total']:.2f} | {r['floor']:.2f} | {r['floor_wall']:.2f} | "
                  f"{r['ratio']:.2f}x | {r['ratio_wall']:.2f}x | {r['process_wall']:.2f} | "
                  f"{r['floor_process_wall']:.2f} | {r['ratio_process']:.2f}x | "
                  f"{r['peak_mib']:,.0f} | "
                  f"{r['per_entry_us']:.0f} | {r['parse_per_entry_us']:.0f} |", flush=True)
            if os.environ.get("STATEMENT_SCALE_JSON"):
                print(json.dumps(r), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

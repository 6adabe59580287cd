"""Cash application on the command line: ``finbots statements ...`` and ``finbots match``.

CLI plugins of this package (the ``finbots.cli`` entry points ``statements`` and ``match``):
read a bank statement file, import it with quarantine, read a remittance advice, and decide
every entry of a statement against the open items.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.cashapp.background import StatementsInBackground
from bots.cashapp.bulk import paused_gc
from bots.cashapp.matching import (
    OpenItemIndex,
    load_config,
    load_open_items_csv,
    match_statement,
)
from bots.cashapp.model import Direction, RemittanceAdvice, Statement
from bots.cashapp.statements import (
    JsonFileRegistry,
    check_balance,
    import_statements,
    parse_file_statements,
    parse_remittance_file,
    statement_to_dict,
)
from bots.runtime import quick_exit
from bots.runtime.errors import FinbotsError, StatementError

statements_app = typer.Typer(no_args_is_help=True, help="Parse bank statements.")
_FILE = Annotated[Path, typer.Argument(help="Statement file (camt.053/054, MT940, BAI2, CSV).")]
_JSON = Annotated[bool, typer.Option(
    "--json", help="Print the normalized statement as JSON (a list when the file holds "
    "several statements).")]


def _fail(error: StatementError) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _show_all(statements: list[Statement], as_json: bool,
              notes: list[str] | None = None) -> None:
    """Each statement of a file (JSON: one object, or a list when there are several)."""
    if as_json:
        data: Any = [statement_to_dict(s) for s in statements]
        typer.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2,
                              ensure_ascii=False))
        return
    for n, statement in enumerate(statements):
        if len(statements) > 1:
            Console().print(f"statement {n + 1} of {len(statements)}"
                            + (f": {notes[n]}" if notes and notes[n] else ""), highlight=False)
        _show(statement)


def _show(statement: Statement) -> None:
    console = Console()
    console.print(
        f"[bold]{statement.format}[/] {statement.statement_id} "
        f"(sequence {statement.sequence or '-'}) account {statement.account_iban or '-'} "
        f"{statement.currency}  {statement.from_date or ''} .. {statement.to_date or ''}",
        highlight=False)
    table = Table()
    for name in ("entry", "booked", "value", "amount"):
        table.add_column(name, no_wrap=True, justify="right" if name == "amount" else "left")
    for name in ("counterparty", "reference", "text"):
        table.add_column(name, overflow="fold")
    for e in statement.entries:
        sign = "" if e.direction is Direction.CREDIT else "-"
        table.add_row(e.entry_id, str(e.booking_date), str(e.value_date),
                      f"{sign}{e.amount} {e.currency}", e.counterparty_name or "",
                      e.creditor_reference or e.end_to_end_id or e.bank_reference,
                      e.remittance_text)
    console.print(table)
    if statement.opening_balance is not None:
        console.print(f"opening {statement.opening_balance}  closing "
                      f"{statement.closing_balance}  entries {len(statement.entries)}",
                      highlight=False)


@statements_app.command("parse")
def parse(file: _FILE, as_json: _JSON = False) -> None:
    """Parse FILE (format told from its content), check the balances of every statement it
    holds and print each."""
    try:
        statements = parse_file_statements(file)
        for statement in statements:
            check_balance(statement)
    except StatementError as exc:
        _fail(exc)
        return
    _show_all(statements, as_json)


@statements_app.command("import")
def import_(
    file: _FILE,
    registry: Annotated[Path, typer.Option(help="JSON file of imported statements.")] = Path(
        "runs/statements/registry.json"),
    quarantine: Annotated[Path, typer.Option(help="Where refused files are moved.")] = Path(
        "runs/statements/quarantine"),
    as_json: _JSON = False,
) -> None:
    """Import every statement of FILE once: a file that is refused, or whose statements were
    all imported before, is moved to the quarantine folder."""
    try:
        found = import_statements(file, JsonFileRegistry(registry), quarantine)
    except StatementError as exc:
        _fail(exc)
        return
    for f in found:
        if not f.new:
            Console(stderr=True).print(
                f"skipped: statement {f.key.statement_id} (sequence {f.key.sequence or '-'}) "
                "was imported before", highlight=False)
    _show_all([f.statement for f in found], as_json,
              ["imported" if f.new else "imported before, skipped" for f in found])


def _show_advice(advice: RemittanceAdvice, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(statement_to_dict(advice), indent=2, ensure_ascii=False))
        return
    console = Console()
    console.print(f"[bold]{advice.payer_name}[/] reference {advice.payment_reference or '-'} "
                  f"amount {advice.payment_amount or '-'} {advice.currency or ''}",
                  highlight=False)
    table = Table("invoice", "amount", "deduction", "note")
    for line in advice.lines:
        table.add_row(line.invoice_number, str(line.amount), str(line.deduction), line.note)
    console.print(table)


@statements_app.command("advice")
def advice(
    file: Annotated[Path, typer.Argument(help="Remittance advice (.xlsx or PDF).")],
    as_json: _JSON = False,
) -> None:
    """Read a customer's remittance advice: which invoices a payment pays."""
    try:
        found = parse_remittance_file(file)
    except StatementError as exc:
        _fail(exc)
        return
    _show_advice(found, as_json)


#: from this many decisions on, ``finbots match`` ends without freeing its objects
QUICK_EXIT_DECISIONS = 5_000


def match(
    statement: Path = typer.Option(..., "--statement", help="Bank statement file to match."),
    open_items: Path = typer.Option(..., "--open-items", help="Open items CSV from the ERP."),
    config: Path | None = typer.Option(None, "--config", help="Matching settings (YAML/TOML)."),
    remittance: list[Path] | None = typer.Option(
        None, "--remittance", help="Remittance advice (.xlsx/.pdf); repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    timings: bool = typer.Option(
        False, "--timings",
        help="Print the wall and CPU seconds of each phase to stderr (one JSON line)."
    ),
) -> None:
    """Match every statement of a file against the open items: one decision per entry.

    Each statement is decided on its own against the same open items; the decisions come
    in file order. When the file holds several statements, each decision names its
    statement (``statement_id``).
    """
    # one pause of the cyclic collector for the whole command: the month end is millions of
    # objects without cycles, and a collection after each phase would walk all of them
    with paused_gc():
        _match_files(statement, open_items, config, remittance or [], as_json, timings)


def _match_files(statement: Path, open_items: Path, config: Path | None,
                 remittance: list[Path], as_json: bool, timings: bool) -> None:
    clock = PhaseClock()
    try:
        settings = load_config(config)
        # the statement is parsed on the second core while this process reads the open
        # items (a large file; small ones are parsed here when asked for)
        statements = StatementsInBackground(statement, parse_file_statements)
        with clock.phase("open_items"):
            try:
                items = load_open_items_csv(open_items)
            except FinbotsError:
                statements.result()  # the statement's own error comes first, as it did
                raise
        with clock.phase("index"):  # still beside the statement's parse, when it runs apart
            index = OpenItemIndex(items, settings)
            del items
        with clock.phase("parse"):
            parsed = statements.result()
        clock.record("parse", wall=statements.wall, cpu=statements.cpu)
        advices = [parse_remittance_file(path) for path in remittance]
        with clock.phase("match"):
            decided = [(s, match_statement(s.entries, index, settings, remittances=advices))
                       for s in parsed]
            del index  # not needed for the output: its memory goes back before that
    except FinbotsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    with clock.phase("output"):
        rows = []
        for one, results in decided:
            entries = {e.entry_id: e for e in one.entries}
            if len(decided) == 1:
                rows += [decision_row(entries[r.entry_id].bank_reference, r) for r in results]
                continue
            rows += [{"statement_id": one.statement_id,
                      **decision_row(entries[r.entry_id].bank_reference, r)} for r in results]
        if as_json:
            typer.echo(json_lines(rows))
        else:
            _table(rows)
    if timings:
        typer.echo(json.dumps({**clock.seconds, "elapsed": clock.elapsed()}), err=True)
    if len(rows) >= QUICK_EXIT_DECISIONS:  # a month end: the process may end without
        quick_exit.keep(decided, rows)      # freeing it object by object
        quick_exit.request()


def json_lines(rows: list[dict[str, Any]]) -> str:
    """A JSON array with one row a line: as readable as an indented dump of a month end,
    and written by the C encoder (an indented dump takes the slow pure-Python path)."""
    if not rows:
        return "[]"
    return "[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]"


class PhaseClock:
    """Wall and CPU seconds per named phase of a command (CPU time tells the work apart
    from waiting for a busy machine)."""

    def __init__(self) -> None:
        self.seconds: dict[str, dict[str, float]] = {"wall": {}, "cpu": {}}
        self._started = (time.perf_counter(), time.process_time())
        self._elsewhere = 0.0  # CPU seconds of phases run in another process

    def record(self, name: str, *, wall: float, cpu: float) -> None:
        """A phase timed where it ran (a child process: its CPU seconds count in the total,
        its wall seconds overlap this process's)."""
        here = self.seconds["cpu"].get(name, 0.0)
        self.seconds["wall"][name] = round(wall, 4)
        self.seconds["cpu"][name] = round(cpu, 4)
        self._elsewhere += max(cpu - here, 0.0)

    def elapsed(self) -> dict[str, float]:
        """Wall seconds since the clock started (what the user waited for, phases that ran
        side by side counted once) and CPU seconds in all processes."""
        wall, cpu = self._started
        return {"wall": round(time.perf_counter() - wall, 4),
                "cpu": round(time.process_time() - cpu + self._elsewhere, 4)}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds["wall"][name] = round(time.perf_counter() - wall, 4)
            self.seconds["cpu"][name] = round(time.process_time() - cpu, 4)


def decision_row(bank_reference: str, result: Any) -> dict[str, Any]:
    """One entry's decision as plain JSON-ready data (amounts as strings)."""
    return {
        "entry_id": result.entry_id,
        "bank_reference": bank_reference,
        "decision": result.decision.value,
        "reason": result.reason.value if result.reason else None,
        "rule": result.rule,
        "confidence": result.confidence,
        "customer_id": result.customer_id,
        "partial": result.partial,
        "explanation": result.explanation,
        "allocations": [
            {"invoice_number": a.invoice_number, "amount": str(a.amount),
             "write_off": str(a.write_off), "discount": str(a.discount)}
            for a in result.allocations
        ],
        "candidates": [
            {"invoice_number": c.invoice_number, "customer_id": c.customer_id,
             "amount_open": str(c.amount_open), "score": c.score, "why": c.why}
            for c in result.candidates
        ],
    }  # fmt: skip


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Matching decisions")
    for column in ("entry", "bank reference", "decision", "reason", "rule", "conf.", "applied"):
        table.add_column(column)
    for row in rows:
        applied = "; ".join(
            f"{a['invoice_number']} {a['amount']}"
            + (f" wo {a['write_off']}" if a["write_off"] != "0" else "")
            + (f" disc {a['discount']}" if a["discount"] != "0" else "")
            for a in row["allocations"]
        ) or ", ".join(c["invoice_number"] for c in row["candidates"][:3])
        style = {"post": "green", "exception": "yellow"}.get(row["decision"], "dim")
        table.add_row(
            row["entry_id"], row["bank_reference"], f"[{style}]{row['decision']}[/{style}]",
            row["reason"] or "", row["rule"], f"{row['confidence']:.2f}", applied,
        )  # fmt: skip
    Console().print(table)

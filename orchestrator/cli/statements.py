"""``finbots statements``: read a bank statement file, or import it with quarantine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bots.cashapp.model import Direction, RemittanceAdvice, Statement
from bots.cashapp.statements import (
    JsonFileRegistry,
    check_balance,
    import_statement,
    parse_file,
    parse_remittance_file,
    statement_to_dict,
)
from bots.runtime.errors import StatementError

app = typer.Typer(no_args_is_help=True)
_FILE = Annotated[Path, typer.Argument(help="Statement file (camt.053/054, MT940, BAI2, CSV).")]
_JSON = Annotated[bool, typer.Option("--json", help="Print the normalized statement as JSON.")]


def _fail(error: StatementError) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _show(statement: Statement, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(statement_to_dict(statement), indent=2, ensure_ascii=False))
        return
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


@app.command("parse")
def parse(file: _FILE, as_json: _JSON = False) -> None:
    """Parse FILE (format told from its content), check its balances and print it."""
    try:
        statement = parse_file(file)
        check_balance(statement)
    except StatementError as exc:
        _fail(exc)
        return
    _show(statement, as_json)


@app.command("import")
def import_(
    file: _FILE,
    registry: Annotated[Path, typer.Option(help="JSON file of imported statements.")] = Path(
        "runs/statements/registry.json"),
    quarantine: Annotated[Path, typer.Option(help="Where refused files are moved.")] = Path(
        "runs/statements/quarantine"),
    as_json: _JSON = False,
) -> None:
    """Import FILE once: refused or duplicate files are moved to the quarantine folder."""
    try:
        statement = import_statement(file, JsonFileRegistry(registry), quarantine)
    except StatementError as exc:
        _fail(exc)
        return
    _show(statement, as_json)


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


@app.command("advice")
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

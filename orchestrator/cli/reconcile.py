"""``finbots reconcile ID|--all [--json]``: imported bank statements reconciled (balances,
cash posted, the remainder explained entry by entry). Exits 1 when a statement is flagged,
so a schedule or a script notices an unexplained remainder."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import NotFoundError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _table
from orchestrator.services.reconciliation import (
    KINDS,
    Reconciliation,
    list_statements,
    reconcile_statement,
)
from orchestrator.store import Store

__all__ = ["reconcile"]


def _summary(found: list[Reconciliation]) -> None:
    table = _table("Bank statements", "id account statement date entries credits posted "
                   "explained unexplained check", "id entries credits posted explained "
                   "unexplained")
    for r in found:
        table.add_row(str(r.id), r.account, escape(r.statement_id), r.date or "-",
                      str(r.entries), f"{r.credits:,.2f}", f"{r.posted:,.2f}",
                      f"{r.explained:,.2f}", f"{r.unexplained:,.2f}",
                      "FLAGGED" if r.flagged else "reconciled")
    _console().print(table)


def _detail(r: Reconciliation) -> None:
    console = _console()
    console.print(f"Statement {escape(r.statement_id)} of {r.account} ({r.currency}), "
                  f"{r.entries} entries")
    difference = r.balance_difference
    console.print(f"  opening {r.opening} + credits {r.credits} - debits {r.debits} = "
                  f"{r.expected_closing}; closing {r.closing}; difference {difference}")
    console.print("  " + "; ".join(f"{KINDS[k].lower()} {v:,.2f}" for k, v in r.totals.items()))
    table = _table("Entries", "bank_reference amount became of_it document case",
                   "amount of_it case")
    for line in r.lines:
        if not line.credit:
            table.add_row(escape(line.ref), f"-{line.amount:,.2f}", "money out", "", "", "")
        for e in line.explanations:
            table.add_row(escape(line.ref), f"{line.amount:,.2f}",
                          escape(f"{KINDS[e.kind]}: {e.text}"), f"{e.amount:,.2f}",
                          escape(e.document or "-"), str(e.case_id or ""))
    console.print(table)
    for flag in r.flags:
        console.print(f"[red]FLAGGED[/red]: {escape(flag)}")


def reconcile(
    statement: Annotated[int | None, typer.Argument(help="The statement's id (see --all).")]
    = None,
    all_: Annotated[bool, typer.Option("--all", help="Every statement imported (newest "
                                       "first, at most --limit).")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Reconcile imported bank statements: opening + entries = closing, cash posted =
    credits less what is explained item by item (exit 1 when one is flagged)."""
    if (statement is None) == (not all_):
        typer.echo("error: give a statement id or --all", err=True)
        raise typer.Exit(2)
    store = Store.from_settings()
    try:
        found = (list_statements(store, limit=limit) if all_
                 else [reconcile_statement(store, int(statement or 0))])
    except NotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        _emit([r.as_json(lines=not all_) for r in found] if all_ else found[0].as_json())
    elif all_:
        _summary(found)
    else:
        _detail(found[0])
    if any(r.flagged for r in found):
        raise typer.Exit(1)

"""``finbots audit``: the audit trail of what people did (and bot decisions that moved money)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.store import Store

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_records(
    limit: Annotated[int, typer.Option(help="How many records, newest first.")] = 50,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. item.retry.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """The audit trail: who did what to which record, newest first (UTC)."""
    records = Store.from_settings().list_audit(limit=limit, action=action)
    if as_json:
        _emit([_fields(r) for r in records])
        return
    if not records:
        typer.echo("No audit records.")
        return
    table = _table("Audit trail (UTC)", "id at actor action target details", numbers="id")
    for r in records:
        table.add_row(str(r.id), _when(r.at), escape(r.actor), r.action, escape(r.target),
                      escape(json.dumps(r.details)) if r.details else "-")
    _console().print(table)

"""``finbots audit list|verify|export``: the hash-chained audit trail of what people did
(and bot decisions that moved money)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from orchestrator.auth.audit_csv import write_audit_csv
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.store import Store

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_records(
    limit: Annotated[int, typer.Option(help="How many records, newest first.")] = 50,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. item.retry.")]
    = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The audit trail: who did what to which record, newest first (UTC)."""
    records = Store.from_settings().list_audit(limit=limit, action=action, actor=actor)
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


@app.command("verify")
def verify(
    head: Annotated[str | None, typer.Option(
        help="The newest hash seen before (from an earlier verify): catches cut-off records.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the hash chain; exit 1 naming every edited, removed or reordered record."""
    store = Store.from_settings()
    problems = [str(p) for p in store.verify_audit()]
    count, newest = store.audit_head()
    if head and not any(r.hash == head for r in store.iter_audit()):
        problems.append(f"the record with hash {head} is gone: records were cut off the end")
    if as_json:
        _emit({"ok": not problems, "records": count, "head": newest, "problems": problems})
    elif problems:
        typer.secho(f"audit trail BROKEN: {len(problems)} problem(s) in {count} records",
                    fg="red", err=True)
        for line in problems:
            typer.echo(f"  - {line}")
    else:
        typer.secho(f"audit trail intact: {count} records", fg="green")
        typer.echo(f"newest hash: {newest or '-'} (keep it to check later with --head)")
    if problems:
        raise typer.Exit(1)


@app.command("export")
def export(
    csv_file: Annotated[Path, typer.Option("--csv", help="Write the trail to this CSV file.")],
) -> None:
    """Export the whole trail, oldest first, with each record's hashes."""
    with csv_file.open("w", encoding="utf-8", newline="") as fh:
        count = write_audit_csv(Store.from_settings().iter_audit(), fh)
    typer.echo(f"exported {count} audit records to {csv_file}")

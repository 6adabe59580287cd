"""``finbots audit list|verify|export|checkpoint``: the hash-chained audit trail of what
people did (and bot decisions that moved money)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import FinbotsError
from orchestrator.auth.audit_csv import write_audit_csv
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.store import Store, current_actor
from orchestrator.store.audit_anchor import checkpoint_path

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
        actor = f"{r.actor} (token {r.via_token})" if r.via_token else r.actor
        table.add_row(str(r.id), _when(r.at), escape(actor), r.action, escape(r.target),
                      escape(json.dumps(r.details)) if r.details else "-")
    _console().print(table)


@app.command("verify")
def verify(
    head: Annotated[str | None, typer.Option(
        help="The newest hash seen before (from an earlier verify): catches cut-off records.")]
    = None,
    as_json: JsonOpt = False,
) -> None:
    """Check the audit trail; exit 1 naming every record that is wrong.

    Each record is hashed when written, chained to the one before, with the
    audit key kept outside the database: FINBOTS_AUDIT_KEY, else the file
    credentials/audit.key under FINBOTS_HOME (or FINBOTS_AUDIT_KEY_FILE).
    Named: records edited, removed, moved or inserted; records without a
    hash; records whose hash was not made with the key (written with
    database access alone). Records from before the key keep their plain
    hash and still verify, as the start of the trail.

    After each write the newest record's id and hash go to the head
    checkpoint, signed with the key: credentials/audit.head (or
    FINBOTS_AUDIT_HEAD_FILE). A trail that ends before that record, or
    holds it with another hash, was cut or rewritten at the end. --head
    also checks against a hash you kept yourself.
    """
    store = Store.from_settings()
    try:
        problems = [str(p) for p in store.verify_audit()]
    except FinbotsError as exc:
        typer.secho(f"audit trail not checked: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
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


@app.command("checkpoint")
def checkpoint(
    reset: Annotated[bool, typer.Option(
        "--reset", help="Start the checkpoint afresh at the trail as it is now.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before --reset.")] = False,
) -> None:
    """Show the head checkpoint of this database: the newest record known written.

    --reset is for a database restored from a backup, or a new one in the old one's
    place: records the checkpoint had are then gone on purpose. The reset is itself an
    audit record (audit.checkpoint_reset, with the old checkpoint), and needs the key.
    """
    store = Store.from_settings()
    try:
        current = store.audit_checkpoint()
    except FinbotsError as exc:
        typer.secho(f"checkpoint not read: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    where = checkpoint_path()
    if current is None:
        typer.echo(f"no checkpoint for this database in {where} (none written yet)")
    else:
        state = "" if current.authentic else " (its MAC does not check out)"
        typer.echo(f"checkpoint in {where}: record {current.id}, hash {current.hash}{state}")
    if not reset:
        return
    if not yes:
        typer.confirm("Forget the checkpoint and start it at the trail as it is now?",
                      abort=True)
    try:
        _old, record = store.reset_audit_checkpoint(current_actor())
    except FinbotsError as exc:
        typer.secho(f"checkpoint not reset: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"checkpoint reset: now record {record.id} (audit.checkpoint_reset)")


@app.command("export")
def export(
    csv_file: Annotated[Path, typer.Option("--csv", help="Write the trail to this CSV file.")],
) -> None:
    """Export the whole trail, oldest first, with each record's hashes."""
    with csv_file.open("w", encoding="utf-8", newline="") as fh:
        count = write_audit_csv(Store.from_settings().iter_audit(), fh)
    typer.echo(f"exported {count} audit records to {csv_file}")

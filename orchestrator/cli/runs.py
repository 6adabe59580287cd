"""``finbots runs``, ``finbots runs show ID`` and ``finbots exceptions``: the read side.

Rich tables for people; ``--json`` for scripts (stable keys, amounts as text, ISO UTC times).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import SQLModel

from bots.runtime.errors import NotFoundError
from orchestrator.store import ExceptionCase, RunRecord, Store, to_jsonable, utcnow

app = typer.Typer(invoke_without_command=True, no_args_is_help=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
_OUTCOME_STYLE = {"ok": "green", "failed": "red", "successful": "green", "running": "cyan",
                  "abandoned": "yellow", "killed": "red", "stopped": "yellow"}


def _console() -> Console:
    """Piped output is not cut to 80 columns (unless COLUMNS says so)."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return Console()
    return Console(width=160)


def _table(title: str, columns: str, numbers: str = "") -> Table:
    """``columns`` space separated (``_`` for a space); ``numbers`` align right, never wrap."""
    table = Table(title=title)
    for name in columns.split():
        number = name in numbers.split()
        table.add_column(name.replace("_", " "), justify="right" if number else "left",
                         no_wrap=number, overflow="fold")
    return table


def _fields(record: SQLModel, *exclude: str) -> dict[str, Any]:
    """A record's columns in their declared order (stable JSON keys)."""
    names = type(record).model_fields
    return {name: getattr(record, name) for name in names if name not in exclude}


def _emit(data: Any) -> None:
    typer.echo(json.dumps(to_jsonable(data), indent=2))


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{days}d {hours % 24}h"
    if hours:
        return f"{hours}h {minutes % 60:02d}m"
    return f"{minutes}m {int(seconds) % 60:02d}s"


def _duration(run: RunRecord) -> float:
    return ((run.finished_at or utcnow()) - run.started_at).total_seconds()


def _styled(value: str) -> str:
    style = _OUTCOME_STYLE.get(value)
    return f"[{style}]{value}[/]" if style else value


@app.callback()
def runs(
    ctx: typer.Context,
    bot: Annotated[str | None, typer.Option(help="Only runs of this bot.")] = None,
    status: Annotated[str | None, typer.Option(help="Only runs in this status.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recent runs (times in UTC). ``finbots runs show ID`` for one run's steps."""
    if ctx.invoked_subcommand is not None:
        return
    store = Store.from_settings()
    records = store.list_runs(bot=bot, status=status, limit=limit)
    counts = store.run_counts([r.id for r in records if r.id is not None])
    rows = []
    for run in records:
        n = counts.get(run.id or 0, {})
        rows.append({
            "id": run.id, "bot": run.bot, "bot_version": run.bot_version, "status": run.status,
            "host": run.host, "pid": run.pid, "started_at": run.started_at,
            "finished_at": run.finished_at, "duration_s": round(_duration(run), 3),
            "items_ok": n.get("ok") or run.summary.get("items_ok", 0),
            "items_failed": n.get("failed") or run.summary.get("items_failed", 0),
            "exceptions": n.get("exceptions", 0),
        })
    if as_json:
        _emit(rows)
        return
    if not rows:
        typer.echo("No runs.")
        return
    table = _table("Runs (UTC)", "id bot status started duration ok failed exceptions",
                   numbers="id ok failed exceptions")
    for r in rows:
        table.add_row(
            str(r["id"]), r["bot"], _styled(r["status"]), _when(r["started_at"]),
            _span(r["duration_s"]), str(r["items_ok"]), str(r["items_failed"]),
            str(r["exceptions"]),
        )
    _console().print(table)


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="The run id.")],
    as_json: JsonOpt = False,
) -> None:
    """One run: header, summary and the step timeline."""
    store = Store.from_settings()
    try:
        run = store.get_run(run_id)
    except NotFoundError:
        typer.echo(f"No run with id {run_id}.", err=True)
        raise typer.Exit(1) from None
    steps = store.list_steps(run_id)
    if as_json:
        _emit({"run": _fields(run), "steps": [_fields(s, "id", "run_id") for s in steps]})
        return
    console = _console()
    console.print(
        f"[bold]Run {run.id}[/]  {escape(run.bot)} {run.bot_version or ''}  "
        f"{_styled(run.status)}\nhost {escape(run.host)} pid {run.pid}  "
        f"started {_when(run.started_at)} UTC  "
        f"finished {_when(run.finished_at)} UTC  duration {_span(_duration(run))}"
    )
    if run.args:
        console.print(f"args: {json.dumps(run.args)}", markup=False)
    if run.summary:
        console.print(f"summary: {json.dumps(run.summary)}", markup=False)
    if run.error:
        console.print(f"[red]error:[/] {escape(run.error)}")
    table = _table(f"Steps ({len(steps)})", "# time app action selector outcome ms "
                   "message_/_evidence", numbers="# ms")
    for s in steps:
        note = " | ".join(p for p in (s.message, s.rule and f"rule {s.rule}", s.evidence) if p)
        table.add_row(
            str(s.seq), s.started_at.strftime("%H:%M:%S.%f")[:-3], s.app or "-", s.action,
            s.selector or "-", _styled(s.outcome),
            "-" if s.duration_ms is None else str(s.duration_ms), escape(note),
        )
    console.print(table)


def _case_row(case: ExceptionCase, now: dt.datetime) -> dict[str, Any]:
    row = _fields(case)
    row["age_s"] = round((now - case.created_at).total_seconds())
    row["overdue"] = case.status in ("open", "in_progress") and case.sla_due_at < now
    return row


def exceptions(
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    status: Annotated[str | None, typer.Option(help="open | in_progress | resolved | closed")]
    = None,
    run: Annotated[int | None, typer.Option(help="Only cases opened by this run.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List exception cases (the human inbox), oldest first."""
    now = utcnow()
    cases = Store.from_settings().list_cases(reason_code=reason, status=status, run_id=run)
    rows = [_case_row(c, now) for c in cases]
    if as_json:
        _emit(rows)
        return
    if not rows:
        typer.echo("No exception cases.")
        return
    table = _table("Exception cases", "id reason reference amount customer status age "
                   "SLA_due summary", numbers="id amount")
    for c, r in zip(cases, rows, strict=True):
        left = (c.sla_due_at - now).total_seconds()
        due = f"in {_span(left)}" if left >= 0 else f"overdue {_span(left)}"
        table.add_row(
            str(c.id), c.reason_code, escape(c.reference),
            "-" if c.amount is None else str(c.amount), c.customer_id or "-", c.status,
            _span(r["age_s"]), f"[red]{due}[/]" if r["overdue"] else due, escape(c.summary),
        )
    _console().print(table)

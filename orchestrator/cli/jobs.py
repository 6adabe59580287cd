"""``finbots jobs start|stop|kill|list|show``: jobs for the robots.

``jobs start`` only queues the job (``pending``); a robot (``finbots robots start`` or
``finbots serve``) claims and runs it. ``finbots run`` still runs a bot at once in-process.
Every start, stop and kill writes an audit record naming the actor.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from bots.runtime.errors import ConfigError, IllegalTransitionError, NotFoundError
from orchestrator.cli.run import parse_args
from orchestrator.cli.runs import (
    JsonOpt,
    _console,
    _emit,
    _fields,
    _span,
    _styled,
    _table,
    _when,
)
from orchestrator.registry import load_bot
from orchestrator.services.jobs import start_job
from orchestrator.store import RunRecord, RunStatus, Store, current_actor, utcnow

app = typer.Typer(no_args_is_help=True)

_STATUSES = [s.value for s in RunStatus]
_FINAL = {"successful", "failed", "stopped", "killed", "abandoned"}


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg="red", err=True)
    return typer.Exit(code)


def _job(store: Store, run_id: int) -> RunRecord:
    try:
        return store.get_run(run_id)
    except NotFoundError:
        raise _fail(f"No job with id {run_id}.") from None


def _age(job: RunRecord) -> float:
    if job.status == "pending":
        return (utcnow() - job.created_at).total_seconds()
    return ((job.finished_at or utcnow()) - job.started_at).total_seconds()


@app.command("start")
def start(
    bot: Annotated[str, typer.Argument(help="Bot name, e.g. payment-posting.")],
    arg: Annotated[list[str] | None, typer.Option("--arg", "-a",
                   help="Bot argument key=value (repeatable).")] = None,
    time_limit: Annotated[int | None, typer.Option(
        help="Kill the job after this many seconds (default: the bot's limit).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the job ends.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Queue a job for a robot; --wait follows it to its end (exit 1 unless successful).

    The arguments are checked against the bot's before anything is queued.
    """
    store = Store.from_settings()
    try:
        job = start_job(store, bot, parse_args(arg or []), requested_by=current_actor(),
                        trigger="cli", time_limit_seconds=time_limit, allow_reference=True)
    except ConfigError as exc:
        raise _fail(f"error: {exc}", 2) from exc
    if not as_json:
        typer.echo(f"job {job.id}: pending ({job.bot})")
    if wait:
        while job.status not in _FINAL:
            time.sleep(0.5)
            job = store.get_run(job.id or 0)
    if as_json:
        _emit(_fields(job))
    elif wait:
        colour = "green" if job.status == "successful" else "red"
        typer.secho(f"job {job.id}: {job.status}", fg=colour, bold=True)
        if job.error:
            typer.secho(f"  error: {job.error}", fg="red")
        typer.echo(f"  steps: finbots runs show {job.id}")
    if wait and job.status != "successful":
        raise typer.Exit(1)


def _request(run_id: int, action: str) -> None:
    store = Store.from_settings()
    actor = current_actor()
    _job(store, run_id)
    ask = store.request_stop if action == "stop" else store.request_kill
    try:
        job = ask(run_id, actor)
    except IllegalTransitionError as exc:
        raise _fail(f"job {run_id} has ended ({exc.current}); nothing to {action}.") from exc
    store.record_audit(actor, f"job.{action}", f"job:{run_id}", {"status": job.status})
    typer.echo(f"job {run_id}: {job.status}" + (
        "" if job.status in _FINAL else f" ({action} requested)"))


@app.command("stop")
def stop(run_id: Annotated[int, typer.Argument(help="The job id.")]) -> None:
    """Ask a job to stop after its current item (a pending job stops at once)."""
    _request(run_id, "stop")


@app.command("kill")
def kill(run_id: Annotated[int, typer.Argument(help="The job id.")]) -> None:
    """Terminate a job's process now (its in-progress items go back to the queue)."""
    _request(run_id, "kill")


@app.command("limits")
def limits(
    bot: Annotated[str, typer.Argument(help="Bot name, e.g. payment-posting.")],
    time_limit: Annotated[int | None, typer.Option(
        min=0, help="Kill its jobs after this many seconds (0: no limit).")] = None,
    max_concurrent: Annotated[int | None, typer.Option(
        min=0, help="At most this many of its jobs at once (0: no limit).")] = None,
) -> None:
    """Show a bot's job limits, or change them (an unchanged option keeps its value)."""
    try:
        loaded = load_bot(bot)
    except ConfigError as exc:
        raise _fail(f"error: {exc}", 2) from exc
    store = Store.from_settings()
    record = {b.name: b for b in store.list_bots()}.get(bot) or store.register_bot(
        bot, loaded.version, loaded.description, loaded.apps)
    if time_limit is not None or max_concurrent is not None:
        new = {"time_limit_seconds": record.time_limit_seconds if time_limit is None
               else time_limit or None,
               "max_concurrent_jobs": record.max_concurrent_jobs if max_concurrent is None
               else max_concurrent or None}
        record = store.set_bot_limits(bot, **new)
        store.record_audit(current_actor(), "bot.limits", f"bot:{bot}", new)
    limit = f"{record.time_limit_seconds} s" if record.time_limit_seconds else "none"
    typer.echo(f"{bot}: time limit {limit}, "
               f"at most {record.max_concurrent_jobs or 'any number of'} job(s) at once")


@app.command("list")
def list_jobs(
    status: Annotated[str | None, typer.Option(help=f"Only: {' | '.join(_STATUSES)}")] = None,
    bot: Annotated[str | None, typer.Option(help="Only jobs of this bot.")] = None,
    robot: Annotated[str | None, typer.Option(help="Only jobs of this robot.")] = None,
    limit: Annotated[int, typer.Option(help="How many jobs, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Jobs, newest first (times in UTC)."""
    if status is not None and status not in _STATUSES:
        raise _fail(f"Unknown status {status!r}; one of: {', '.join(_STATUSES)}.")
    jobs = Store.from_settings().list_jobs(status=status, bot=bot, robot=robot, limit=limit)
    if as_json:
        _emit([_fields(j, "summary") for j in jobs])
        return
    if not jobs:
        typer.echo("No jobs.")
        return
    table = _table("Jobs (UTC)", "id bot status trigger by robot created for", numbers="id")
    for j in jobs:
        table.add_row(str(j.id), escape(j.bot), _styled(j.status), j.trigger,
                      escape(j.requested_by or "-"), escape(j.robot or "-"),
                      _when(j.created_at), _span(_age(j)))
    _console().print(table)


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="The job id.")],
    as_json: JsonOpt = False,
) -> None:
    """One job: who asked for it, where it runs, its limits and outcome."""
    job = _job(Store.from_settings(), run_id)
    if as_json:
        _emit(_fields(job))
        return
    rows: list[tuple[str, Any]] = [
        ("bot", f"{job.bot} {job.bot_version or ''}"), ("status", _styled(job.status)),
        ("trigger", job.trigger), ("requested by", job.requested_by or "-"),
        ("schedule", job.schedule_id or "-"), ("robot", job.robot or "-"),
        ("process", f"{job.host or '-'} pid {job.pid or '-'}"),
        ("credentials", ", ".join(job.credentials) or "-"),
        ("time limit", f"{job.time_limit_seconds} s" if job.time_limit_seconds else "-"),
        ("created", _when(job.created_at)), ("started", _when(job.started_at)),
        ("finished", _when(job.finished_at)),
        ("stop requested", _when(job.stop_requested_at)),
        ("kill requested", _when(job.kill_requested_at)),
    ]
    console = _console()
    console.print(f"[bold]Job {job.id}[/]")
    for key, value in rows:
        console.print(f"  {key:<15} {value if key == 'status' else escape(str(value))}")
    if job.args:
        console.print(f"  args            {json.dumps(job.args)}", markup=False)
    if job.summary:
        console.print(f"  summary         {json.dumps(job.summary)}", markup=False)
    if job.error:
        console.print(f"  [red]error[/]           {escape(job.error)}")
    console.print(f"  steps: finbots runs show {job.id}")

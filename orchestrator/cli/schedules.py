"""``finbots schedules ...``: add, list, show, pause, resume, remove; ``calendar`` sub-commands.

Times are shown in the schedule's time zone and in UTC. Every change writes an audit
record naming the actor (``FINBOTS_ACTOR``, else the operating-system user).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from bots.runtime.errors import ConfigError, DuplicateError, NotFoundError, ScheduleError
from orchestrator.cli.run import parse_args
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table, _when
from orchestrator.cli.schedule_calendars import app as calendar_app
from orchestrator.scheduler import (
    DAY_RULES,
    MISFIRE_POLICIES,
    add_schedule,
    next_fire_times,
    parse_every,
    set_schedule_enabled,
)
from orchestrator.scheduler.triggers import format_every
from orchestrator.services.jobs import plan_job
from orchestrator.store import Store, current_actor
from orchestrator.store.models import BusinessCalendar, Schedule

app = typer.Typer(no_args_is_help=True)
app.add_typer(calendar_app, name="calendar", help="Business calendars: set, show, list.")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _schedule(store: Store, name: str) -> Schedule:
    try:
        return store.get_schedule(name)
    except NotFoundError:
        raise _fail(f"No schedule named {name!r}.") from None


def _local(when: dt.datetime | None, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S %Z") if when else "-"


def _trigger(s: Schedule) -> str:
    spec = s.spec
    if s.kind == "cron":
        text = f"cron {spec['cron']}"
    elif s.kind == "interval":
        text = f"every {format_every(spec['seconds'])}"
    elif s.kind == "date":
        text = f"once at {_local(dt.datetime.fromisoformat(spec['at']), s.timezone)}"
    else:
        hold = spec.get("hold_off_minutes")
        text = (f"queue {spec['queue']} (max {spec['max_concurrent']} jobs, "
                f"min {spec['min_items']} items"
                + (f", wait {hold} min after a stop on failures" if hold is not None else "")
                + ")")
    return text if s.day_rule == "any" else f"{text}, {s.day_rule} ({s.calendar or 'Mon-Fri'})"


def _row(s: Schedule) -> dict[str, Any]:
    row = _fields(s)
    row["trigger"] = _trigger(s)
    row["next_fire_local"] = _local(s.next_fire_at, s.timezone) if s.next_fire_at else None
    return row


def _calendar(store: Store, s: Schedule) -> BusinessCalendar | None:
    return store.get_calendar(s.calendar) if s.calendar else None


_OPTIONS = {"spec.cron": "--cron", "spec.every": "--interval", "spec.seconds": "--interval",
            "spec.at": "--at", "spec.start": "--start", "spec.queue": "--queue",
            "spec.max_concurrent": "--max-concurrent", "spec.min_items": "--min-items",
            "spec.hold_off_minutes": "--hold-off",
            "timezone": "--tz", "calendar": "--calendar", "day_rule": "--day-rule",
            "misfire": "--misfire", "misfire_grace_seconds": "--grace", "args": "--arg"}


def _as_option(message: str) -> str:
    """``timezone: unknown ...`` → ``--tz: unknown ...`` (the store names its fields)."""
    field, sep, rest = message.partition(": ")
    return f"{_OPTIONS[field]}: {rest}" if sep and field in _OPTIONS else message


def _spec(kind: str, value: str, start: str | None, max_concurrent: int,
          min_items: int, hold_off: int | None) -> dict[str, Any]:
    if kind == "interval":
        return {"seconds": parse_every(value), **({"start": start} if start else {})}
    if kind == "queue":
        return {"queue": value, "max_concurrent": max_concurrent, "min_items": min_items,
                **({"hold_off_minutes": hold_off} if hold_off is not None else {})}
    return {"cron": value} if kind == "cron" else {"at": value}


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A unique schedule name.")],
    bot: Annotated[str, typer.Argument(help="The bot to start.")],
    cron: Annotated[str | None, typer.Option(help="Crontab: '0 7 * * mon-fri'.")] = None,
    interval: Annotated[str | None, typer.Option(help="Every: 90s, 15m, 1h30m, 2d.")] = None,
    at: Annotated[str | None, typer.Option(help="Once, ISO 8601 (in --tz).")] = None,
    queue: Annotated[str | None, typer.Option(help="Start on new items in this queue.")] = None,
    start: Annotated[str | None, typer.Option(help="--interval: first fire, ISO 8601.")] = None,
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone.")] = "UTC",
    calendar: Annotated[str | None, typer.Option(help="Business calendar name.")] = None,
    day_rule: Annotated[str, typer.Option(help=" | ".join(DAY_RULES))] = "any",
    misfire: Annotated[str, typer.Option(help=" | ".join(MISFIRE_POLICIES))] = "run_once",
    grace: Annotated[int, typer.Option(help="Seconds a missed fire may still run late.")] = 300,
    coalesce: Annotated[bool, typer.Option(help="Missed fires start one job.")] = True,
    max_concurrent: Annotated[int, typer.Option(help="--queue: most jobs at once.")] = 1,
    min_items: Annotated[int, typer.Option(help="--queue: items per job.")] = 1,
    hold_off: Annotated[int | None, typer.Option(
        help="--queue: minutes to wait after a run stopped on failures in a row "
             "(default 10; 0: at once).")] = None,
    arg: Annotated[list[str] | None, typer.Option("--arg", "-a",
                   help="Bot argument key=value (repeatable).")] = None,
    paused: Annotated[bool, typer.Option(help="Add it paused.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a schedule: exactly one of --cron, --interval, --at, --queue."""
    chosen = [(k, v) for k, v in (("cron", cron), ("interval", interval), ("date", at),
                                   ("queue", queue)) if v is not None]
    if len(chosen) != 1:
        raise _fail("Give exactly one of --cron, --interval, --at, --queue.")
    try:
        plan_job(bot, parse_args(arg or []), local=True)  # a registered bot, arguments it accepts
    except ConfigError as exc:
        raise _fail(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    kind, value = chosen[0]
    store, actor = Store.from_settings(), current_actor()
    try:
        spec = _spec(kind, value, start, max_concurrent, min_items, hold_off)
        schedule = add_schedule(
            store, name, bot, kind, spec, args=parse_args(arg or []), timezone=tz,
            calendar=calendar, day_rule=day_rule, misfire=misfire, misfire_grace_seconds=grace,
            coalesce=coalesce, enabled=not paused, created_by=actor,
        )
    except (ScheduleError, DuplicateError) as exc:
        raise _fail(f"Schedule not added: {_as_option(str(exc))}.") from None
    if kind == "queue" and value not in {q.name for q in store.list_queues()}:
        typer.echo(f"Note: no work queue {value!r} yet; the trigger waits for it.", err=True)
    store.record_audit(actor, "schedule.add", name, _fields(
        schedule, "id", "name", "created_at", "created_by", "last_fire_at"))
    if as_json:
        _emit(_row(schedule))
        return
    when = _local(schedule.next_fire_at, tz) if schedule.next_fire_at else "-"
    typer.echo(f"Added schedule {name} ({_trigger(schedule)}); next fire {when}.")


@app.command("list")
def list_schedules(as_json: JsonOpt = False) -> None:
    """Schedules with their next fire time (in the schedule's time zone and UTC)."""
    rows = [_row(s) for s in Store.from_settings().list_schedules()]
    if as_json:
        _emit(rows)
        return
    if not rows:
        typer.echo("No schedules.")
        return
    table = _table("Schedules", "name bot trigger tz misfire state next_fire next_fire_(UTC) "
                   "last_fire_(UTC)")
    for r in rows:
        state = "[green]enabled[/]" if r["enabled"] else "[yellow]paused[/]"
        misfire = f"{r['misfire']} {r['misfire_grace_seconds']}s" + (
            " coalesce" if r["coalesce"] else "")
        table.add_row(escape(r["name"]), escape(r["bot"]), escape(r["trigger"]), r["timezone"],
                      misfire, state, r["next_fire_local"] or "-", _when(r["next_fire_at"]),
                      _when(r["last_fire_at"]))
    _console().print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The schedule name (or id).")],
    count: Annotated[int, typer.Option(help="How many next fire times.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """One schedule: every field and its next fire times."""
    store = Store.from_settings()
    schedule = _schedule(store, name)
    times = next_fire_times(schedule, _calendar(store, schedule), count)
    if as_json:
        _emit({**_row(schedule), "next_fire_times": times})
        return
    console = _console()
    state = "enabled" if schedule.enabled else "paused"
    console.print(f"[bold]Schedule {escape(schedule.name)}[/]  {escape(schedule.bot)}  {state}")
    table = _table("", "field value")
    for key, value in _row(schedule).items():
        shown = _when(value) + " UTC" if isinstance(value, dt.datetime) else str(value)
        table.add_row(key, escape("-" if value is None else shown))
    console.print(table)
    if schedule.kind == "queue":
        console.print("Fires when its queue has new items (no fire times).")
        return
    if not schedule.enabled:
        console.print("[yellow]Paused[/]: these are the fire times once resumed.")
    fires = _table(f"Next {len(times)} fire times", f"{schedule.timezone} UTC")
    for t in times:
        fires.add_row(_local(t, schedule.timezone), _when(t))
    console.print(fires)


def _set_enabled(name: str, enabled: bool, action: str) -> None:
    store = Store.from_settings()
    before = _schedule(store, name)
    schedule = set_schedule_enabled(store, before.name, enabled)
    if before.enabled != enabled:
        store.record_audit(current_actor(), action, schedule.name,
                           {"next_fire_at": schedule.next_fire_at})
    when = _local(schedule.next_fire_at, schedule.timezone)
    word = "resumed" if enabled else "paused"
    already = "" if before.enabled != enabled else " (already)"
    typer.echo(f"Schedule {schedule.name} {word}{already}" + (
        f"; next fire {when}." if enabled and schedule.next_fire_at else "."))


@app.command("pause")
def pause(name: Annotated[str, typer.Argument(help="The schedule name.")]) -> None:
    """Stop firing (until resumed)."""
    _set_enabled(name, False, "schedule.pause")


@app.command("resume")
def resume(name: Annotated[str, typer.Argument(help="The schedule name.")]) -> None:
    """Fire again, from now on (fires missed while paused do not run)."""
    _set_enabled(name, True, "schedule.resume")


@app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The schedule name.")]) -> None:
    """Delete the schedule (its past jobs stay)."""
    store = Store.from_settings()
    schedule = _schedule(store, name)
    store.remove_schedule(schedule.name)
    store.record_audit(current_actor(), "schedule.remove", schedule.name, {
        "bot": schedule.bot, "kind": schedule.kind, "spec": schedule.spec})
    typer.echo(f"Removed schedule {schedule.name}.")

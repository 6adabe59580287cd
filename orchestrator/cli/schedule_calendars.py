"""``finbots schedules calendar set|show|list``: business calendars (weekend and holidays).

``set`` replaces a calendar's holidays with the ``--holiday`` options and ``--from-file``
rows (a CSV of ``date,label``); ``--merge`` keeps the holidays it already has.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import NotFoundError, ScheduleError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _table
from orchestrator.scheduler import schedules as scheduling
from orchestrator.scheduler.calendars import (
    WEEKDAYS,
    parse_holidays,
    parse_weekend,
    read_holiday_file,
)
from orchestrator.store import Store, current_actor

app = typer.Typer(no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _weekend_text(days: list[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in days) or "none"


@app.command("set")
def set_calendar(
    name: Annotated[str, typer.Argument(help="Calendar name, e.g. TARGET2.")],
    holiday: Annotated[list[str] | None, typer.Option(
        "--holiday", help="DATE=label, e.g. 2026-12-25=Christmas (repeatable).")] = None,
    weekend: Annotated[str | None, typer.Option(
        help="Days off each week: 5,6 or sat,sun (Monday = 0); 'none'. Default: kept, "
             "or 5,6 for a new calendar.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from-file", help="CSV of date,label rows (a header row is fine).")] = None,
    merge: Annotated[bool, typer.Option(help="Keep the calendar's current holidays.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create or replace a business calendar."""
    store = Store.from_settings()
    try:
        current = store.get_calendar(name)
    except NotFoundError:
        current = None
    try:
        days = parse_weekend(weekend) if weekend is not None else (
            current.weekend if current else [5, 6])
        holidays = dict(current.holidays) if current and merge else {}
        if from_file is not None:
            holidays.update(read_holiday_file(from_file))
        holidays.update(parse_holidays(holiday or []))
        record = scheduling.set_calendar(store, name, days, holidays)
    except ScheduleError as exc:
        raise _fail(f"Calendar not set: {exc}.") from None
    store.record_audit(current_actor(), "calendar.set", name, {
        "weekend": record.weekend, "holidays": record.holidays,
        "replaced": None if current is None else {"weekend": current.weekend,
                                                  "holidays": current.holidays},
    })
    if as_json:
        _emit(_fields(record))
        return
    typer.echo(f"Calendar {name}: weekend {_weekend_text(record.weekend)}, "
               f"{len(record.holidays)} holidays.")


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Calendar name.")],
    as_json: JsonOpt = False,
) -> None:
    """A calendar's weekend and holidays."""
    try:
        record = Store.from_settings().get_calendar(name)
    except NotFoundError:
        raise _fail(f"No business calendar named {name!r}.") from None
    if as_json:
        _emit(_fields(record))
        return
    table = _table(f"{name}: weekend {_weekend_text(record.weekend)}", "date day holiday")
    for day, label in record.holidays.items():
        table.add_row(day, dt.date.fromisoformat(day).strftime("%a"), escape(label))
    _console().print(table)


@app.command("list")
def list_calendars(as_json: JsonOpt = False) -> None:
    """Business calendars with their holiday counts."""
    records = Store.from_settings().list_calendars()
    if as_json:
        _emit([_fields(r) for r in records])
        return
    if not records:
        typer.echo("No business calendars.")
        return
    table = _table("Business calendars", "name weekend holidays first last",
                   numbers="holidays")
    for r in records:
        days = list(r.holidays)
        table.add_row(escape(r.name), _weekend_text(r.weekend), str(len(days)),
                      days[0] if days else "-", days[-1] if days else "-")
    _console().print(table)

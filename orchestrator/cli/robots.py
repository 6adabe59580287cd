"""``finbots robots list|start``: the workers that run jobs.

``robots start`` runs one robot in the foreground until SIGTERM or Ctrl-C (running jobs are
asked to stop, then killed after ``--stop-grace`` seconds). Any number of robots, on any
number of hosts, share one store (``FINBOTS_DB_URL``, PostgreSQL across hosts).
"""

from __future__ import annotations

import signal
import socket
import sys
from typing import Annotated

import typer
from loguru import logger
from rich.markup import escape

from bots.runtime.errors import ConfigError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _span, _styled, _table
from orchestrator.store import Store, utcnow

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_robots(as_json: JsonOpt = False) -> None:
    """Robots: host, state, heartbeat age, the jobs they run."""
    robots = Store.from_settings().list_robots()
    now = utcnow()
    if as_json:
        _emit([{**_fields(r), "heartbeat_age_s": round((now - r.heartbeat_at).total_seconds(), 1)}
               for r in robots])
        return
    if not robots:
        typer.echo("No robots. Start one: finbots robots start")
        return
    table = _table("Robots", "name host pid state heartbeat slots jobs", numbers="pid slots")
    for r in robots:
        age = (now - r.heartbeat_at).total_seconds()
        table.add_row(escape(r.name), escape(r.host), str(r.pid or "-"), _styled(r.status),
                      f"{_span(age)} ago", str(r.slots),
                      ", ".join(str(i) for i in r.current_run_ids) or "-")
    _console().print(table)


@app.command("start")
def start(
    name: Annotated[str | None, typer.Option(help="Robot name (default: the host name).")]
    = None,
    slots: Annotated[int, typer.Option(min=1, help="Jobs run at the same time.")] = 1,
    poll: Annotated[float, typer.Option(help="Seconds between looks for new jobs.")] = 1.0,
    heartbeat: Annotated[float, typer.Option(help="Seconds between heartbeats.")] = 5.0,
    unresponsive_after: Annotated[float, typer.Option(
        help="A robot silent this long is unresponsive; its jobs are abandoned.")] = 30.0,
    kill_grace: Annotated[float, typer.Option(help="SIGTERM to SIGKILL, seconds.")] = 10.0,
    stop_grace: Annotated[float, typer.Option(
        help="On shutdown: seconds jobs get to stop before they are killed.")] = 60.0,
    wakeups: Annotated[bool, typer.Option(
        help="Be woken the moment a job waits (PostgreSQL LISTEN, SQLite's wake-up file); "
             "--no-wakeups polls only (a pooler that does not pass LISTEN on).")] = True,
    parent: Annotated[int | None, typer.Option(
        "--exit-with-parent", hidden=True, help="Shut down when this process ends.")] = None,
) -> None:
    """Run a robot: register, heartbeat, claim jobs, run each in a child process."""
    from orchestrator.robots.procs import exit_with_parent
    from orchestrator.robots.worker import Robot, RobotConfig

    logger.remove()
    logger.add(sys.stderr, format="{time:YYYY-MM-DD HH:mm:ss} {level} {message}", level="INFO")
    if parent is not None:
        exit_with_parent(signal.SIGTERM, parent)
    config = RobotConfig(
        name=name or socket.gethostname(), slots=slots, poll_seconds=poll,
        heartbeat_seconds=heartbeat, unresponsive_after=unresponsive_after,
        kill_grace=kill_grace, stop_grace=stop_grace, wakeups=wakeups)
    try:
        Robot(Store.from_settings(), config).run()
    except ConfigError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc

"""``finbots serve``: the whole orchestrator in one command (web app, scheduler, robots)."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    robots: Annotated[int, typer.Option(min=0, help="Robot processes to run.")] = 1,
    host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler",
                            help="Do not fire schedules (another process does).")] = False,
    slots: Annotated[int, typer.Option(min=1, help="Jobs each robot runs at once.")] = 1,
    poll: Annotated[float, typer.Option(help="Seconds between a robot's looks for jobs.")]
    = 1.0,
    stop_grace: Annotated[float, typer.Option(
        help="On shutdown: seconds jobs get to stop before they are killed.")] = 60.0,
    node: Annotated[str | None, typer.Option(
        help="This node's name (default: FINBOTS_NODE or the host name); of several nodes "
             "on one store, one leads and fires the schedules.")] = None,
) -> None:
    """Run the orchestrator: web UI and API, scheduler and robots in one process tree.

    The store is ``FINBOTS_DB_URL`` (default: SQLite under runs/). Ctrl-C or SIGTERM shuts
    everything down: running jobs are asked to stop, then killed after --stop-grace.
    """
    from orchestrator.cli.db import require_current_schema
    from orchestrator.robots import serve as run_serve

    require_current_schema()  # before any process starts: an old schema is refused, with the fix
    run_serve(robots, host, port, scheduler=not no_scheduler, slots=slots,
              poll_seconds=poll, stop_grace=stop_grace, node=node)

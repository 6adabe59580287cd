"""``finbots run BOT``: execute a bot once and record the run."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bots.runtime.errors import ConfigError
from orchestrator.runner import RunOutcome, run_bot


def parse_args(pairs: list[str]) -> dict[str, str]:
    args = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected key=value, got {pair!r}", param_hint="--arg")
        args[key.strip().replace("-", "_")] = value
    return args


def print_outcome(outcome: RunOutcome) -> None:
    colour = "green" if outcome.status == "successful" else "red"
    typer.secho(f"run {outcome.run_id}: {outcome.status}", fg=colour, bold=True)
    for key, value in outcome.summary.items():
        typer.echo(f"  {key}: {json.dumps(value) if isinstance(value, dict) else value}")
    if outcome.error:
        typer.secho(f"  error: {outcome.error}", fg="red")
    typer.echo(f"  artifacts: {outcome.run_dir}  (finbots runs show {outcome.run_id})")


def run(
    bot: Annotated[str, typer.Argument(help="Bot name, e.g. payment-posting.")],
    arg: Annotated[list[str] | None, typer.Option("--arg", "-a",
                   help="Bot argument key=value (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
) -> None:
    """Run a bot once and record the run, its steps, work items and exception cases."""
    try:
        outcome = run_bot(bot, parse_args(arg or []), headless=not headed)
    except ConfigError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"run_id": outcome.run_id, "status": outcome.status,
                               "summary": outcome.summary, "error": outcome.error,
                               "run_dir": str(outcome.run_dir)}, indent=2, default=str))
    else:
        print_outcome(outcome)
    if outcome.status != "successful":
        raise typer.Exit(1)

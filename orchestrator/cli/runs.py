"""finbots runs / exceptions."""

import typer

app = typer.Typer(no_args_is_help=True)


def exceptions() -> None:
    """List exception cases."""

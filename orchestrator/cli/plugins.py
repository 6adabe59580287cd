"""CLI plugins: commands that installed packages add to ``finbots``.

A package adds commands through the ``finbots.cli`` entry-point group. The rule: the entry
point's name is the command's name, and the object it names is either

- a ``typer.Typer`` app, mounted as the sub-command group ``finbots NAME ...``, or
- a function, mounted as the single command ``finbots NAME`` (its docstring is the help).

For example, in the package's ``pyproject.toml``::

    [project.entry-points."finbots.cli"]
    ledger = "ledger_bot.cli:app"        # finbots ledger ...
    reconcile = "ledger_bot.cli:reconcile"  # finbots reconcile

A plugin that cannot be loaded (import error, wrong kind of object, a name taken by a
built-in command) is skipped with a one-line warning on stderr; the rest of the CLI works.
The ``finbots`` command itself loads each plugin only when its command runs or ``--help``
lists them (:mod:`orchestrator.cli.lazy`); :func:`load_plugins` mounts them all at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points

import typer

GROUP = "finbots.cli"


class PluginError(Exception):
    """A ``finbots.cli`` entry point that cannot become a command."""


def command_names(app: typer.Typer) -> set[str]:
    """The names already taken on ``app``: its commands and sub-command groups."""
    names = {info.name for info in app.registered_groups if info.name}
    for info in app.registered_commands:
        if info.name:
            names.add(info.name)
        elif info.callback is not None:
            names.add(info.callback.__name__.replace("_", "-"))
    return names


def mount(app: typer.Typer, name: str, target: object) -> None:
    """Add ``target`` (a Typer app or a function) to ``app`` as the command ``name``."""
    if name in command_names(app):
        raise PluginError(f"the command name {name!r} is taken")
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    elif callable(target):
        command: Callable[..., object] = target
        app.command(name)(command)
    else:
        raise PluginError(f"{type(target).__name__} is neither a Typer app nor a function")


def warn_not_loaded(point: EntryPoint, exc: Exception) -> None:
    """The one-line warning for a plugin that cannot become a command."""
    reason = (str(exc).strip().splitlines() or [""])[0]
    print(f"finbots: warning: CLI plugin {point.name!r} ({point.value}) not loaded: "
          f"{type(exc).__name__}: {reason}", file=sys.stderr)


def load_plugins(app: typer.Typer, found: Iterable[EntryPoint] | None = None) -> list[str]:
    """Mount every ``finbots.cli`` entry point on ``app``; return the names mounted.

    ``found`` defaults to the installed entry points of the group (tests pass their own).
    """
    mounted: list[str] = []
    for point in entry_points(group=GROUP) if found is None else found:
        try:
            mount(app, point.name, point.load())
        except Exception as exc:  # a broken plugin must not take the CLI down
            warn_not_loaded(point, exc)
            continue
        mounted.append(point.name)
    return mounted

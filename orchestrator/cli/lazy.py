"""Commands imported when they are asked for, not when ``finbots`` starts.

Each area of the command line pulls in its own libraries (the store's models, the web
framework, the sandbox's servers): importing all of them took over a second before any
command ran, ``finbots match`` on a small statement included. The root group lists every
command by name and imports one only when it runs it, or when ``--help`` lists them all.
Plugins (:mod:`orchestrator.cli.plugins`) join the same way: an entry point is loaded
when its command is asked for, so a broken plugin warns then and never stops another
command.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup

from orchestrator.cli.plugins import PluginError, mount, warn_not_loaded


@dataclass
class LazyCommand:
    """A command known by where it lives (``module:attribute``, or an entry point): a
    Typer app becomes a sub-command group, a function a command, as when mounted."""

    target: str | EntryPoint
    help: str | None = None
    _command: Any = field(default=None, init=False, repr=False)
    _failed: bool = field(default=False, init=False, repr=False)

    def command(self, name: str) -> Any:
        """The click command, imported the first time; None (with one warning on stderr)
        for a plugin that cannot be loaded."""
        if self._command is None and not self._failed:
            try:
                self._command = _build(name, self._load(), self.help)
            except Exception as exc:
                if isinstance(self.target, str):
                    raise  # a built-in command that does not load is a bug: show it
                self._failed = True
                warn_not_loaded(self.target, exc)
        return self._command

    def _load(self) -> object:
        if isinstance(self.target, EntryPoint):
            return self.target.load()
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


def _build(name: str, target: object, help_text: str | None) -> Any:
    """``target`` mounted as ``name`` on a group of its own, taken out again: the command
    is what mounting it on the root would have made."""
    holder = typer.Typer()
    holder.callback()(_nothing)  # a group even with a single command
    if help_text is not None and isinstance(target, typer.Typer):
        holder.add_typer(target, name=name, help=help_text)
    else:
        mount(holder, name, target)
    group = typer.main.get_command(holder)
    assert isinstance(group, TyperGroup)
    return group.commands[name]


def _nothing() -> None:
    """(the holder's callback: never runs as a command of its own)"""


class LazyGroup(TyperGroup):
    """The root group: its own commands first, then those of :attr:`lazy` by name."""

    lazy: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return names + [n for n in self.lazy if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in self.lazy:
            found = self.lazy[cmd_name].command(cmd_name)
        return found

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """As the group resolves it; a mistyped name is told the names it is close to,
        the lazy ones included (the group itself only knows those already loaded)."""
        try:
            return super().resolve_command(ctx, args)
        except Exception as exc:  # the usage error of an unknown command
            message = getattr(exc, "message", None)
            if args and isinstance(message, str) and "Did you mean" not in message:
                close = get_close_matches(args[0], self.list_commands(ctx))
                if close:
                    exc.message = (f"{message.rstrip('.')}. Did you mean "  # type: ignore[attr-defined]
                                   f"{', '.join(repr(m) for m in close)}?")
            raise


def lazy_group(commands: dict[str, LazyCommand]) -> type[LazyGroup]:
    """A root group class whose lazy commands are ``commands`` (kept, not copied: names
    added later, such as plugins, join it)."""
    return type("FinbotsGroup", (LazyGroup,), {"lazy": commands})


def add_plugins(commands: dict[str, LazyCommand], found: list[EntryPoint],
                taken: Callable[[], set[str]]) -> list[str]:
    """Each entry point of ``found`` joins ``commands`` under its name, not loaded; a name
    taken by a built-in command is skipped with a warning. Returns the names added."""
    added = []
    for point in found:
        if point.name in taken() or point.name in commands:
            warn_not_loaded(point, PluginError(f"the command name {point.name!r} is taken"))
            continue
        commands[point.name] = LazyCommand(point)
        added.append(point.name)
    return added


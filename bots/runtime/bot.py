"""A bot's definition: who it is and everything the orchestrator needs to know about it.

``Bot.name`` is the bot's one identity (CLI, jobs, schedules, limits, web UI, dashboard).
A bot declares:

- ``apps``: the target applications it drives (selector file names);
- ``credentials``: argument name -> default vault entry (an argument overrides it);
- ``queues``: the work queues it fills and drains (:class:`QueueSpec`);
- ``selectors``: the folder of its selector files, shipped inside the bot package;
- ``case_types``: for each business reason, the evidence and the resolutions
  (:class:`~bots.runtime.cases.CaseType`);
- its arguments: the typed parameters of the ``@bot.task`` function after the context,
  validated before a job is queued (:meth:`Bot.validate_args`);
- ``stop_after_failures``: its work queues' loops stop the run after that many application
  failures in a row (default 5, 0 never; :mod:`bots.runtime.failure_limit`). Every bot's
  run also accepts the argument ``stop_after_failures``, which overrides it for that run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.runtime.bot_config import ConfigSpec
from bots.runtime.bot_config import specs as config_specs
from bots.runtime.cases import CaseType, generic_case_type
from bots.runtime.errors import ConfigError
from bots.runtime.failure_limit import STOP_AFTER_FAILURES, failure_limit

if TYPE_CHECKING:
    from bots.runtime.context import RunContext

__all__ = ["STOP_ARGUMENT", "ArgumentSpec", "Bot", "BotTask", "QueueSpec"]

BotTask = Callable[..., Any]

#: the argument every bot's run accepts: application failures in a row that stop it
STOP_ARGUMENT = "stop_after_failures"


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A work queue a bot uses: ``fills`` (adds items), ``drains`` (works them), or both."""

    name: str
    fills: bool = True
    drains: bool = True
    max_retries: int = 3
    description: str = ""


@dataclass(frozen=True, slots=True)
class ArgumentSpec:
    """One argument of a bot, read from its task's signature."""

    name: str
    type: str  # str | int | float | bool | decimal | date | path | choice
    required: bool
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def as_json(self) -> dict[str, Any]:
        default = self.default if self.default is None or isinstance(
            self.default, bool | int | float | str) else str(self.default)
        return {"name": self.name, "type": self.type, "required": self.required,
                "default": default, "choices": list(self.choices), "help": self.help}


@dataclass
class Bot:
    """``bot = Bot(name=..., version=..., apps=(...))``; ``@bot.task`` marks its entry."""

    name: str
    version: str
    description: str = ""
    apps: tuple[str, ...] = ()
    credentials: Mapping[str, str] = field(default_factory=dict)
    queues: tuple[QueueSpec, ...] = ()
    selectors: Path | None = None
    case_types: tuple[CaseType, ...] = ()
    argument_help: Mapping[str, str] = field(default_factory=dict)
    #: configuration documents (policies, templates): name -> ConfigSpec or default YAML path
    config: Mapping[str, ConfigSpec | Path | str] = field(default_factory=dict)
    #: application failures in a row after which its queues' loops stop the run (0: never)
    stop_after_failures: int = STOP_AFTER_FAILURES
    entry: BotTask | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name or not self.version:
            raise ConfigError("a bot needs a name and a version")
        if not all(c.isalnum() or c in "-_." for c in self.name):
            raise ConfigError(f"bot name {self.name!r}: letters, digits, '-', '_' and '.' only")
        self.apps = tuple(self.apps)
        self.queues = tuple(self.queues)
        self.case_types = tuple(self.case_types)
        self.credentials = dict(self.credentials)
        if self.selectors is not None:
            self.selectors = Path(self.selectors)
        self.config = config_specs(self.config)
        self.stop_after_failures = failure_limit(
            self.stop_after_failures, f"bot {self.name!r}: stop_after_failures")
        reasons = [c.reason for c in self.case_types]
        if len(set(reasons)) != len(reasons):
            raise ConfigError(f"bot {self.name!r} declares a case type twice")

    def task(self, fn: BotTask) -> BotTask:
        """Decorator: the function the runner calls with the RunContext (and the arguments)."""
        self.entry = fn
        return fn

    # -- declarations the orchestrator reads ---------------------------------------------
    def case_type(self, reason: str) -> CaseType:
        """The declared case type of ``reason`` (a generic one when not declared)."""
        return next((c for c in self.case_types if c.reason == reason), None) \
            or generic_case_type(reason)

    def queue(self, name: str) -> QueueSpec | None:
        return next((q for q in self.queues if q.name == name), None)

    def credential_names(self, args: Mapping[str, Any] | None = None) -> list[str]:
        """The vault entries a job with ``args`` uses (sorted, no repeats)."""
        args = args or {}
        return sorted({str(args.get(key) or default) for key, default in
                       self.credentials.items()})

    def arguments(self) -> list[ArgumentSpec]:
        """The task's parameters after the context, as typed argument specs."""
        if self.entry is None:
            return []
        params = list(inspect.signature(self.entry, eval_str=True).parameters.values())[1:]
        return [_spec(p, self.argument_help.get(p.name, "")) for p in params
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def validate_args(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """``raw`` (text from a form or the CLI) checked against the arguments.

        Returns the arguments as typed values; raises :class:`ConfigError` naming the
        argument that is unknown, missing or of the wrong type.
        """
        from bots.runtime.arguments import convert

        specs = {s.name: s for s in self.arguments()}
        accepts_more = self.entry is not None and any(
            p.kind == p.VAR_KEYWORD
            for p in inspect.signature(self.entry).parameters.values())
        out: dict[str, Any] = {}
        for key, value in raw.items():
            spec = specs.get(key)
            if spec is None and key == STOP_ARGUMENT:  # every bot's; read by the SDK
                out[key] = failure_limit(value, f"argument {key!r}")
                continue
            if spec is None:
                if accepts_more or key in self.credentials:
                    out[key] = value
                    continue
                known = ", ".join(sorted(specs)) or "none"
                raise ConfigError(f"bot {self.name!r} has no argument {key!r} "
                                  f"(its arguments: {known})")
            out[key] = convert(spec, value)
        missing = [s.name for s in specs.values() if s.required and s.name not in out]
        if missing:
            raise ConfigError(f"bot {self.name!r} needs the argument(s) {', '.join(missing)}")
        return out

    def run(self, ctx: RunContext) -> Any:
        if self.entry is None:
            raise ConfigError(f"bot {self.name!r} has no @task entry point")
        params = list(inspect.signature(self.entry).parameters.values())[1:]
        if not params:
            return self.entry(ctx)
        typed = self.validate_args(ctx.args)
        names = {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if any(p.kind == p.VAR_KEYWORD for p in params):
            return self.entry(ctx, **{k: v for k, v in typed.items()
                                      if k != STOP_ARGUMENT or k in names})
        return self.entry(ctx, **{k: v for k, v in typed.items() if k in names})

    def describe(self) -> dict[str, Any]:
        """Everything declared, as JSON (``finbots bots list --json``, the Bots page)."""
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "apps": list(self.apps), "credentials": dict(self.credentials),
            "queues": [{"name": q.name, "fills": q.fills, "drains": q.drains,
                        "max_retries": q.max_retries, "description": q.description}
                       for q in self.queues],
            "arguments": [a.as_json() for a in self.arguments()],
            "case_types": [{"reason": c.reason, "title": c.title,
                            "resolutions": [r.name for r in c.resolutions]}
                           for c in self.case_types],
            "selectors": str(self.selectors) if self.selectors else None,
            "config": {name: spec.description for name, spec in self.config_specs().items()},
            "stop_after_failures": self.stop_after_failures,
        }

    def config_specs(self) -> dict[str, ConfigSpec]:
        """The configuration documents this bot declares (``ctx.config(name)``)."""
        return config_specs(self.config)


def _spec(p: inspect.Parameter, help_text: str) -> ArgumentSpec:
    from bots.runtime.arguments import type_name

    kind, choices = type_name(p.annotation)
    required = p.default is inspect.Parameter.empty
    return ArgumentSpec(p.name, kind, required, None if required else p.default,
                        choices, help_text)


"""What the Bots page, ``/api/v1/bots`` and ``finbots bots --json`` show of a bot."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from bots.runtime import Bot
from orchestrator.services.bots import BotEntry
from orchestrator.services.run_models import RunOut, run_out

__all__ = ["ArgumentOut", "BotOut", "CaseTypeOut", "QueueSpecOut", "ResolutionOut", "bot_out"]


class ArgumentOut(BaseModel):
    name: str
    type: str = Field(description="str | int | float | bool | decimal | date | path | choice")
    required: bool
    default: Any = None
    choices: list[str] = Field(default_factory=list)
    help: str = ""


class QueueSpecOut(BaseModel):
    name: str
    fills: bool
    drains: bool
    max_retries: int
    description: str = ""


class ResolutionOut(BaseModel):
    name: str
    label: str
    approval: str | None = Field(default=None,
                                 description="approval kind needed above the threshold")
    carried_out: bool = Field(description="True: the bot carries it out; False: recorded")


class CaseTypeOut(BaseModel):
    reason: str
    title: str
    description: str = ""
    evidence: list[str] = Field(default_factory=list, description="the evidence labels")
    resolutions: list[ResolutionOut] = Field(default_factory=list)


class BotOut(BaseModel):
    """A bot and what it declares; ``error`` (and nothing declared) when it cannot load."""

    name: str
    origin: str = Field(description="where the bot was found: an entry point or a folder")
    error: str | None = None
    version: str | None = None
    description: str = ""
    apps: list[str] = Field(default_factory=list)
    credentials: dict[str, str] = Field(default_factory=dict,
                                        description="argument -> default vault entry")
    queues: list[QueueSpecOut] = Field(default_factory=list)
    arguments: list[ArgumentOut] = Field(default_factory=list)
    case_types: list[CaseTypeOut] = Field(default_factory=list)
    selectors: str | None = None
    config: dict[str, str] = Field(default_factory=dict,
                                   description="configuration document -> what it holds")
    stop_after_failures: int | None = Field(
        None, description="application failures in a row after which a run's queue loop "
        "stops (0: never); a run's argument stop_after_failures overrides it")
    last_runs: list[RunOut] = Field(default_factory=list)


def bot_out(entry: BotEntry) -> BotOut:
    out = BotOut(name=entry.name, origin=entry.origin, error=entry.error,
                 last_runs=[run_out(r) for r in entry.runs])
    if entry.bot is None:
        return out
    return out.model_copy(update=_declared(entry.bot))


def _declared(bot: Bot) -> dict[str, Any]:
    described = bot.describe()
    return {
        "version": bot.version, "description": bot.description, "apps": list(bot.apps),
        "credentials": dict(bot.credentials),
        "queues": [QueueSpecOut(**q) for q in described["queues"]],
        "arguments": [ArgumentOut(**a) for a in described["arguments"]],
        "case_types": [CaseTypeOut(
            reason=c.reason, title=c.title, description=c.description,
            evidence=[e.label for e in c.evidence],
            resolutions=[ResolutionOut(name=r.name, label=r.label, approval=r.approval,
                                       carried_out=r.carried_out) for r in c.resolutions],
        ) for c in bot.case_types],
        "selectors": described["selectors"],
        "config": dict(described["config"]),
        "stop_after_failures": bot.stop_after_failures,
    }

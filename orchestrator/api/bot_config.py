"""``/api/v1/bots/{bot}/config``: a bot's configuration documents, their versions, and a
change (checked as the bot reads it, saved as the next version, audited)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from bots.runtime.bot_config import MAX_CONFIG_BYTES
from bots.runtime.errors import (
    ConfigError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    SelfApprovalError,
)
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services.bot_config import (
    ConfigView,
    config_history,
    config_view,
    config_views,
    decide_config,
    save_config,
)
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(P.JOBS_READ))]
Editor = Annotated[Principal, Depends(require(P.BOTS_CONFIGURE))]
Approver = Annotated[Principal, Depends(require(P.APPROVALS_DECIDE))]
BotName = Annotated[str, Path(min_length=1, max_length=100)]
DocName = Annotated[str, Path(min_length=1, max_length=100)]


class ConfigOut(BaseModel):
    bot: str
    name: str
    description: str
    version: int = Field(description="0: the packaged default")
    sha256: str
    changed_by: str
    changed_at: dt.datetime | None
    note: str
    status: str = Field(default="current", description="current (runs use the newest), "
                        "pending (it changes a control setting: a second person approves it "
                        "first) or rejected")
    decided_by: str = ""
    controls: list[str] = Field(default_factory=list,
                                description="the document's control settings")
    content: str | None = Field(default=None, description="the YAML text (one document only)")


class ConfigChange(BaseModel):
    content: str = Field(max_length=MAX_CONFIG_BYTES)
    note: str = Field(min_length=1, max_length=500, description="why it changes")
    previous_sha256: str | None = Field(
        default=None, max_length=64, description="the version edited: refused if another "
        "was saved meanwhile")


def _out(view: ConfigView, with_content: bool) -> ConfigOut:
    return ConfigOut(bot=view.bot, name=view.name, description=view.description,
                     version=view.version, sha256=view.sha256, changed_by=view.changed_by,
                     changed_at=view.changed_at, note=view.note, status=view.status,
                     decided_by=view.decided_by, controls=list(view.controls),
                     content=view.content if with_content else None)


@router.get("/bots/{bot}/config", response_model=list[ConfigOut], tags=["bots"],
            summary="A bot's configuration documents at the version runs use now")
def list_config(bot: BotName, principal: Reader, store: StoreDep) -> list[ConfigOut]:
    try:
        return [_out(v, False) for v in config_views(store, bot)]
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/bots/{bot}/config/{name}", response_model=ConfigOut, tags=["bots"],
            summary="One document with its text (the current version unless ?version=)")
def show_config(bot: BotName, name: DocName, principal: Reader, store: StoreDep,
                version: Annotated[int | None, Query(ge=0, le=2**31)] = None) -> ConfigOut:
    try:
        return _out(config_view(store, bot, name, version), True)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/bots/{bot}/config/{name}/history", response_model=list[ConfigOut],
            tags=["bots"], summary="Every version, newest first, then the packaged default")
def config_versions(bot: BotName, name: DocName, principal: Reader,
                    store: StoreDep) -> list[ConfigOut]:
    try:
        return [_out(v, False) for v in config_history(store, bot, name)]
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.put("/bots/{bot}/config/{name}", response_model=ConfigOut, tags=["bots"],
            summary="Save a new version (checked as the bot reads it; audited)")
def change_config(bot: BotName, name: DocName, change: ConfigChange, principal: Editor,
                  store: StoreDep) -> ConfigOut:
    try:
        view = save_config(store, principal.name, bot, name, change.content,
                           note=change.note, previous_sha256=change.previous_sha256)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from None
    return _out(view, True)


class ConfigDecision(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=500)


@router.post("/bots/{bot}/config/{name}/versions/{version}/decide", response_model=ConfigOut,
             tags=["bots"], summary="Approve or reject a version that changes a control "
             "setting (a second person: never the one who saved it)")
def decide_version(bot: BotName, name: DocName,
                   version: Annotated[int, Path(ge=1, le=2**31)], decision: ConfigDecision,
                   principal: Approver, store: StoreDep) -> ConfigOut:
    try:
        view = decide_config(store, principal.name, bot, name, version,
                             approve=decision.approve, note=decision.note)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except SelfApprovalError as exc:
        raise HTTPException(403, str(exc)) from None
    except IllegalTransitionError as exc:
        raise HTTPException(409, f"not pending: {exc}") from None
    return _out(view, True)

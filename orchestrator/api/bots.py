"""``/api/v1/bots``: the bots the orchestrator finds, what each declares, its last runs.

A job of a bot starts with ``POST /api/v1/jobs`` (its arguments are checked against the
bot's before the job is queued).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services.bot_models import BotOut, bot_out
from orchestrator.services.bots import bot_entries, bot_entry
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(P.JOBS_READ))]


@router.get("/bots", response_model=list[BotOut], tags=["bots"],
            summary="Every bot found (a bot that cannot load: with its error)")
def list_bots(principal: Reader, store: StoreDep,
              runs: Annotated[int, Query(ge=0, le=50)] = 5) -> list[BotOut]:
    return [bot_out(e) for e in bot_entries(store, runs=runs)]


@router.get("/bots/{name}", response_model=BotOut, tags=["bots"],
            summary="One bot: its declaration and its last runs")
def show_bot(name: Annotated[str, Path(min_length=1, max_length=100)], principal: Reader,
             store: StoreDep, runs: Annotated[int, Query(ge=0, le=100)] = 10) -> BotOut:
    try:
        return bot_out(bot_entry(name, store, runs=runs))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None

"""``/api/v1/learned``: what bots learned from people's decisions, and withdrawing a rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.case_views import store_errors
from orchestrator.services.deps import get_store, require
from orchestrator.services.learned import LearnedOut, learned_out, list_learned, withdraw
from orchestrator.store import Store

__all__ = ["router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
Reader = Annotated[Principal, Depends(require(Permission.LEARNED_READ))]
Withdrawer = Annotated[Principal, Depends(require(Permission.LEARNED_WITHDRAW))]
RuleId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/learned", response_model=list[LearnedOut], tags=["learned"],
            summary="Rules bots learned from people's decisions, newest first")
def learned_rules(principal: Reader, store: StoreDep,
                  bot: Annotated[str | None, Query(max_length=100)] = None,
                  include_withdrawn: bool = True) -> list[LearnedOut]:
    return list_learned(store, bot, include_withdrawn=include_withdrawn)


@router.get("/learned/{rule_id}", response_model=LearnedOut, tags=["learned"],
            summary="One learned rule: what it says, the case it came from, its state")
def learned_rule(rule_id: RuleId, principal: Reader, store: StoreDep) -> LearnedOut:
    row = store.get_learned(rule_id)
    if row is None:
        raise HTTPException(404, f"no learned rule {rule_id}")
    return learned_out(row)


@router.post("/learned/{rule_id}/withdraw", response_model=LearnedOut, tags=["learned"],
             summary="Withdraw a learned rule: the bot stops using it at once (audited)")
def withdraw_rule(rule_id: RuleId, principal: Withdrawer, store: StoreDep) -> LearnedOut:
    with store_errors():
        return withdraw(store, rule_id, principal.name)

"""The state machines: legal transitions pass, every other one is refused."""

from __future__ import annotations

import pytest

from bots.runtime.errors import IllegalTransitionError
from orchestrator.store.states import (
    ITEM_TRANSITIONS,
    LIVE_ITEM_STATES,
    CaseStatus,
    ItemState,
    RunStatus,
    guard,
)

LEGAL_ITEM = {
    ("new", "in_progress"), ("new", "deleted"),
    ("in_progress", "successful"), ("in_progress", "failed"), ("in_progress", "abandoned"),
    ("failed", "retried"), ("abandoned", "retried"),
}


@pytest.mark.parametrize("current", list(ItemState))
@pytest.mark.parametrize("target", list(ItemState))
def test_item_transitions_are_exactly_the_documented_ones(current: str, target: str) -> None:
    if (current, target) in LEGAL_ITEM:
        assert guard(ItemState, current, target) is ItemState(target)
    else:
        with pytest.raises(IllegalTransitionError) as err:
            guard(ItemState, current, target)
        assert f"{current} -> {target}" in str(err.value)


def test_table_covers_every_state() -> None:
    assert set(ITEM_TRANSITIONS) == set(ItemState)
    assert set(ItemState) - {ItemState.RETRIED, ItemState.DELETED} == LIVE_ITEM_STATES


def test_unknown_state_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        guard(ItemState, "new", "done")


def test_run_statuses() -> None:
    assert [s.value for s in RunStatus] == [
        "pending", "running", "successful", "failed", "stopping", "stopped", "killed",
        "abandoned",
    ]
    assert guard(RunStatus, "running", "stopping") is RunStatus.STOPPING
    assert guard(RunStatus, "stopping", "stopped") is RunStatus.STOPPED
    for final in ("successful", "failed", "stopped", "killed", "abandoned"):
        with pytest.raises(IllegalTransitionError):
            guard(RunStatus, final, "running")


def test_case_statuses() -> None:
    assert guard(CaseStatus, "open", "in_progress") is CaseStatus.IN_PROGRESS
    with pytest.raises(IllegalTransitionError):
        guard(CaseStatus, "closed", "open")

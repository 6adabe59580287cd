"""Many cases at once (claim, release, retry, assign): the inbox page and ``/api/v1/cases/bulk``.

Each case succeeds or fails on its own; the result lists both.
"""

from __future__ import annotations

from fastapi import HTTPException

from orchestrator.auth.principal import Principal
from orchestrator.services.case_models import BulkIn, BulkOut
from orchestrator.store import Store

__all__ = ["run_bulk"]


def run_bulk(store: Store, principal: Principal, body: BulkIn) -> BulkOut:
    actions = {
        "claim": lambda i: store.claim_case(i, principal.name),
        "release": lambda i: store.release_case(i, principal.name),
        "retry": lambda i: store.retry_case(i, principal.name),
        "assign": lambda i: store.assign_case(i, principal.name, body.assignee or ""),
    }
    if body.action == "assign" and not body.assignee:
        raise HTTPException(422, "assignee: say who gets the cases")
    results = store.bulk_cases(body.case_ids, actions[body.action])
    return BulkOut(done=[i for i, err in results.items() if err is None],
                   failed={i: err for i, err in results.items() if err is not None})

"""A person's action from a page: do it, then redirect back saying so, or show the refusal.

Buttons are plain forms (they work without script, by keyboard): a POST, then a redirect
back with ``?done=<what>&id=<n>`` so a reload does not repeat it. The confirmation text
comes from a fixed list, so nothing from the address is echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from orchestrator.web.templating import render

__all__ = ["act", "done_message"]

DONE = {
    "job.start": "Job {id} queued; a robot will take it.",
    "job.stop": "Job {id}: stop requested.", "job.kill": "Job {id}: kill requested.",
    "schedule.pause": "Schedule paused.", "schedule.resume": "Schedule resumed.",
    "item.add": "Item {id} added.", "item.retry": "Item retried as item {id}.",
    "item.delete": "Item {id} deleted.",
}


def done_message(request: Request) -> str | None:
    """The confirmation of the action just done (from a fixed list: nothing is echoed)."""
    template = DONE.get(request.query_params.get("done", ""))
    raw_id = request.query_params.get("id", "")
    return template.format(id=raw_id if raw_id.isdigit() else "") if template else None


def act(request: Request, back: str, what: str, action: Callable[[], Any]) -> Response:
    """Run ``action``; redirect to ``back`` saying it was done, or show why it was refused."""
    try:
        result = action()
    except HTTPException as exc:
        return render(request, "fleet_refused.html", status_code=exc.status_code,
                      detail=exc.detail, back=back)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done={what}&id={getattr(result, 'id', '') or ''}",
                            status_code=303)

"""The Bots pages: every bot found and what it declares, and a job started from a form
generated from the bot's arguments (checked by the same service as the CLI and the API).

An argument's type picks its input: ``date`` a date field, ``int``/``float``/``decimal`` a
number field, ``bool`` a checkbox, ``choice`` a select, anything else a text field. A
refused argument shows the form again with the reason and what the person entered. Every
bot's form also takes a time limit and the number of application failures in a row after
which the run stops (``stop_after_failures``, blank for the bot's own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bots.runtime.bot import STOP_ARGUMENT
from bots.runtime.errors import NotFoundError
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission as P
from orchestrator.services.bot_models import ArgumentOut, BotOut, bot_out
from orchestrator.services.bots import bot_entries, bot_entry
from orchestrator.services.deps import get_store, require
from orchestrator.services.fleet_actions import start_job
from orchestrator.store import Store
from orchestrator.web.templating import render

__all__ = ["ARG_PREFIX", "form_args", "router"]

router = APIRouter()
StoreDep = Annotated[Store, Depends(get_store)]
BotName = Annotated[str, Path(min_length=1, max_length=100)]
ARG_PREFIX = "arg."  # form field of argument ``x``: ``arg.x`` (never clashes with csrf_token)
MAX_STOP_DIGITS = 6  # "stop after failures in a row" up to 999,999 from the form


def form_args(arguments: Sequence[ArgumentOut],
              values: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The arguments a person filled in, as text for the service to check and type.

    A blank field is left out (the bot's default applies, a required one is reported
    missing); a checkbox is ``true`` when ticked and ``false`` when not.
    """
    raw: dict[str, str] = {}
    for a in arguments:
        given = list(values.get(ARG_PREFIX + a.name, ()))
        if a.type == "bool":
            raw[a.name] = "true" if "true" in given else "false"
        elif given and given[-1].strip():
            raw[a.name] = given[-1].strip()
    return raw


def _bot(name: str, store: Store) -> BotOut:
    try:
        return bot_out(bot_entry(name, store, runs=10))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/bots", response_class=HTMLResponse)
def bots_page(request: Request, store: StoreDep,
              principal: Annotated[Principal, Depends(require(P.JOBS_READ))]) -> HTMLResponse:
    bots = [bot_out(e) for e in bot_entries(store, runs=1)]
    return render(request, "bots.html", bots=bots)


@router.get("/bots/{name}", response_class=HTMLResponse)
def bot_page(request: Request, name: BotName, store: StoreDep,
             principal: Annotated[Principal, Depends(require(P.JOBS_READ))]) -> HTMLResponse:
    return render(request, "bot.html", bot=_bot(name, store), values={}, error=None)


@router.post("/bots/{name}/jobs")
async def bot_start(request: Request, name: BotName, store: StoreDep,
                    principal: Annotated[Principal, Depends(require(P.JOBS_START))]
                    ) -> Response:
    bot = _bot(name, store)
    form = await request.form()
    values = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}
    limit_text = (values.get("time_limit") or [""])[-1].strip()
    stop_text = (values.get(STOP_ARGUMENT) or [""])[-1].strip()
    try:
        if bot.error is not None:
            raise HTTPException(409, f"bot {name!r} cannot load: {bot.error}")
        if limit_text and not (limit_text.isascii() and limit_text.isdigit()):
            raise HTTPException(422, "time limit: a whole number of seconds")
        if stop_text and not (stop_text.isascii() and stop_text.isdigit()
                              and len(stop_text) <= MAX_STOP_DIGITS):
            raise HTTPException(422, "stop after failures in a row: a whole number, 0 (never) "
                                f"up to {10 ** MAX_STOP_DIGITS - 1}")
        args = form_args(bot.arguments, values)
        if stop_text:
            args[STOP_ARGUMENT] = stop_text
        job = start_job(store, principal, name, args,
                        int(limit_text) if limit_text else None)
    except HTTPException as exc:
        shown = {k[len(ARG_PREFIX):]: v[-1] for k, v in values.items()
                 if k.startswith(ARG_PREFIX) and v}
        return render(request, "bot.html", status_code=exc.status_code, bot=bot,
                      values=shown, error=exc.detail, time_limit=limit_text,
                      stop_after_failures=stop_text)
    return RedirectResponse(f"/jobs?done=job.start&id={job.id}", status_code=303)

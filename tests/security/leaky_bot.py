"""A bot that does everything wrong with its password, for the secret scan.

Loaded by ``finbots run leaky_bot:BOT`` with this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from bots.runtime import Bot, BusinessFailure, RunContext

BOT = Bot(name="leaky", version="1")
QUEUE = "leaky"


def _login(password: str) -> None:
    raise ConnectionError(f"the target refused password {password!r}")


@BOT.task
def run(ctx: RunContext) -> dict[str, Any]:
    store: Any = ctx.store
    cred = ctx.credential("leaky/app")
    code = cred.totp()
    ctx.log.info("signing in as {} with {} and code {}", cred.username, cred.password, code)
    logger.warning("the process logger sees {}", cred.password)
    with ctx.recorder.step("login", app="target", data={"password": cred.password},
                           rule=f"use {cred.password}"):
        pass
    store.ensure_queue(QUEUE, max_retries=0)
    for ref in ("A", "B", "C"):
        store.add_item(QUEUE, ref, {"n": ref})

    def open_case(tx: Any) -> None:
        store.open_case(ctx.run_id, tx.item.id, tx.item.reference, tx.failure.code,
                        tx.failure.message, data={"why": tx.failure.message})

    while (item := store.claim_item(QUEUE, "leaky-owner", run_id=ctx.run_id)) is not None:
        with ctx.transaction(item, on_failure=open_case) as tx:
            if item.reference == "A":
                tx.output["note"] = f"done with {cred.password}"
            elif item.reference == "B":
                raise BusinessFailure("BAD_DATA", f"wrong password {cred.password}")
            else:
                _login(cred.password)
    try:
        _login(cred.password)
    except ConnectionError as exc:
        raise RuntimeError(f"giving up; seed {cred['totp_seed']}") from exc
    return {}

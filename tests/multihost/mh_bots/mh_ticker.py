"""A bot that only says it ran: the multi-host test's interval schedule fires it."""

from __future__ import annotations

from bots.runtime import Bot, RunContext

BOT = Bot(name="mh-ticker", version="1", description="Says it ran (multi-host test).")


@BOT.task
def tick(ctx: RunContext) -> dict[str, int | None]:
    ctx.log.info("tick")
    return {"run": ctx.run_id}

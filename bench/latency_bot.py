"""A bot that only notes when its first line ran (for ``bench_trigger_latency``)."""

from __future__ import annotations

import time

from bots.runtime import Bot, RunContext

BOT = Bot(name="latency-probe", version="1")


@BOT.task
def run(ctx: RunContext) -> dict[str, float]:
    return {"first_line_at": time.time()}

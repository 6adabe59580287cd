"""Tiny bots for the robot tests (``robot_testbots:NAME`` in a job's ``bot``).

The tests put this folder on ``PYTHONPATH`` so that robots' child processes import it too.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from bots.runtime import Bot, RunContext

QUICK = Bot(name="quick", version="1")
SLEEPER = Bot(name="sleeper", version="1")  # runs until asked to stop
STUBBORN = Bot(name="stubborn", version="1")  # never stops by itself
CRASHER = Bot(name="crasher", version="1")  # its process dies
DRAINER = Bot(name="drainer", version="1")  # processes a queue's items until it is empty


@QUICK.task
def quick(ctx: RunContext, name: str = "world") -> dict[str, Any]:
    ctx.log.info("quick bot ran")
    return {"hello": name, "pid": os.getpid()}


@SLEEPER.task
def sleeper(ctx: RunContext) -> dict[str, Any]:
    loops = 0
    while not ctx.stop_requested():
        loops += 1
        time.sleep(0.05)
    return {"loops": loops}


@STUBBORN.task
def stubborn(ctx: RunContext) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # only SIGKILL ends it
    while True:
        time.sleep(0.05)


@CRASHER.task
def crasher(ctx: RunContext) -> None:
    os._exit(int(ctx.args.get("code", 3)))


@DRAINER.task
def drainer(ctx: RunContext) -> dict[str, int]:
    """Claims items of ``args.queue`` and writes one line per item processed to ``args.out``.

    With ``args.gate`` (a folder) and ``args.together`` (a count), it first waits up to
    60 s until that many drainers have reached the gate, so they all drain at once."""
    store = ctx.store
    assert store is not None
    owner = f"run{ctx.run_id}"
    if ctx.args.get("gate"):
        gate = Path(ctx.args["gate"])
        gate.mkdir(exist_ok=True)
        (gate / owner).touch()
        deadline = time.monotonic() + 60
        while len(list(gate.iterdir())) < int(ctx.args["together"]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    done = 0
    with Path(ctx.args["out"]).open("a") as out:
        while (item := store.claim_item(ctx.args["queue"], owner, run_id=ctx.run_id)):
            out.write(f"{item.reference} {ctx.run_id}\n")
            out.flush()
            store.complete_item(item.id, {"run": ctx.run_id}, owner=owner)
            done += 1
    return {"done": done}

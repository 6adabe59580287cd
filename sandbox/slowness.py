"""Server time a sandbox page takes on purpose, read as ``LO-HI`` milliseconds from an
environment variable (``0`` turns it off), drawn per request from the app's seeded rng."""

from __future__ import annotations

import asyncio
import os
import random


def ms_range(env_var: str, default: str) -> tuple[int, int]:
    lo, _, hi = os.environ.get(env_var, default).partition("-")
    return int(lo or 0), int(hi or lo or 0)


async def pause(bounds: tuple[int, int], rng: random.Random) -> None:
    lo, hi = bounds
    if hi > 0:
        await asyncio.sleep(rng.uniform(lo, hi) / 1000)

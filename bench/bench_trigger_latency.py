"""Latency from a trigger firing (the job is created) to the bot's first line running.

A robot (``finbots robots start``) is woken the moment a job is created: PostgreSQL
``LISTEN``/``NOTIFY``, or SQLite's wake-up file; its spare child process, connected ahead,
takes the job. Side by side, in the same run: the same robot told not to listen
(``--no-wakeups``, polling every ``--poll`` seconds as robots did before), and what a robot
without a fork server would pay: a fresh ``python -m orchestrator.robots.child`` process per
job, started the instant the job is claimed (no polling delay at all). Each job of the probe
bot notes the wall-clock time of its first line (no browser is started). Jobs are spaced at
random so they do not fall into step with the polls.

Run: ``python -m bench.bench_trigger_latency [--jobs 40] [--poll 0.2]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_queue import pg_database, pg_reachable
from orchestrator.store import Store

REPO = Path(__file__).resolve().parents[1]
PROBE = "bench.latency_bot:BOT"


def _wait(store: Store, run_id: int, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while (job := store.get_run(run_id)).status in ("pending", "running", "stopping"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {run_id} did not end")
        time.sleep(0.02)
    if job.status != "successful":
        raise RuntimeError(f"job {run_id}: {job.status} {job.error}")
    return float(job.summary["first_line_at"])


def _series(n: int, one: Callable[[], float]) -> list[float]:
    out = []
    for _ in range(n):
        time.sleep(random.uniform(0.05, 0.35))
        out.append(one())
    return out


def with_robot(url: str, home: Path, jobs: int, poll: float, *, wakeups: bool) -> list[float]:
    env = {**os.environ, "FINBOTS_DB_URL": url, "FINBOTS_HOME": str(home)}
    store = Store(url)
    name = f"bench-{'woken' if wakeups else 'polling'}"
    robot = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "robots", "start", "--name", name,
         "--poll", str(poll), "--wakeups" if wakeups else "--no-wakeups"], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not [r for r in store.list_robots() if r.name == name and r.status != "stopped"]:
            time.sleep(0.05)  # it registers once its fork server is ready
        time.sleep(1.0)  # and its spare process has connected

        def one() -> float:
            fired = time.time()
            run_id = store.create_job(PROBE).id
            assert run_id is not None
            return _wait(store, run_id) - fired

        return _series(jobs, one)
    finally:
        robot.terminate()
        robot.wait(30)
        store.close()


def fresh_process(url: str, home: Path, jobs: int) -> list[float]:
    env = {**os.environ, "FINBOTS_DB_URL": url, "FINBOTS_HOME": str(home)}
    store = Store(url)

    def one() -> float:
        fired = time.time()
        run_id = store.create_job(PROBE).id
        store.claim_job("bench-fresh")
        subprocess.run([sys.executable, "-m", "orchestrator.robots.child", str(run_id)],
                       cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return _wait(store, run_id) - fired

    try:
        return _series(jobs, one)
    finally:
        store.close()


def _row(label: str, backend: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"| {label} | {backend} | {len(ms)} | {statistics.median(ms):,.0f} | {p95:,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--poll", type=float, default=0.2)
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        sqlite_url = f"sqlite:///{home / 'latency.db'}"
        rows.append(_row("robot woken by the wake-up file (poll 1 s)", "sqlite",
                         with_robot(sqlite_url, home, opts.jobs, 1.0, wakeups=True)))
        rows.append(_row(f"robot polling every {opts.poll:g} s (--no-wakeups)", "sqlite",
                         with_robot(sqlite_url, home, opts.jobs, opts.poll, wakeups=False)))
        rows.append(_row("fresh process per job, no poll", "sqlite",
                         fresh_process(sqlite_url, home, max(5, opts.jobs // 4))))
        if pg_reachable():
            with pg_database() as url:
                rows.append(_row("robot woken by LISTEN/NOTIFY (poll 1 s)", "postgresql",
                                 with_robot(url, home, opts.jobs, 1.0, wakeups=True)))
                rows.append(_row(f"robot polling every {opts.poll:g} s (--no-wakeups)",
                                 "postgresql",
                                 with_robot(url, home, opts.jobs, opts.poll, wakeups=False)))
    print(f"\nTrigger to the bot's first line (no browser start), ms ({os.cpu_count()} CPUs)\n")
    print("| how the job is run | store | jobs | median | p95 |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

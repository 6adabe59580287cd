"""Latency from a trigger firing (the job is created) to the bot's first line running.

A robot (``finbots robots start``) is woken the moment a job is created: PostgreSQL
``LISTEN``/``NOTIFY``, or SQLite's wake-up file (inotify); its spare child process, connected
and ready ahead, takes the job. Side by side, in the same run: the same robot told not to
listen (``--no-wakeups``, polling every ``--poll`` seconds as robots did before), what a
robot without a fork server would pay (a fresh ``python -m orchestrator.robots.child``
process per job, started the instant the job is claimed), and with ``--baseline DIR`` the
robot of another finbots checkout (e.g. ``git archive <commit> | tar -x -C DIR``), so that a
change is measured against what came before under the same machine load. Each job of the
probe bot notes the wall-clock time of its first line (no browser is started). Jobs are
spaced at random so they do not fall into step with the polls. The configurations take
turns, ``--rounds`` times, the order rotating; figures are over all jobs of all rounds, with
the median of each round beside them.

Run: ``python -m bench.bench_trigger_latency [--jobs 20] [--rounds 3] [--poll 0.2]
[--baseline DIR] [--fresh-jobs 3] [--store sqlite|postgresql]``
"""

from __future__ import annotations

import argparse
import contextlib
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


def with_robot(url: str, home: Path, jobs: int, poll: float, *, wakeups: bool,
               repo: Path = REPO) -> list[float]:
    """The robot of checkout ``repo`` creates the store's tables (its own schema)."""
    env = {**os.environ, "FINBOTS_DB_URL": url, "FINBOTS_HOME": str(home),
           "PYTHONPATH": str(repo)}
    name = f"bench-{'woken' if wakeups else 'polling'}-{random.randrange(10**6)}"
    log = home / f"{name}.log"
    with log.open("wb") as out:
        robot = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.cli", "robots", "start", "--name", name,
             "--poll", str(poll), "--wakeups" if wakeups else "--no-wakeups"], cwd=repo,
            env=env, stdout=out, stderr=subprocess.STDOUT)
    store = Store(url, create=False)
    try:
        while not _registered(store, name):
            if robot.poll() is not None:
                raise RuntimeError(f"the robot of {repo} ended with code {robot.returncode}: "
                                   f"{log.read_text()[-3000:]}")
            time.sleep(0.05)  # it registers once its fork server is ready
        time.sleep(1.5)  # and its spare process has connected

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


def _registered(store: Store, name: str) -> bool:
    try:
        return any(r.name == name and r.status != "stopped" for r in store.list_robots())
    except Exception:  # no tables yet: the robot is creating them
        return False


def fresh_process(url: str, home: Path, jobs: int) -> list[float]:
    env = {**os.environ, "FINBOTS_DB_URL": url, "FINBOTS_HOME": str(home),
           "PYTHONPATH": str(REPO)}
    store = Store(url)

    def one() -> float:
        fired = time.time()
        run_id = store.create_job(PROBE).id
        claimed = store.claim_job("bench-fresh")
        assert claimed is not None and claimed.id == run_id, "another job was pending"
        done = subprocess.run([sys.executable, "-m", "orchestrator.robots.child", str(run_id)],
                              cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"job {run_id}'s process failed: {done.stderr[-2000:]}")
        return _wait(store, run_id) - fired

    try:
        return _series(jobs, one)
    finally:
        store.close()


Config = tuple[str, str, Callable[[], list[float]]]


def _configs(opts: argparse.Namespace, home: Path, pg: list[str]) -> list[Config]:
    """``pg``: two empty PostgreSQL databases (this checkout's, the baseline's), or none."""
    baseline = Path(opts.baseline).resolve() if opts.baseline else None
    sqlite_url = f"sqlite:///{home / 'latency.db'}"
    out: list[Config] = []
    for store_name, url, other, how in (
            ("SQLite", sqlite_url, f"sqlite:///{home / 'baseline.db'}", "the wake-up file"),
            ("PostgreSQL", *(pg or [None, None]), "LISTEN/NOTIFY")):
        if url is None or (opts.store and store_name.lower() not in opts.store):
            continue
        out.append((f"robot woken by {how} (poll 1 s)", store_name,
                    lambda u=url: with_robot(u, home, opts.jobs, 1.0, wakeups=True)))
        if baseline is not None:  # a database of its own: the baseline's schema may differ
            out.append((f"baseline robot woken by {how} (poll 1 s)", store_name,
                        lambda u=other: with_robot(u, home, opts.jobs, 1.0, wakeups=True,
                                                   repo=baseline)))
        out.append((f"robot polling every {opts.poll:g} s (--no-wakeups)", store_name,
                    lambda u=url: with_robot(u, home, opts.jobs, opts.poll, wakeups=False)))
    if opts.fresh_jobs:
        out.append(("a fresh Python process per job, no poll", "SQLite",
                    lambda: fresh_process(sqlite_url, home, opts.fresh_jobs)))
    return out


def _row(label: str, backend: str, rounds: list[list[float]]) -> str:
    ms = sorted(v * 1000 for r in rounds for v in r)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    each = " / ".join(f"{statistics.median(r) * 1000:,.0f}" for r in rounds)
    return (f"| {label} | {backend} | {len(ms)} | {statistics.median(ms):,.0f} | {p95:,.0f} "
            f"| {each} |")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20, help="jobs per configuration and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.2)
    parser.add_argument("--fresh-jobs", type=int, default=3,
                        help="jobs per round of the fresh-process configuration (0: none)")
    parser.add_argument("--baseline", help="another finbots checkout, run side by side")
    parser.add_argument("--store", action="append", choices=("sqlite", "postgresql"),
                        help="only this store's configurations (repeatable; default: both)")
    opts = parser.parse_args()
    loads = [_load()]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        pg = [stack.enter_context(pg_database()) for _ in range(2)] if pg_reachable() else []
        configs = _configs(opts, Path(tmp), pg)
        results: dict[int, list[list[float]]] = {i: [] for i in range(len(configs))}
        for n in range(opts.rounds):
            order = list(range(len(configs)))
            order = order[n % len(order):] + order[:n % len(order)]
            for i in order:
                results[i].append(configs[i][2]())
            loads.append(_load())
    print(f"\nTrigger to the bot's first line (no browser start), ms ({os.cpu_count()} CPUs, "
          f"{opts.rounds} rounds, load average at the start and after each round: "
          f"{' | '.join(loads)})\n")
    print("| how the job is run | store | jobs | median | p95 | median of each round |")
    print("|---|---|---:|---:|---:|---|")
    for i, (label, backend, _) in enumerate(configs):
        print(_row(label, backend, results[i]))


if __name__ == "__main__":
    main()

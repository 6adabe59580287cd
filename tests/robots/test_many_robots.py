"""Four robot processes with two slots each claim eight jobs at once; the jobs' eight child
processes drain one queue of 400 items at once: every job runs once, every item is processed
exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from robothelp import robot_env, start_robot, stop_process, wait_for

from orchestrator.store import Store

ROBOTS, SLOTS, ITEMS = 4, 2, 400


def test_many_robots_never_process_an_item_twice(store: Store, db_url: str,
                                                  tmp_path: Path) -> None:
    store.ensure_queue("busy")
    for n in range(ITEMS):
        store.add_item("busy", f"R{n:03d}", {"n": n})
    env = robot_env(db_url, tmp_path)
    robots = [start_robot(env, f"r{i}", "--slots", str(SLOTS)) for i in range(ROBOTS)]
    try:
        wait_for(lambda: len(store.list_robots()) == ROBOTS, 150, "every robot to register")
        out = tmp_path / "processed.txt"
        # the drainers start draining together: a first one alone would empty the queue
        args = {"queue": "busy", "out": str(out), "gate": str(tmp_path / "gate"),
                "together": ROBOTS * SLOTS}
        jobs = [store.create_job("robot_testbots:DRAINER", args) for _ in range(ROBOTS * SLOTS)]
        ids = [j.id for j in jobs if j.id is not None]
        done = wait_for(lambda: (js := store.get_jobs(ids)) and all(
            j.status not in ("pending", "running") for j in js.values()) and js, 120,
            "every job to end")
    finally:
        codes = [stop_process(r) for r in robots]
    assert codes == [0] * ROBOTS
    assert {j.status for j in done.values()} == {"successful"}, [j.error for j in done.values()]
    assert len({j.robot for j in done.values()}) > 1

    assert all(j.pid and j.robot for j in done.values())
    lines = out.read_text().splitlines()
    processed = Counter(line.split()[0] for line in lines)
    assert len(processed) == ITEMS and set(processed.values()) == {1}, "an item ran twice"
    assert len({line.split()[1] for line in lines}) >= 2, "no contention: one job did all"
    items = store.list_items("busy")
    assert len(items) == ITEMS and {i.state for i in items} == {"successful"}

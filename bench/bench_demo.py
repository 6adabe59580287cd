"""Wall time and peak memory of the demo (``make run`` after set-up).

Peak memory is the largest sum of resident memory over the whole process tree at any
sample (every 50 ms): the CLI, the Playwright driver, every Chromium process, and the
sandbox targets it starts in the background. Run: ``python -m bench.bench_demo``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kb(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    return total


def _tree(roots: set[int]) -> set[int]:
    tree, seen, todo = _children(), set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(tree.get(pid, ()))
    return seen


def measure(cmd: list[str], env: dict[str, str], sandbox_pid_file: Path) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        roots = {proc.pid}
        if sandbox_pid_file.exists():
            roots.add(int(sandbox_pid_file.read_text().split()[0]))
        peak = max(peak, _rss_kb(_tree(roots)))
        time.sleep(0.05)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}")
    return took, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    pid_file = REPO / "runs" / "sandbox" / "sandbox.pid"
    results = []
    for _ in range(args.repeat):
        subprocess.run([sys.executable, "-m", "orchestrator.cli", "sandbox", "down"], cwd=REPO,
                       env=env, capture_output=True)
        results.append(measure(["make", "run", "DEMO_ARGS=--no-serve"], env, pid_file))
    subprocess.run([sys.executable, "-m", "orchestrator.cli", "sandbox", "down"], cwd=REPO,
                   env=env, capture_output=True)
    walls = [w for w, _ in results]
    peaks = [p for _, p in results]
    print(f"make run (set-up done, sandbox started by the demo), {args.repeat} runs:")
    print(f"  wall time   median {statistics.median(walls):.1f} s "
          f"(min {min(walls):.1f}, max {max(walls):.1f})")
    print(f"  peak memory median {statistics.median(peaks) / 1024:.0f} MiB over the process "
          f"tree (max {max(peaks) / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()

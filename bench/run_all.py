"""Every benchmark, one after the other (``make bench``). Each prints its own figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHES = [
    ["bench.bench_matching"],
    ["bench.statement_scale"],
    ["bench.bench_posting", "--extra-exact", "40", "--repeat", "3"],
    ["bench.bench_desktop", "--extra-exact", "40", "--repeat", "3"],
    ["bench.bench_demo", "--repeat", "3"],
    ["bench.bench_queue", "--repeat", "3"],
    ["bench.bench_trigger_latency", "--jobs", "40"],
    ["bench.bench_backup", "--sizes", "1000,10000", "--repeat", "3"],
    ["bench.bench_credit", "--sizes", "7,20,40", "--repeat", "3"],
    ["bench.kill_trials", "--kills", "100", "--kills-per-trial", "4", "--quiet"],
]

for bench in BENCHES:
    print(f"== {' '.join(bench)}", flush=True)
    subprocess.run([sys.executable, "-m", *bench], cwd=REPO, check=True)

"""(command to come)"""

from __future__ import annotations


def serve() -> None:
    """Run the orchestrator: web UI and API, scheduler and robots in one process tree."""
    raise SystemExit("not available yet")

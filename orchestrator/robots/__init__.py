"""Robots: worker processes that claim jobs and run each in a child process; ``serve``.

:class:`Robot` (``finbots robots start``) is one worker; :func:`serve` (``finbots serve``)
runs the web app, the scheduler and N robots in one process tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestrator.robots.worker import Robot, RobotConfig

__all__ = ["Robot", "RobotConfig", "serve"]


def serve(*args: Any, **kwargs: Any) -> None:
    """See :func:`orchestrator.robots.supervisor.serve`."""
    from orchestrator.robots.supervisor import serve as _serve

    _serve(*args, **kwargs)


def __getattr__(name: str) -> Any:  # the worker imports the store: only when asked for
    if name in ("Robot", "RobotConfig"):
        from orchestrator.robots import worker

        return getattr(worker, name)
    raise AttributeError(name)

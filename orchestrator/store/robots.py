"""Robots: registration, heartbeats, unresponsive robots."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["RobotsMixin"]


class RobotsMixin(StoreBase):
    pass

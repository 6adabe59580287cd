"""Imported by a robot's fork server: every bot the registry finds is imported once, so a
job's child process starts with its bot's modules loaded (no bot is named here)."""

from __future__ import annotations

from orchestrator.registry import discover

discover()

"""Read-only views for the web UI and the API: the dashboard's figures, paged listings."""

from __future__ import annotations

from orchestrator.store.browse import BrowseMixin
from orchestrator.store.figures import FiguresMixin

__all__ = ["StatsMixin"]


class StatsMixin(FiguresMixin, BrowseMixin):
    """Dashboard figures (:mod:`~orchestrator.store.figures`) and filtered, paged runs and
    work items (:mod:`~orchestrator.store.browse`)."""

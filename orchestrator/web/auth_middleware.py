"""Authentication of each request (browser session cookie or API bearer token)."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["install"]


def install(app: FastAPI) -> None:
    """Put the caller's Principal on ``request.state.principal`` for every request."""

"""The one router of the inbox, case and approval pages (each module adds its routes)."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()

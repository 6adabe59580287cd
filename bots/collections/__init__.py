"""The collections bot (dunning): overdue customers reminded by level, never for disputed,
promised or already-paid items."""

from bots.collections.bot import BOT

__all__ = ["BOT"]

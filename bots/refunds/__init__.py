"""The refunds bot (see :mod:`bots.refunds.bot`)."""

from bots.refunds.bot import BOT

__all__ = ["BOT"]

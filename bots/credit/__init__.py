"""The credit bot (see :mod:`bots.credit.bot`)."""

from bots.credit.bot import BOT

__all__ = ["BOT"]

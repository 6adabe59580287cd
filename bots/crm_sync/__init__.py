"""The crm-sync bot (see :mod:`bots.crm_sync.bot`)."""

from bots.crm_sync.bot import BOT

__all__ = ["BOT"]

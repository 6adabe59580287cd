"""Disputes: customers' claims against invoices from the claims desk, the finance mailbox
and short payments, one case per disputed invoice (the bot: :mod:`bots.disputes.bot`)."""

from bots.disputes.bot import BOT

__all__ = ["BOT"]

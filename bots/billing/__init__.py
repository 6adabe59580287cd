"""Billing validation: drafts checked against contract, schedule, master data, tax and PO
before release (the bot: :mod:`bots.billing.bot`)."""

from bots.billing.bot import BOT

__all__ = ["BOT"]

"""The payment-posting bot (cash application): bank statement in, ERP postings out."""

from bots.payment_posting.bot import BOT

__all__ = ["BOT"]

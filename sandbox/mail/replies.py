"""Customers' replies seeded into the finance mailbox when the mail server is seeded."""

from __future__ import annotations

from email.message import EmailMessage

from sandbox.scenario import Scenario


def seeded_replies(scenario: Scenario) -> list[EmailMessage]:
    """The messages waiting in the finance mailbox's INBOX at the start of the seeded month."""
    return []

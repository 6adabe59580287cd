"""The service desk's logins (sandbox demo data): the CRM-sync bot's technical user and
two service agents, the people who work the accounts and tickets."""

from __future__ import annotations

__all__ = ["AGENT_PASSWORD", "AGENT_USER", "SYNC_PASSWORD", "SYNC_USER", "USERS"]

SYNC_USER = "crmsync"
SYNC_PASSWORD = "Crm#Sync-2026"
AGENT_USER = "lena.vogt"
AGENT_PASSWORD = "Crm#Agent-58"

#: user -> (password, display name)
USERS: dict[str, tuple[str, str]] = {
    SYNC_USER: (SYNC_PASSWORD, "Finance sync (crmsync)"),
    AGENT_USER: (AGENT_PASSWORD, "Lena Vogt"),
    "tom.brennan": ("Crm#Agent-61", "Tom Brennan"),
}

"""The sandbox mail server as the mail tests use it: its control address, its ports, and
mailboxes signed on as the finance team or as a customer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from bots.runtime.mail import Mailbox, MailSettings
from bots.runtime.vault import Vault
from sandbox.mail.accounts import CUSTOMER_PASSWORD, FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX

#: the test server's size limit (small, so an oversize message is quick to build)
MAX_BYTES = 300_000


@dataclass
class MailSandbox:
    url: str  # the control app
    host: str
    smtp_port: int
    imap_port: int
    base: Path

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.url}{path}", json=body or {}, timeout=60)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def truth(self) -> dict[str, Any]:
        result: dict[str, Any] = httpx.get(f"{self.url}/_sandbox/truth", timeout=30).json()
        return result

    def settings(self, address: str, password: str, **extra: Any) -> MailSettings:
        return MailSettings(self.host, self.smtp_port, self.imap_port, address, password,
                            **extra)

    def finance(self, **extra: Any) -> Mailbox:
        return Mailbox(self.settings(FINANCE_MAILBOX, FINANCE_PASSWORD, **extra),
                       name="mail/finance")

    def customer(self, address: str) -> Mailbox:
        return Mailbox(self.settings(address, CUSTOMER_PASSWORD), name="customer")

    def vault(self, path: Path) -> Vault:
        vault = Vault(path / "vault.json", Fernet.generate_key())
        vault.set("mail/finance", {"host": self.host, "smtp_port": str(self.smtp_port),
                                   "imap_port": str(self.imap_port),
                                   "username": FINANCE_MAILBOX, "password": FINANCE_PASSWORD})
        return vault

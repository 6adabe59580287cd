"""The sandbox targets shared by the folders that run bots against them (``tests/e2e``,
``tests/robots``, ``tests/inbox``): one process on free ports for the whole test session,
started on first use by the ``sandbox`` fixture of ``tests/conftest.py``.

Every user starts from a known state by calling :meth:`Sandbox.reset` (seed data again,
faults cleared) rather than starting targets of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.background import running_on_free_ports

APPS = ("sandbox_bank", "legacy_erp", "billing_portal", "sandbox_mail", "service_desk")
#: A little slowness on every ERP and portal page, as real targets have (bots must wait).
SLOWNESS = {"FINBOTS_ERP_SLOW_MS": "20-60", "FINBOTS_PORTAL_DELAY_MS": "50-150"}


@dataclass
class Sandbox:
    urls: dict[str, str]

    def post(self, app: str, path: str, body: dict[str, Any] | None = None) -> None:
        httpx.post(f"{self.urls[app]}{path}", json=body or {}, timeout=30).raise_for_status()

    def reset(self) -> None:
        for app in APPS:
            self.post(app, "/_sandbox/faults", {"clear": True})
            self.post(app, "/_sandbox/reset")

    def faults(self, app: str, **knobs: Any) -> None:
        self.post(app, "/_sandbox/faults", knobs)

    def truth(self, app: str) -> dict[str, Any]:
        return httpx.get(f"{self.urls[app]}/_sandbox/truth", timeout=30).json()

    def check(self) -> list[str]:
        """Differences between the targets and the scenario's expected outcome."""
        from sandbox.check import run_check

        return run_check(self.urls["sandbox_bank"], self.urls["legacy_erp"],
                         self.urls["billing_portal"], mail_url=self.urls["sandbox_mail"])

    def postings(self) -> list[dict[str, Any]]:
        return list(self.truth("legacy_erp")["postings"])


@contextlib.contextmanager
def running_sandbox(base_dir: Path) -> Iterator[Sandbox]:
    """The targets with :data:`SLOWNESS` (a busy machine may take long to start them)."""
    with running_on_free_ports(base_dir, SLOWNESS, timeout_s=120) as urls:
        yield Sandbox(urls)

"""The sandbox mail server for the mail tests: the real dovecot and SMTP server, started
once per module through the mail target's own control app (as the launcher starts it)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.mail.dovecot import DovecotError, find_dovecot
from sandbox.serve import serve_app

if str(Path(__file__).resolve().parent) not in sys.path:  # this folder's helpers
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailsandbox import MAX_BYTES, MailSandbox


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSandbox]:
    try:
        find_dovecot()
    except DovecotError as exc:
        pytest.fail(str(exc))
    from sandbox.mail.app import create_app

    base = tmp_path_factory.mktemp("mail")
    app = create_app(base / "mail", smtp_port=0, imap_port=0, max_message_bytes=MAX_BYTES)
    try:
        with serve_app(app) as url:
            ports = httpx.get(f"{url}/_sandbox/ports", timeout=10).json()
            yield MailSandbox(url, ports["host"], ports["smtp_port"], ports["imap_port"], base)
    finally:
        app.state.close()


@pytest.fixture
def fresh(mail: MailSandbox) -> MailSandbox:
    """The mail server reseeded, no outage."""
    mail.post("/_sandbox/faults", {"clear": True})
    mail.post("/_sandbox/reset")
    return mail

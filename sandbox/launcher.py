"""Start the sandbox targets (bank, legacy ERP, billing portal, mail server, service desk)
on loopback.

``python -m sandbox.launcher`` serves them in the foreground (one process, one uvicorn
server per target in its own thread) until SIGINT/SIGTERM; ``--detach`` starts that in a
background process (pid in ``<base>/sandbox.pid``, output in ``<base>/sandbox.log``) and
returns once every target answers ``/_sandbox/health``.

From Python: ``ensure_running()`` (what the demo calls), ``is_running(urls)``,
and, in :mod:`sandbox.background`, ``start_detached()``/``stop_detached()``;
``SandboxConfig`` holds the base directory (databases), host and ports.
A target whose package is not installed is left out. The mail server's SMTP and IMAP
ports are ``ports["mail_smtp"]`` and ``ports["mail_imap"]`` (``--port mail_smtp=8025``);
when it cannot start (dovecot missing, a port taken) the others are served without it and
the reason is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from orchestrator.config import get_settings
from sandbox.scenario import build_scenario
from sandbox.serve import ServerThread

__all__ = ["APPS", "MAIL_PORTS", "SandboxConfig", "ensure_running", "health", "is_running",
           "mail_addresses", "serve_forever", "start_servers"]

APPS: dict[str, tuple[str, int, str]] = {  # app id -> (factory, default port, db file)
    "sandbox_bank": ("sandbox.bank.app:create_app", 8101, "bank.db"),
    "legacy_erp": ("sandbox.erp.app:create_app", 8102, "erp.db"),
    "billing_portal": ("sandbox.portal.app:create_app", 8103, "portal.db"),
    "sandbox_mail": ("sandbox.mail.app:create_app", 8104, "mail"),  # its control endpoints
    "service_desk": ("sandbox.crm.app:create_app", 8105, "service_desk.db"),
}
#: targets served when their port is free, else left out with the reason printed (callers
#: that name the other targets' ports only, e.g. benchmarks, still start)
OPTIONAL = frozenset({"service_desk"})
#: the mail server's own protocols: port name -> default port
MAIL_PORTS = {"mail_smtp": 8025, "mail_imap": 8143}


@dataclass
class SandboxConfig:
    base_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("FINBOTS_SANDBOX_DIR")
                                     or get_settings().runs_dir / "sandbox"))
    host: str = field(default_factory=lambda: os.environ.get("FINBOTS_SANDBOX_HOST", "127.0.0.1"))
    ports: dict[str, int] = field(
        default_factory=lambda: {**{k: v[1] for k, v in APPS.items()}, **MAIL_PORTS})

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "sandbox.pid"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "sandbox.log"

    def apps(self) -> list[str]:
        """The targets whose code is installed."""
        return [a for a in APPS if importlib.util.find_spec(APPS[a][0].split(":")[0])]

    def urls(self) -> dict[str, str]:
        return {a: f"http://{self.host}:{self.ports[a]}" for a in self.apps()}


def _factory(app_id: str) -> Callable[..., Any]:
    module, _, name = APPS[app_id][0].partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return factory


class _Target(ServerThread):
    """A target's server thread; stopping it also stops what the app runs besides HTTP
    (``app.state.close``: the mail server's SMTP and IMAP)."""

    def stop(self, timeout_s: float = 10.0) -> None:
        try:
            super().stop(timeout_s)
        finally:
            close = getattr(self.server.config.app.state, "close", None)
            if callable(close):
                close()


def _build(app_id: str, config: SandboxConfig, extra_exact: int) -> Any:
    options: dict[str, Any] = {}
    if app_id == "sandbox_mail":
        options = {"host": config.host, "smtp_port": config.ports.get("mail_smtp", 0),
                   "imap_port": config.ports.get("mail_imap", 0)}
    return _factory(app_id)(config.base_dir / APPS[app_id][2], build_scenario(extra_exact),
                            **options)


def _start_mail(config: SandboxConfig, extra_exact: int) -> ServerThread | None:
    """The mail target, or None (the reason printed) when it cannot start."""
    app = None
    try:
        app = _build("sandbox_mail", config, extra_exact)
        server = _Target(app, config.host, config.ports["sandbox_mail"])
        server.start()
        return server
    except Exception as exc:
        if app is not None:
            app.state.close()
        print(f"sandbox_mail: not started: {exc}", file=sys.stderr, flush=True)
        return None


def start_servers(config: SandboxConfig, extra_exact: int = 0) -> dict[str, ServerThread]:
    """Build every installed target and serve it in a thread; returns the started servers."""
    config.base_dir.mkdir(parents=True, exist_ok=True)
    servers: dict[str, ServerThread] = {}
    try:
        # the mail server first: it binds its ports at once (the others seed first), so a
        # free port picked for it is least likely to be taken meanwhile
        for app_id in sorted(config.apps(), key=lambda a: a != "sandbox_mail"):
            if app_id != "sandbox_mail":
                try:
                    servers[app_id] = _Target(_build(app_id, config, extra_exact),
                                              config.host, config.ports[app_id])
                    servers[app_id].start()
                except OSError as exc:  # a port taken: only an optional target is left out
                    if app_id not in OPTIONAL:
                        raise
                    print(f"{app_id}: not started: {exc}", file=sys.stderr, flush=True)
                continue
            mail = _start_mail(config, extra_exact)
            if mail is not None:
                servers[app_id] = mail
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def health(url: str, timeout_s: float = 1.0) -> dict[str, Any] | None:
    with contextlib.suppress(httpx.HTTPError, ValueError):
        response = httpx.get(f"{url}/_sandbox/health", timeout=timeout_s)
        if response.status_code == 200:
            data: dict[str, Any] = response.json()
            return data if data.get("ok") else None
    return None


def is_running(urls: Iterable[str] | dict[str, str] | None = None) -> bool:
    """True when every URL (default: the configured targets) answers its health check."""
    targets = list((urls or SandboxConfig().urls()).values() if isinstance(urls, dict) or
                   urls is None else urls)
    return bool(targets) and all(health(u) is not None for u in targets)


def ensure_running(config: SandboxConfig | None = None, timeout_s: float = 30.0) -> dict[str, str]:
    """Start the targets in the background unless they already answer; returns their URLs.

    When a target's port is already taken but its health check does not answer (a sandbox
    still starting, or slow on a busy machine), this waits up to ``timeout_s`` for it
    instead of starting a second sandbox that could not bind the ports."""
    from sandbox.background import start_detached, wait_healthy

    config = config or SandboxConfig()
    urls = config.urls()
    if is_running(urls):
        return urls
    taken = [u for u in urls.values() if _listening(u)]
    if not taken:
        start_detached(config, timeout_s=timeout_s)
    elif not wait_healthy(urls, None, timeout_s):
        raise RuntimeError(
            f"something listens on {', '.join(taken)} but does not answer the sandbox's health "
            f"check within {timeout_s:.0f} s: stop it, or give the sandbox other ports")
    return urls


def _listening(url: str) -> bool:
    """Whether something accepts connections at the URL's host and port."""
    parts = httpx.URL(url)
    with contextlib.suppress(OSError):
        socket.create_connection((parts.host, parts.port or 80), timeout=1).close()
        return True
    return False


def serve_forever(config: SandboxConfig, extra_exact: int = 0,
                  announce: Callable[[dict[str, str]], None] | None = None) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; keeps the pid file while running."""
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    servers = start_servers(config, extra_exact)
    config.pid_file.write_text(str(os.getpid()))
    try:
        if announce:
            announce({a: s.url for a, s in servers.items()})
        done.wait()
    finally:
        for server in servers.values():
            server.stop()
        with contextlib.suppress(OSError, ValueError):
            if int(config.pid_file.read_text()) == os.getpid():
                config.pid_file.unlink()


def mail_addresses(config: SandboxConfig) -> str:
    """Where the mail server's SMTP and IMAP listen, for people."""
    host = config.host
    return f"SMTP {host}:{config.ports['mail_smtp']}, IMAP {host}:{config.ports['mail_imap']}"


def _announce(urls: dict[str, str], config: SandboxConfig) -> None:
    lines = [f"{a:<15} {u}" for a, u in urls.items()]
    if "sandbox_mail" in urls:
        lines.append(f"{'':<15} {mail_addresses(config)}")
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.launcher", description=__doc__)
    parser.add_argument("--base-dir", type=Path, default=SandboxConfig().base_dir)
    parser.add_argument("--host", default=SandboxConfig().host)
    parser.add_argument("--port", action="append", default=[], metavar="APP=PORT")
    parser.add_argument("--extra-exact", type=int, default=0)
    parser.add_argument("--detach", action="store_true")
    ns = parser.parse_args(argv)
    config = SandboxConfig(ns.base_dir, ns.host)
    for item in ns.port:
        app_id, _, port = item.partition("=")
        config.ports[app_id] = int(port)
    if not ns.detach:
        serve_forever(config, ns.extra_exact, announce=lambda urls: _announce(urls, config))
        return
    from sandbox.background import start_detached

    pid = start_detached(config, ns.extra_exact)
    print(f"sandbox running in the background (pid {pid}, log {config.log_file})")
    _announce(config.urls(), config)


if __name__ == "__main__":
    main()

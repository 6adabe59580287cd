"""Start the three sandbox targets (bank, legacy ERP, billing portal) on loopback.

``python -m sandbox.launcher`` serves them in the foreground (one process, one uvicorn
server per target in its own thread) until SIGINT/SIGTERM; ``--detach`` starts that in a
background process (pid in ``<base>/sandbox.pid``, output in ``<base>/sandbox.log``) and
returns once every target answers ``/_sandbox/health``.

From Python: ``ensure_running()`` (what the demo calls), ``is_running(urls)``,
and, in :mod:`sandbox.background`, ``start_detached()``/``stop_detached()``;
``SandboxConfig`` holds the base directory (databases), host and ports.
A target whose package is not installed is left out.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import signal
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from orchestrator.config import get_settings
from sandbox.scenario import build_scenario
from sandbox.serve import ServerThread

__all__ = ["APPS", "SandboxConfig", "ensure_running", "health", "is_running", "serve_forever",
           "start_servers"]

APPS: dict[str, tuple[str, int, str]] = {  # app id -> (factory, default port, db file)
    "sandbox_bank": ("sandbox.bank.app:create_app", 8101, "bank.db"),
    "legacy_erp": ("sandbox.erp.app:create_app", 8102, "erp.db"),
    "billing_portal": ("sandbox.portal.app:create_app", 8103, "portal.db"),
}


@dataclass
class SandboxConfig:
    base_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("FINBOTS_SANDBOX_DIR")
                                     or get_settings().runs_dir / "sandbox"))
    host: str = field(default_factory=lambda: os.environ.get("FINBOTS_SANDBOX_HOST", "127.0.0.1"))
    ports: dict[str, int] = field(default_factory=lambda: {k: v[1] for k, v in APPS.items()})

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


def start_servers(config: SandboxConfig, extra_exact: int = 0) -> dict[str, ServerThread]:
    """Build every installed target and serve it in a thread; returns the started servers."""
    config.base_dir.mkdir(parents=True, exist_ok=True)
    servers: dict[str, ServerThread] = {}
    try:
        for app_id in config.apps():
            app = _factory(app_id)(config.base_dir / APPS[app_id][2], build_scenario(extra_exact))
            servers[app_id] = ServerThread(app, config.host, config.ports[app_id])
            servers[app_id].start()
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
    """Start the targets in the background unless they already answer; returns their URLs."""
    from sandbox.background import start_detached

    config = config or SandboxConfig()
    if not is_running(config.urls()):
        start_detached(config, timeout_s=timeout_s)
    return config.urls()


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


def _announce(urls: dict[str, str]) -> None:
    print("\n".join(f"{a:<15} {u}" for a, u in urls.items()), flush=True)


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
        serve_forever(config, ns.extra_exact, announce=_announce)
        return
    from sandbox.background import start_detached

    pid = start_detached(config, ns.extra_exact)
    print(f"sandbox running in the background (pid {pid}, log {config.log_file})")
    _announce(config.urls())


if __name__ == "__main__":
    main()

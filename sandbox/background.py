"""The sandbox in a background process: start it, wait for it, stop it by its pid file.

``python -m sandbox.launcher --detach`` and ``finbots sandbox up --detach`` end up here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from sandbox.launcher import APPS, MAIL_PORTS, SandboxConfig, is_running

__all__ = ["running_on_free_ports", "start_detached", "stop_detached", "wait_healthy"]


def wait_healthy(urls: dict[str, str], proc: subprocess.Popen[bytes] | None,
                 timeout_s: float) -> bool:
    """Whether every URL answers its health check within ``timeout_s`` (False at once
    when ``proc``, the process meant to serve them, has exited)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_running(urls):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def start_detached(config: SandboxConfig, extra_exact: int = 0,
                   timeout_s: float = 30.0) -> int:
    """Start the targets in a background process; returns its pid once all are healthy."""
    config.base_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "sandbox.launcher", "--base-dir", str(config.base_dir.resolve()),
            "--host", config.host, "--extra-exact", str(extra_exact),
            *(f"--port={a}={p}" for a, p in config.ports.items())]
    with config.log_file.open("ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    if not wait_healthy(config.urls(), proc, timeout_s):
        proc.terminate()
        tail = config.log_file.read_text(errors="replace").splitlines()[-20:]
        raise RuntimeError(f"sandbox did not start; {config.log_file}:\n" + "\n".join(tail))
    return proc.pid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_on_free_ports(base_dir: Path, env: Mapping[str, str] | None = None,
                          timeout_s: float = 30.0) -> Iterator[dict[str, str]]:
    """The targets in a child process on free ports (tests, benchmarks); yields their URLs
    (the mail server's SMTP and IMAP ports: its ``/_sandbox/ports``).

    ``env`` adds variables (slowness knobs) to this process's environment.
    """
    # the mail server's SMTP and IMAP: 0 = picked as they bind (see its /_sandbox/ports)
    ports = {**{app: _free_port() for app in APPS}, **dict.fromkeys(MAIL_PORTS, 0)}
    args = [sys.executable, "-m", "sandbox.launcher", "--base-dir", str(base_dir),
            *(f"--port={a}={p}" for a, p in ports.items())]
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    urls = {app: f"http://127.0.0.1:{ports[app]}" for app in APPS}
    try:
        if not wait_healthy(urls, proc, timeout_s):
            raise RuntimeError("the sandbox targets did not start")
        yield urls
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _pid_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # reap it when it is our own child
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True  # PermissionError (another user's process) propagates


def _is_sandbox(pid: int) -> bool:
    """Guard against a stale pid file naming some other process now."""
    if not os.path.exists("/proc/self/cmdline"):
        return True  # no procfs: trust the pid file
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"sandbox.launcher" in cmdline or b"finbots" in cmdline


def stop_detached(config: SandboxConfig | None = None, timeout_s: float = 10.0) -> bool:
    """Stop the background sandbox named by the pid file; False when none was running."""
    config = config or SandboxConfig()
    try:
        pid = int(config.pid_file.read_text().strip())
    except (OSError, ValueError):
        return False
    stopped = _pid_alive(pid) and _is_sandbox(pid)
    if stopped:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    config.pid_file.unlink(missing_ok=True)
    return stopped

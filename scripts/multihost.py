"""Several finbots hosts on one machine, in network namespaces (root only).

Each host is a network namespace (``ip netns``) with one veth pair into a bridge on the root
namespace (``fbbr0``, 10.77.0.1/24); host N gets 10.77.0.(N+2). PostgreSQL keeps listening on
127.0.0.1 only: a ``socat`` forwarder on 10.77.0.1:5432 (started and stopped here, with TCP
keepalives) lets the hosts reach it, and the shared server's configuration is not touched.

    python scripts/multihost.py up       # namespaces, bridge, forwarder; Ctrl-C takes it down
    python scripts/multihost.py down     # remove what a crashed run left behind

Then run anything on a host with ``ip netns exec fb-<host> ...``; docs/multihost.md shows
the whole fleet (sandbox, two orchestrator nodes, robots on three hosts, a browser server).
``tests/multihost/test_multihost.py`` drives this module.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "fb-"
BRIDGE = "fbbr0"
SUBNET = "10.77.0"
GATEWAY = f"{SUBNET}.1"
PG_PORT = 5432
HOSTS = ("targets", "node1", "node2", "r1", "r2", "r3", "browsers")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def netns_refusal() -> str | None:
    """Why network namespaces cannot be used here, or ``None`` when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    probe = f"fbprobe{uuid.uuid4().hex[:6]}"
    try:
        result = _ip("netns", "add", probe, check=False)
    except FileNotFoundError:
        return "the ip command (iproute2) is not installed"
    if result.returncode != 0:
        return f"ip netns add is not permitted: {result.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    if subprocess.run(["which", "socat"], capture_output=True).returncode != 0:
        return "socat is not installed (the PostgreSQL forwarder)"
    return None


@dataclass
class Hosts:
    """The namespaces, bridge and forwarder; processes started on hosts are ended by
    :meth:`down`."""

    names: Sequence[str] = HOSTS
    pg_target: tuple[str, int] = ("127.0.0.1", PG_PORT)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def ns(self, host: str) -> str:
        return f"{PREFIX}{host}"

    def veth(self, host: str) -> str:
        return f"fbv{self.names.index(host)}"  # the root side; interface names are short

    def address(self, host: str) -> str:
        return f"{SUBNET}.{self.names.index(host) + 2}"

    # -- network -------------------------------------------------------------------------
    def up(self) -> None:
        self.down()  # what a crashed run left
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for host in self.names:
            ns, veth = self.ns(host), self.veth(host)
            _ip("netns", "add", ns)
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", veth, "master", BRIDGE)
            _ip("link", "set", veth, "up")
            _ip("-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "route", "add", "default", "via", GATEWAY)
        self.procs.append(subprocess.Popen(
            ["socat", f"TCP-LISTEN:{PG_PORT},bind={GATEWAY},reuseaddr,fork,"
             "keepalive,keepidle=2,keepintvl=1,keepcnt=3",
             f"TCP:{self.pg_target[0]}:{self.pg_target[1]}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def down(self) -> None:
        for proc in reversed(self.procs):
            _kill_group(proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        self.procs.clear()
        for host in self.names:
            ns = self.ns(host)
            if _ip("netns", "pids", ns, check=False).returncode == 0:
                self.kill_host(host)
                _ip("netns", "del", ns, check=False)
            # a namespace lives on while a dying process holds it, and its veth with it
            _ip("link", "del", self.veth(host), check=False)
        _ip("link", "del", BRIDGE, check=False)

    def cut(self, host: str) -> None:
        """Unplug the host: its link to the bridge goes down (its processes keep running)."""
        _ip("link", "set", self.veth(host), "down")

    def kill_host(self, host: str) -> None:
        """SIGKILL every process in the host's namespace."""
        result = _ip("netns", "pids", self.ns(host), check=False)
        for pid in result.stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)

    # -- processes -----------------------------------------------------------------------
    def spawn(self, host: str, cmd: Sequence[str], *, env: Mapping[str, str], log: Path,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start ``cmd`` on ``host`` (its own process group), output to ``log``."""
        with log.open("ab") as out:
            proc = subprocess.Popen(["ip", "netns", "exec", self.ns(host), *cmd], env=dict(env),
                                    cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs.append(proc)
        return proc


def _kill_group(pid: int) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"])
    ns = parser.parse_args(argv)
    refusal = netns_refusal()
    if refusal:
        print(f"cannot build the hosts: {refusal}", file=sys.stderr)
        return 2
    hosts = Hosts()
    if ns.action == "down":
        hosts.down()
        return 0
    hosts.up()
    for host in hosts.names:
        print(f"{host:10s} {hosts.address(host):12s} ip netns exec {hosts.ns(host)} ...")
    print(f"PostgreSQL for the hosts: {GATEWAY}:{PG_PORT}; Ctrl-C takes everything down")
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        hosts.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""PostgreSQL's client tools for backup and restore: pg_dump and pg_restore.

The password goes to the tools through ``PGPASSWORD``, never on their command line (which
other users of the host can read); the URL they get names the server and database only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from bots.runtime.errors import ConfigError, StoreError
from orchestrator.store.engine import normalize_url

__all__ = ["dump", "restore"]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        msg = (f"{name} is not installed: PostgreSQL backups need the PostgreSQL client "
               "tools (Debian: apt install postgresql-client)")
        raise ConfigError(msg)
    return found


def _target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    parsed = make_url(normalize_url(url))
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: Sequence[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(list(argv), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise StoreError(f"{what} failed: {' / '.join(detail[-3:]) or done.returncode}")


def dump(url: str, into: Path, *, snapshot: str | None = None) -> None:
    """``pg_dump -Fc`` of the store's database into ``into`` (at ``snapshot`` if given)."""
    target, env = _target(url)
    argv = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
            f"--file={into}"]
    if snapshot:
        argv.append(f"--snapshot={snapshot}")
    _run([*argv, f"--dbname={target}"], env, "pg_dump")


def restore(url: str, dump_file: Path) -> None:
    """Load a ``pg_dump -Fc`` file with ``pg_restore`` in one transaction (``--clean``: the
    dump's tables are dropped first). No psql script: a dump's text is never read as psql
    commands."""
    target, env = _target(url)
    argv = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", f"--dbname={target}", str(dump_file)]
    _run(argv, env, "pg_restore")

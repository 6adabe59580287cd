"""Statement intake: parse, reconcile, refuse duplicates, quarantine whatever is refused."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from bots.cashapp.model import Statement
from bots.cashapp.statements.balance import check_balance
from bots.cashapp.statements.detect import parse_file
from bots.cashapp.statements.registry import StatementKey, StatementRegistry
from bots.runtime.errors import DuplicateStatementError, StatementError


def import_statement(path: str | Path, registry: StatementRegistry,
                     quarantine_dir: str | Path) -> Statement:
    """The statement in ``path``, remembered in ``registry``.

    A refused file (malformed, unknown, out of balance, already imported) is moved into
    ``quarantine_dir`` next to ``<name>.error.txt`` saying why, and the error re-raised.
    """
    path = Path(path)
    try:
        statement = parse_file(path)
        check_balance(statement)
        key = StatementKey.of(statement)
        if registry.seen(key):
            raise DuplicateStatementError(
                f"statement {key.statement_id} (sequence {key.sequence or '-'}) of account "
                f"{key.account or '-'} was imported before", file=str(path))
        registry.remember(key, str(path))
    except StatementError as exc:
        quarantine(path, Path(quarantine_dir), exc)
        raise
    return statement


def quarantine(path: Path, quarantine_dir: Path, error: StatementError) -> Path:
    """Move ``path`` into ``quarantine_dir`` (never overwriting) with the reason beside it."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    target = quarantine_dir / path.name
    n = 1
    while target.exists() or target.with_name(target.name + ".error.txt").exists():
        target = quarantine_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    if path.exists():
        shutil.move(str(path), target)
    reason = (
        f"file: {path}\n"
        f"quarantined_at: {dt.datetime.now(dt.UTC).isoformat()}\n"
        f"error: {type(error).__name__}\n"
        f"location: {error.location or '-'}\n"
        f"reason: {error.reason}\n"
    )
    target.with_name(target.name + ".error.txt").write_text(reason, encoding="utf-8")
    return target

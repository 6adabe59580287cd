"""Statement intake: parse, reconcile, refuse duplicates, quarantine whatever is refused."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from bots.cashapp.model import Statement
from bots.cashapp.statements.balance import check_balance
from bots.cashapp.statements.detect import parse_file, parse_file_statements
from bots.cashapp.statements.registry import StatementKey, StatementRegistry
from bots.runtime.errors import DuplicateStatementError, StatementError
from bots.runtime.paths import private_folder

__all__ = ["ImportedStatement", "import_statement", "import_statements", "quarantine"]


@dataclass(frozen=True, slots=True)
class ImportedStatement:
    """One statement of a file and whether it was new (``False``: imported before)."""

    statement: Statement
    new: bool

    @property
    def key(self) -> StatementKey:
        return StatementKey.of(self.statement)


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


def import_statements(path: str | Path, registry: StatementRegistry,
                      quarantine_dir: str | Path) -> list[ImportedStatement]:
    """Every statement in ``path``, each reconciled and checked against ``registry`` on its
    own key; the new ones are remembered, those imported before are reported (``new`` False).

    The file is refused as a whole (moved into ``quarantine_dir`` with the reason, the error
    re-raised, nothing remembered) when it does not parse, when any of its statements is out
    of balance, or when every statement in it was imported before.
    """
    path = Path(path)
    try:
        statements = parse_file_statements(path)
        for statement in statements:
            check_balance(statement)
        found: list[ImportedStatement] = []
        seen_here: set[StatementKey] = set()
        for statement in statements:
            key = StatementKey.of(statement)
            found.append(ImportedStatement(statement, key not in seen_here
                                           and not registry.seen(key)))
            seen_here.add(key)
        if not any(f.new for f in found):
            what = ", ".join(f"{k.statement_id} (sequence {k.sequence or '-'}) of account "
                             f"{k.account or '-'}" for k in dict.fromkeys(f.key for f in found))
            raise DuplicateStatementError(
                f"statement{'s' if len(seen_here) > 1 else ''} {what} "
                f"{'were' if len(seen_here) > 1 else 'was'} imported before", file=str(path))
        for f in found:
            if f.new:
                registry.remember(f.key, str(path))
    except StatementError as exc:
        quarantine(path, Path(quarantine_dir), exc)
        raise
    return found


def quarantine(path: Path, quarantine_dir: Path, error: StatementError) -> Path:
    """Move ``path`` into ``quarantine_dir`` (never overwriting) with the reason beside it."""
    private_folder(quarantine_dir)
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

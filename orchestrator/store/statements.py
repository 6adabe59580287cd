"""The registry of imported bank statements, so that none is imported twice."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bots.runtime.errors import DuplicateStatementError
from orchestrator.store.base import StoreBase
from orchestrator.store.models import ImportedStatement

__all__ = ["StatementKey", "StatementsMixin"]

#: (account IBAN, statement id, sequence); the sequence is ``None`` for formats without one.
StatementKey = tuple[str, str, str | int | None]


def _parts(key: StatementKey) -> tuple[str, str, str]:
    iban, statement_id, sequence = key
    return iban.replace(" ", "").upper(), statement_id, "" if sequence is None else str(sequence)


class StatementsMixin(StoreBase):
    def statement_seen(self, key: StatementKey) -> bool:
        iban, statement_id, sequence = _parts(key)
        with self._tx() as s:
            found = s.exec(
                select(ImportedStatement.id).where(
                    ImportedStatement.account_iban == iban,
                    ImportedStatement.statement_id == statement_id,
                    ImportedStatement.sequence == sequence,
                )
            ).first()
        return found is not None

    def remember_statement(self, key: StatementKey, source: str = "") -> None:
        """Record the statement as imported; raises ``DuplicateStatementError`` if it was."""
        iban, statement_id, sequence = _parts(key)
        record = ImportedStatement(
            account_iban=iban, statement_id=statement_id, sequence=sequence, source=str(source)
        )
        try:
            with self._tx(write=True) as s:
                s.add(record)
        except IntegrityError:
            raise DuplicateStatementError(
                f"statement {statement_id} (sequence {sequence or '-'}) of {iban} "
                "was imported before",
                file=str(source) or None,
            ) from None

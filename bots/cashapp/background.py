"""The second core for a month end: a statement file parsed in a child process while this
one reads the open items.

``finbots match`` reads two large files before it can decide anything. Reading the ERP
export and building its index is the longer of the two, and both are single-threaded
Python, so the statement is parsed in a forked child meanwhile and its entries come back
through a pipe as plain tuples (a pickled frozen dataclass costs twice as much to read
back). Small files, a machine with one core for this process, a platform without ``fork``
or ``FINBOTS_MATCH_PARALLEL=0`` parse in this process, as before.

Errors stay what they were: a statement error raised in the child is raised here with the
same message (file and place); a child that died or could not send its result has the
file parsed again here, so whatever went wrong is reported by the parser itself.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

from bots.cashapp.bulk import paused_gc
from bots.cashapp.model import Statement, StatementEntry
from bots.cashapp.statements import parse_file_statements
from bots.runtime.errors import FinbotsError

ENV_VAR = "FINBOTS_MATCH_PARALLEL"
#: below this size a statement is parsed in this process (a fork costs more than it saves)
MIN_BYTES = 2 * 1024 * 1024

# a statement without its entries, and an entry, as tuples of plain values
_Packed = tuple[tuple[object, ...], list[tuple[object, ...]]]


def use_child(path: Path) -> bool:
    """Whether ``path`` is parsed in a child: ``FINBOTS_MATCH_PARALLEL`` 1 or 0 decides,
    else a file of :data:`MIN_BYTES` or more when this process may use two cores."""
    setting = os.environ.get(ENV_VAR, "").strip()
    if setting in ("0", "1"):
        return setting == "1" and _can_fork()
    try:
        large = path.stat().st_size >= MIN_BYTES
    except OSError:
        return False  # the parser names the file and the problem
    return large and _can_fork() and _cores() >= 2


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Parse = Callable[[Path], list[Statement]]


class StatementsInBackground:
    """The statements of a file, parsed by ``parse`` in a child started right away (or
    here, later, when :func:`use_child` says no). ``cpu`` and ``wall``: the seconds the
    parse took, in whichever process did it, with the unpacking here."""

    def __init__(self, path: Path, parse: Parse = parse_file_statements) -> None:
        self.path = path
        self.parse = parse
        self.cpu = self.wall = 0.0
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[tuple[_Packed | list[Statement], float, float]] | None = None
        if use_child(path):
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(_parse_packed, parse, path)

    def result(self) -> list[Statement]:
        """The statements, or the error their parse raised."""
        if self._future is None:
            return self._here()
        try:
            packed, self.cpu, self.wall = self._future.result()
        except FinbotsError:
            raise
        except Exception:  # the child died, or its result could not come back
            return self._here()
        finally:
            self._close()
        wall, cpu = time.perf_counter(), time.process_time()
        statements = _unpack(packed)  # type: ignore[arg-type]
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        return statements

    def cancel(self) -> None:
        """Stop waiting for the child (another error ends the command first)."""
        if self._future is not None:
            self._future.cancel()
        self._close()

    def _here(self) -> list[Statement]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return self.parse(self.path)
        finally:
            self.wall = time.perf_counter() - wall
            self.cpu = time.process_time() - cpu

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _parse_packed(parse: Parse, path: Path) -> tuple[_Packed | list[Statement], float, float]:
    """In the child: the file's statements, packed, with the CPU and wall seconds spent."""
    wall, cpu = time.perf_counter(), time.process_time()
    with paused_gc():  # the child ends after this: a full collection would only cost
        packed = [_pack(s) for s in parse(path)]
    return packed, time.process_time() - cpu, time.perf_counter() - wall  # type: ignore[return-value]


def _pack(statement: Statement) -> _Packed:
    head = (statement.format, statement.statement_id, statement.sequence,
            statement.account_iban, statement.currency, statement.opening_balance,
            statement.closing_balance, statement.created_at, statement.from_date,
            statement.to_date, statement.source, statement.encoding)
    # amounts as text: Decimal's str gives back the same digits and exponent
    entries = [(e.entry_id, str(e.amount), e.currency, e.direction, e.booking_date,
                e.value_date, e.bank_reference, e.end_to_end_id, e.counterparty_name,
                e.counterparty_iban, e.creditor_reference, e.remittance_text, e.note)
               for e in statement.entries]
    return head, entries


def _unpack(packed: list[_Packed]) -> list[Statement]:
    statements = []
    for head, rows in packed:
        (fmt, statement_id, sequence, account_iban, currency, opening, closing, created,
         from_date, to_date, source, encoding) = head
        entries = tuple(StatementEntry(r[0], Decimal(r[1]), *r[2:])  # type: ignore[arg-type]
                        for r in rows)
        statements.append(Statement(
            fmt, statement_id, sequence, account_iban, currency,  # type: ignore[arg-type]
            opening, closing, created, from_date, to_date,  # type: ignore[arg-type]
            entries, source, encoding))  # type: ignore[arg-type]
    return statements

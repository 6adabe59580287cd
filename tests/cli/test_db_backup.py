"""``finbots db backup`` / ``db restore`` on SQLite and PostgreSQL: a backup restored into an
empty store holds every run, case and audit record, and ``finbots audit verify`` is intact."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.store import Store
from tests.store.scratch_db import scratch_db

runner = CliRunner()
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def urls(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """A source store (FINBOTS_DB_URL) and an empty target, each of the backend."""
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))  # audit key and head checkpoint
    monkeypatch.setenv("FINBOTS_ACTOR", "tester")
    with scratch_db(request.param, tmp_path, "source.db") as source, \
            scratch_db(request.param, tmp_path, "target.db") as target:
        monkeypatch.setenv("FINBOTS_DB_URL", source)
        yield source, target


def _seed(url: str) -> None:
    store = Store(url)
    try:
        store.ensure_queue("payments")
        for day in ("2026-11-30", "2026-12-01"):
            run = store.start_run("payment-posting", {"date": day}, "host-a", 10)
            store.add_step(run.id, app="legacy_erp", selector="post.submit", action="click")
            item = store.add_item("payments", f"BANK-{day}", {"amount": Decimal("950.00")})
            assert item is not None
            store.open_case(run.id, item.id, f"BANK-{day}", "UNMATCHED", "No open invoice",
                            {"amount": Decimal("950.00")}, [], [], "exact-reference",
                            amount=Decimal("950.00"), customer_id="C-002")
            store.finish_run(run.id, "successful", {"posted": 1}, None)
        for n in range(3):
            store.record_audit("fiona", "case.comment", f"case:{n + 1}", {"text": "checked"})
    finally:
        store.close()


def _contents(url: str) -> tuple[list[object], list[object], list[tuple[object, ...]]]:
    store = Store(url)
    try:
        runs = sorted((r.id, r.bot, r.args["date"], r.status) for r in store.list_runs())
        cases = sorted((c.id, c.reference, c.amount, c.status) for c in store.list_cases())
        audit = [(a.id, a.actor, a.action, a.hash) for a in store.iter_audit()]
        return runs, cases, audit
    finally:
        store.close()


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_backup_restored_into_an_empty_store_holds_everything(
        urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = urls
    _seed(source)
    runs, cases, audit = _contents(source)
    assert len(runs) == 2 and len(cases) == 2 and len(audit) >= 3
    backup = tmp_path / "store.finbots"
    code, out = _cli("db", "backup", str(backup))
    assert code == 0, out
    assert backup.stat().st_mode & 0o777 == 0o600
    assert "2 runs, 2 cases" in out

    code, out = _cli("db", "restore", str(backup), "--url", target)
    assert code == 0, out
    assert "audit trail intact" in out
    got_runs, got_cases, got_audit = _contents(target)
    assert (got_runs, got_cases) == (runs, cases)
    assert got_audit[:-1] == audit  # every record, same ids and hashes
    assert got_audit[-1][1:3] == ("tester", "store.restore")

    monkeypatch.setenv("FINBOTS_DB_URL", target)
    code, out = _cli("audit", "verify")
    assert code == 0, out
    assert f"intact: {len(audit) + 1} records" in out


def test_restoring_over_a_store_takes_it_back_to_the_backup(
        urls: tuple[str, str], tmp_path: Path) -> None:
    source, _target = urls
    _seed(source)
    runs, cases, audit = _contents(source)
    backup = tmp_path / "store.finbots"
    assert _cli("db", "backup", str(backup))[0] == 0
    later = Store(source)  # work done after the backup, then lost
    later.start_run("payment-posting", {"date": "2026-12-02"}, "host-a", 11)
    later.record_audit("fiona", "case.comment", "case:1", {"text": "after the backup"})
    later.close()

    code, out = _cli("db", "restore", str(backup))
    assert code == 1 and "holds" in out and "--force" in out  # not over data unasked
    code, out = _cli("db", "restore", str(backup), "--force")
    assert code == 0, out
    got_runs, got_cases, got_audit = _contents(source)
    assert (got_runs, got_cases, got_audit[:-1]) == (runs, cases, audit)
    # the head checkpoint had the lost record; the restore starts it at the backup's head
    code, out = _cli("audit", "verify")
    assert code == 0, out


@pytest.mark.parametrize("urls", ["sqlite"], indirect=True)  # the file, not the backend
def test_a_backup_is_never_written_over_unasked(urls: tuple[str, str], tmp_path: Path) -> None:
    source, _target = urls
    Store(source).close()
    backup = tmp_path / "store.finbots"
    assert _cli("db", "backup", str(backup))[0] == 0
    code, out = _cli("db", "backup", str(backup))
    assert code == 1 and "exists" in out
    assert _cli("db", "backup", str(backup), "--force")[0] == 0


def _members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def _rewrite(backup: Path, change: dict[str, object] | None = None,
             copy_from: Path | None = None) -> None:
    """Edit the manifest, or put another backup's database copy in."""
    members = _members(backup)
    manifest = json.loads(members["manifest.json"])
    manifest.update(change or {})
    members["manifest.json"] = json.dumps(manifest).encode()
    if copy_from is not None:
        members["store.sqlite"] = _members(copy_from)["store.sqlite"]
    with tarfile.open(backup, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("urls", ["sqlite"], indirect=True)
def test_an_edited_or_foreign_backup_is_refused(urls: tuple[str, str], tmp_path: Path) -> None:
    source, target = urls
    _seed(source)
    backup = tmp_path / "store.finbots"
    assert _cli("db", "backup", str(backup))[0] == 0
    pristine = backup.read_bytes()
    _rewrite(backup, {"rows": {"run": 1}})
    code, out = _cli("db", "restore", str(backup), "--url", target)
    assert code == 1 and "MAC" in out

    backup.write_bytes(pristine)  # the manifest kept, another copy put in
    store = Store(source)
    store.start_run("payment-posting", {"date": "2026-12-03"}, "host-a", 12)
    store.close()
    other_backup = tmp_path / "later.finbots"
    assert _cli("db", "backup", str(other_backup))[0] == 0
    _rewrite(backup, copy_from=other_backup)
    code, out = _cli("db", "restore", str(backup), "--url", target)
    assert code == 1 and "SHA-256" in out

    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    code, out = _cli("db", "restore", str(other), "--url", target)
    assert code == 1 and "not a finbots backup" in out

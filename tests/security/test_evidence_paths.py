"""Evidence files are served from the folder of the case's run and nowhere else.

A case's evidence is recorded as paths relative to its run folder; an entry that is
absolute, climbs out with ``..``, leads out through a symbolic link or names a run the case
has nothing to do with is refused when served, even when the row was written behind the
application's back. A bot naming a file outside its run folder has it copied in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from bots.runtime.evidence import parse_entry, record, safe_relative
from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store
from orchestrator.store.models import ExceptionCase, WorkItem

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@dataclass
class Site:
    store: Store
    runs: Path
    client: TestClient

    def run_folder(self, run_id: int) -> Path:
        folder = self.runs / str(run_id)
        (folder / "screenshots").mkdir(parents=True, exist_ok=True)
        return folder

    def case_with(self, evidence: list[str], run_id: int | None = None) -> ExceptionCase:
        """A case of a new run (or ``run_id``), its evidence set as given (raw row)."""
        run_id = run_id or self.store.start_run("evidence-bot", {}, "host", 1).id
        assert run_id is not None
        case = self.store.open_case(run_id, None, f"REF-{os.urandom(4).hex()}", "AMBIGUOUS",
                                    "two invoices fit")
        with self.store._tx(write=True) as s:
            s.exec(update(ExceptionCase).where(ExceptionCase.id == case.id)  # type: ignore[call-overload]
                   .values(evidence=evidence))
        return self.store.get_case(case.id or 0)

    def status(self, case: ExceptionCase, n: int) -> int:
        return self.client.get(f"/cases/{case.id}/evidence/{n}").status_code


def support_token(store: Store, name: str = "support-desk") -> str:
    """A bearer token of a support user (a token acts as a person who holds its roles)."""
    accounts.add_user(store, name, "Pw-for-evidence-tests-1!", ["support"])
    try:
        return accounts.create_token(store, name, ["support"], owner=name)[1]
    except TypeError:  # tokens without an owner
        return accounts.create_token(store, name, ["support"])[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("evidence")
    store = Store(f"sqlite:///{home / 'data' / 'finbots.db'}")
    app = create_app(store)
    runs = home / "runs"
    runs.mkdir()
    app.state.runs_dir = runs
    token = support_token(store)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"},
                    raise_server_exceptions=False) as client:
        yield Site(store, runs, client)
    store.close()


def test_the_cases_own_screenshot_is_served(site: Site) -> None:
    case = site.case_with(["screenshots/0001-failed.png"])
    (site.run_folder(case.run_id or 0) / "screenshots" / "0001-failed.png").write_bytes(PNG)
    response = site.client.get(f"/cases/{case.id}/evidence/0")
    assert response.status_code == 200 and response.content == PNG
    detail = site.client.get(f"/api/v1/cases/{case.id}").json()
    assert detail["evidence"][0]["url"] == f"/cases/{case.id}/evidence/0"
    assert detail["evidence"][0]["run_url"] == (
        f"/runs/{case.run_id}/artifacts/screenshots/0001-failed.png")


def test_a_file_beside_the_run_folders_is_never_served(site: Site) -> None:
    """A store or any other file in the runs folder but outside the case's run folder."""
    secret = site.runs / "finbots.db"
    secret.write_bytes(b"SQLite format 3\x00 password hashes")
    (site.runs / "finbots.db-wal").write_bytes(b"wal")
    case = site.case_with([])
    folder = site.run_folder(case.run_id or 0)
    (folder / "screenshots" / "ok.png").write_bytes(PNG)
    bad = ["../finbots.db", "../finbots.db-wal", str(secret), "screenshots/../../finbots.db",
           str(folder / "screenshots" / "ok.png"),  # inside, but recorded absolute
           "..\\finbots.db", "/etc/passwd", "", "screenshots/\x00.png", "run:0/finbots.db"]
    case = site.case_with(bad, run_id=case.run_id)
    for n, entry in enumerate(bad):
        assert site.status(case, n) == 404, entry
    detail = site.client.get(f"/api/v1/cases/{case.id}").json()
    assert [e["url"] for e in detail["evidence"]] == [None] * len(bad)
    assert [e["run_url"] for e in detail["evidence"]] == [None] * len(bad)


def test_links_leading_out_of_the_run_folder_are_refused(site: Site) -> None:
    outside = site.runs.parent / "outside.txt"
    outside.write_text("not for you")
    case = site.case_with(["screenshots/link.png", "screenshots/inside-link.png"])
    folder = site.run_folder(case.run_id or 0)
    os.symlink(outside, folder / "screenshots" / "link.png")
    (folder / "screenshots" / "real.png").write_bytes(PNG)
    os.symlink(folder / "screenshots" / "real.png", folder / "screenshots" / "inside-link.png")
    assert site.status(case, 0) == 404
    assert site.status(case, 1) == 200  # a link that stays inside is fine

    # the run folder itself a link to somewhere else
    linked = site.case_with(["outside.txt"])
    os.symlink(site.runs.parent, site.runs / str(linked.run_id))
    assert site.status(linked, 0) == 404
    assert site.client.get(f"/runs/{linked.run_id}/artifacts/outside.txt").status_code == 404


def test_a_second_name_of_a_file_elsewhere_is_refused(site: Site) -> None:
    """A hard link in a run folder is the key file (or the store) under another name."""
    key = site.runs.parent / "audit.key"
    key.write_bytes(b"k" * 32)
    case = site.case_with(["screenshots/key.png"])
    folder = site.run_folder(case.run_id or 0)
    os.link(key, folder / "screenshots" / "key.png")
    assert site.status(case, 0) == 404
    assert site.client.get(f"/runs/{case.run_id}/artifacts/screenshots/key.png"
                           ).status_code == 404


def test_another_runs_folder_only_when_the_case_names_that_run(site: Site) -> None:
    """A later run that carried out a person's decision for the case adds its failure
    screenshot as ``run:<id>/...``; a run the case does not name is refused."""
    store = site.store
    case = site.case_with([])
    later = store.start_run("evidence-bot", {}, "host", 1).id
    stranger = store.start_run("evidence-bot", {}, "host", 1).id
    assert later is not None and stranger is not None
    for run_id in (later, stranger):
        (site.run_folder(run_id) / "screenshots" / "0002-failed.png").write_bytes(PNG)
    store.ensure_queue("evidence-q")
    with store._tx(write=True) as s:  # a hand-back's item: no add carries a decision
        item = WorkItem(queue="evidence-q", reference=f"DECIDED-{case.id}",
                        payload={"resolves_case": case.id})
        s.add(item)
        s.flush()
        s.expunge(item)
    claimed = store.claim_item("evidence-q", "robot", run_id=later)
    assert claimed is not None and claimed.id == item.id
    with store._tx(write=True) as s:
        s.exec(update(ExceptionCase).where(ExceptionCase.id == case.id)  # type: ignore[call-overload]
               .values(resolution_item_id=item.id))
    # the later run's failure adds its screenshot to the case it was carrying out
    store.open_case(later, item.id, case.reference, "ERP_REJECTED", "refused",
                    evidence=["screenshots/0002-failed.png"])
    case = store.get_case(case.id or 0)
    assert case.evidence == [f"run:{later}/screenshots/0002-failed.png"]
    assert site.status(case, 0) == 200

    named_stranger = site.case_with([*case.evidence,
                                     f"run:{stranger}/screenshots/0002-failed.png"],
                                    run_id=case.run_id)
    assert site.status(named_stranger, 1) == 404


def test_recorded_paths_are_relative_to_the_run_folder(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "7"
    (run / "downloads").mkdir(parents=True)
    (run / "downloads" / "stmt.xml").write_text("<Document/>")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "stmt.xml").write_text("<Document>other</Document>")

    assert record(run / "downloads" / "stmt.xml", run) == "downloads/stmt.xml"
    assert record("screenshots/0001.png", run) == "screenshots/0001.png"
    assert record("../6/downloads/stmt.xml", run) is None
    assert record(tmp_path / "missing.xml", run) is None
    # a file from elsewhere is copied in, once per content
    copied = record(inbox / "stmt.xml", run)
    assert copied == "evidence/stmt.xml"
    assert (run / copied).read_text() == "<Document>other</Document>"
    assert record(inbox / "stmt.xml", run) == copied
    (inbox / "stmt.xml").write_text("<Document>changed</Document>")
    assert record(inbox / "stmt.xml", run) == "evidence/stmt-1.xml"


@pytest.mark.parametrize(("entry", "expected"), [
    ("screenshots/a.png", (None, "screenshots/a.png")),
    ("./screenshots//a.png", (None, "screenshots/a.png")),
    ("run:12/screenshots/a.png", (12, "screenshots/a.png")),
    ("run:12/../finbots.db", None),
    ("run:0/a.png", None),
    ("run:-1/a.png", None),
    ("/abs/a.png", None),
    ("a/../../b", None),
    ("C:/x", None),
    ("a\\b", None),
    ("a\nb", None),
    ("", None),
])
def test_entries_that_can_be_served(entry: str, expected: tuple[int | None, str] | None) -> None:
    assert parse_entry(entry) == expected


def test_safe_relative_keeps_clean_paths() -> None:
    assert safe_relative("screenshots/0001-failed.png") == "screenshots/0001-failed.png"
    assert safe_relative("..") is None and safe_relative(".") is None


def test_the_live_store_is_never_served_even_from_inside_a_run_folder(site: Site) -> None:
    """Reading the store from inside the server would drop the server's own SQLite locks:
    a link to it in a run folder is refused, as evidence and as a run's file."""
    database = site.store.engine.url.database
    assert database is not None
    case = site.case_with(["store.db"])
    folder = site.run_folder(case.run_id or 0)
    os.link(database, folder / "store.db")
    assert site.status(case, 0) == 404
    assert site.client.get(f"/runs/{case.run_id}/artifacts/store.db").status_code == 404
    (folder / "other.db").write_bytes(b"SQLite format 3\x00 a bot's own file")
    assert site.client.get(f"/runs/{case.run_id}/artifacts/other.db").status_code == 200


def test_a_run_log_leading_out_of_its_folder_reads_as_empty(site: Site) -> None:
    outside = site.runs.parent / "outside.log"
    outside.write_text("2026-12-01 10:00:00 | INFO | x | a line from elsewhere\n")
    run_id = site.store.start_run("evidence-bot", {}, "host", 1).id
    os.symlink(outside, site.run_folder(run_id or 0) / "bot.log")
    page = site.client.get(f"/api/v1/runs/{run_id}/log").json()
    assert page["lines"] == [] and page["size"] == 0
    assert "from elsewhere" not in site.client.get(f"/runs/{run_id}/log?tail=1").text
    assert site.client.get(f"/runs/{run_id}/artifacts/bot.log").status_code == 404

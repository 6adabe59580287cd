"""A job started from the API or the web UI names files only in the folders meant for
them (``<home>/inbox``, and those of ``FINBOTS_FILE_ROOTS``): the payment-posting bot
moves a statement it cannot read into the quarantine and reads the matching settings it
is given, so a free path would let an operator move the server's key files or its store
out of the way, or read what they hold."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orchestrator.services.jobs import FILE_ROOTS_ENV, plan_job
from orchestrator.store import Store


@pytest.fixture
def inbox(db_path: Path) -> Path:
    folder = db_path.parent / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def start(client: TestClient, bearer: Callable[[str], dict[str, str]],
          ) -> Callable[..., tuple[int, str]]:
    """``start(**args)``: a payment-posting job asked for by an operator over the API."""
    operator = bearer("operator")

    def ask(**args: str) -> tuple[int, str]:
        done = client.post("/api/v1/jobs", headers=operator,
                           json={"bot": "payment-posting", "args": args})
        return done.status_code, done.text
    return ask


@pytest.mark.parametrize("arg", ["statement_file", "matching_config", "advice_folder"])
def test_a_path_outside_the_inbox_is_refused_and_no_job_queued(
        start: Callable[..., tuple[int, str]], store: Store, inbox: Path, tmp_path: Path,
        arg: str) -> None:
    key = tmp_path / "credentials" / "master.key"
    key.parent.mkdir()
    key.write_bytes(b"secret")
    for path in (key, inbox / ".." / "credentials" / "master.key", key.parent):
        status, text = start(**{arg: str(path)})
        assert status == 422 and f"argument {arg}" in text and "outside" in text
    link = inbox / "statement.xml"
    link.symlink_to(key)  # a link in the inbox leading out is judged by where it leads
    status, text = start(**{arg: str(link)})
    assert status == 422 and f"argument {arg}" in text
    assert store.list_jobs() == [] and key.read_bytes() == b"secret"


def test_a_file_in_the_inbox_or_a_configured_folder_is_accepted(
        start: Callable[..., tuple[int, str]], store: Store, inbox: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    statement = inbox / "camt053.xml"
    statement.write_text("<Document/>")
    assert start(statement_file=str(statement))[0] == 201
    elsewhere = tmp_path / "bank-drop"
    elsewhere.mkdir()
    monkeypatch.setenv(FILE_ROOTS_ENV, os.pathsep.join(["", str(elsewhere)]))
    assert start(advice_folder=str(elsewhere))[0] == 201
    (job_one, job_two) = sorted(store.list_jobs(), key=lambda j: j.id or 0)
    assert job_one.args["statement_file"] == str(statement.resolve())
    assert job_two.args["advice_folder"] == str(elsewhere.resolve())


def test_the_command_line_on_the_server_may_name_any_file(tmp_path: Path) -> None:
    plan = plan_job("payment-posting", {"statement_file": str(tmp_path / "x.xml")},
                    local=True)
    assert plan.args["statement_file"] == tmp_path / "x.xml"

"""The platform end to end, with a bot nobody registered by hand.

``finbots new bot`` writes a bot into a temporary folder outside the repository; only
``FINBOTS_BOTS_PATH`` tells finbots about it. The bot is listed, started from the command
line, by a schedule the scheduler service fires and from the web UI (a real server, a
robot process, Chromium), each under its own name; its steps are recorded; its
BusinessFailure lands in the inbox as its own case type with its own resolutions; and a
person's resolution, chosen in the web UI, is carried out by the bot on its next run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from typer.testing import CliRunner

from orchestrator.cli import app as cli
from orchestrator.scheduler import SchedulerService
from orchestrator.store import RunRecord, Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webharness import LiveServer, login, new_context, seed_users, start_server

pytestmark = [pytest.mark.browser, pytest.mark.web]

REPO = Path(__file__).resolve().parents[2]
BOT = "ledger-review"  # a name no other test uses
APP_URL_ENV = "FINBOTS_LEDGER_REVIEW_URL"
QUEUE = BOT
OVERPAID_ENTRY = "LE-1003"  # the sample app's entry paid 880.00 for 800.00
runner = CliRunner()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Platform:
    bots: Path
    server: LiveServer
    robot: subprocess.Popen[bytes]

    @property
    def store(self) -> Store:
        return self.server.store

    def cli(self, *args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    def wait_for_job(self, job_id: int, timeout: float = 180) -> RunRecord:
        import time

        deadline = time.monotonic() + timeout
        while (job := self.store.get_run(job_id)).status in ("pending", "running"):
            if self.robot.poll() is not None or time.monotonic() > deadline:
                log = (self.server.home / "robot.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"job {job_id} is {job.status}; robot log:\n{log}")
            time.sleep(0.2)
        return job

    def outcome(self, run_id: int, day: str) -> dict[str, Any]:
        """What a run of one day left: its status, steps, items and cases."""
        run = self.store.get_run(run_id)
        items = {i.reference: i.state for i in self.store.list_items(QUEUE)
                 if i.reference.startswith(f"{day}/")}
        cases = self.store.list_cases(run_id=run_id)
        steps = {(s.action, s.selector) for s in self.store.list_steps(run_id)}
        return {"bot": run.bot, "status": run.status, "items": items, "cases": cases,
                "steps": steps}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    base = tmp_path_factory.mktemp("platform")
    bots = base / "bots"
    assert not bots.resolve().is_relative_to(REPO)
    result = runner.invoke(cli, ["new", "bot", BOT, "--dir", str(bots)])
    assert result.exit_code == 0, result.output

    handler = functools.partial(_Quiet, directory=str(bots / BOT / "app"))
    target = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=target.serve_forever, daemon=True).start()

    env = pytest.MonkeyPatch()
    env.setenv("FINBOTS_BOTS_PATH", str(bots))
    env.setenv(APP_URL_ENV, f"http://127.0.0.1:{target.server_address[1]}")
    env.delenv("FINBOTS_RUNS_DIR", raising=False)
    server = start_server(base)  # its environment: ours, plus its own home, store, key
    for key in ("FINBOTS_HOME", "FINBOTS_DB_URL", "FINBOTS_MASTER_KEY", "FINBOTS_ACTOR"):
        env.setenv(key, server.env[key])
    seed_users(server.store)
    robot_log = (server.home / "robot.log").open("ab")
    robot = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "robots", "start", "--name", "e2e-robot",
         "--poll", "0.2"], cwd=base, env=dict(server.env), stdout=robot_log,
        stderr=robot_log)
    platform = Platform(bots, server, robot)
    try:
        env.setenv("LEDGER_USER", "clerk")
        env.setenv("LEDGER_PASSWORD", "Ledger-Pw-1")
        platform.cli("vault", "set", f"{BOT}/app", "username", "--bot", BOT,
                     "--value-env", "LEDGER_USER")
        platform.cli("vault", "set", f"{BOT}/app", "password", "--value-env", "LEDGER_PASSWORD")
        yield platform
    finally:
        robot.terminate()
        try:
            robot.wait(20)
        except subprocess.TimeoutExpired:
            robot.kill()
        robot_log.close()
        server.stop()
        target.shutdown()
        env.undo()


@pytest.fixture
def page_as(chromium: Browser, platform: Platform) -> Iterator[Callable[[str], Page]]:
    contexts = []

    def make(role: str) -> Page:
        context = new_context(chromium, platform.server)
        contexts.append(context)
        page = context.new_page()
        login(page, role)
        return page

    yield make
    for context in contexts:
        context.close()


def assert_ran_the_day(platform: Platform, run_id: int, day: str) -> Any:
    """The run worked the day's three entries and opened one OVERPAID case; returns it."""
    seen = platform.outcome(run_id, day)
    assert (seen["bot"], seen["status"]) == (BOT, "successful")
    assert seen["items"] == {f"{day}/LE-1001": "successful", f"{day}/LE-1002": "successful",
                             f"{day}/{OVERPAID_ENTRY}": "failed"}
    assert {("rows", "entries.row"), ("click", "entry.confirm"),
            ("fill", "login.password")} <= seen["steps"]
    [case] = seen["cases"]
    assert (case.reason_code, case.reference, case.bot) == (
        "OVERPAID", f"{day}/{OVERPAID_ENTRY}", BOT)
    assert case.status == "open" and case.data["difference"] == "80.00"
    return case


def test_a_new_bot_from_list_to_resolution(platform: Platform,
                                           page_as: Callable[[str], Page]) -> None:
    # listed, with what it declares and where it was found
    listed = {b["name"]: b for b in json.loads(platform.cli("bots", "list", "--json"))}
    assert listed[BOT]["case_types"][0]["reason"] == "OVERPAID"
    assert [a["name"] for a in listed[BOT]["arguments"]] == ["day", "limit"]
    assert str(platform.bots) in listed[BOT]["origin"]

    # 1. from the command line, in this process
    out = json.loads(platform.cli("run", BOT, "--arg", "day=2026-03-02", "--json"))
    cli_case = assert_ran_the_day(platform, out["run_id"], "2026-03-02")

    # 2. from a schedule: a one-off date schedule, fired by the scheduler service
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    platform.cli("schedules", "add", f"{BOT}-once", BOT, "--at",
                 at.replace(tzinfo=None).isoformat(), "--arg", "day=2026-03-03")
    [fired] = SchedulerService(platform.store).tick(now=at + dt.timedelta(seconds=5))
    assert fired.bot == BOT and fired.schedule_id is not None
    assert platform.wait_for_job(fired.id).status == "successful"
    scheduled_case = assert_ran_the_day(platform, fired.id, "2026-03-03")

    # 3. from the web UI: its page on the Bots list, its arguments as a form
    operator = page_as("operator")
    operator.goto("/bots")
    operator.get_by_role("link", name=BOT, exact=True).click()
    form = operator.get_by_role("form", name=f"Start a job of {BOT}")
    form.locator("input[name='arg.day']").fill("2026-03-04")
    form.get_by_role("button", name="Start job").click()
    operator.wait_for_load_state()
    job = wait_for_new_job(platform, after=fired.id)
    assert platform.wait_for_job(job.id).status == "successful"
    assert_ran_the_day(platform, job.id, "2026-03-04")

    # the inbox shows the bot's own case type and resolutions
    reviewer = page_as("finance_reviewer")
    reviewer.goto(f"/cases/{cli_case.id}")
    body = reviewer.locator("main").inner_text()
    assert "Paid more than the invoice" in body and "Paid too much" in body
    assert "Bank line" not in body
    refund = reviewer.locator("form.action-refund")
    assert refund.locator("input[name=amount]").input_value() == "80.00"
    assert reviewer.locator("form.action-keep_credit").count() == 1

    # a person decides: refund (web UI), keep as credit (API: recorded, resolved at once)
    refund.locator("input[name=note]").fill("customer asked")
    refund.get_by_role("button", name="Refund the difference").click()
    reviewer.wait_for_load_state()
    assert platform.store.get_case(cli_case.id).status != "open"
    api = api_as(platform, "finance_reviewer")
    answer = api.post(f"/api/v1/cases/{scheduled_case.id}/resolutions/keep_credit",
                      json={"note": "credit for the next invoice"})
    assert answer.status_code == 200, answer.text
    assert platform.store.get_case(scheduled_case.id).status == "resolved"

    # the bot's next run carries the refund out, and the case resolves
    out = json.loads(platform.cli("run", BOT, "--arg", "day=2026-03-02", "--json"))
    assert out["status"] == "successful" and out["summary"]["added"] == 0
    [booked] = platform.store.list_items(QUEUE, run_id=out["run_id"])
    assert booked.reference == f"2026-03-02/{OVERPAID_ENTRY}"
    assert booked.state == "successful"
    assert booked.output == {"summary": f"Refunded 80.00 for {OVERPAID_ENTRY}"}
    assert platform.store.get_case(cli_case.id).status == "resolved"
    history = [e.text for e in platform.store.case_events(cli_case.id)]
    assert any(f"Refunded 80.00 for {OVERPAID_ENTRY}" in (t or "") for t in history), history


def wait_for_new_job(platform: Platform, after: int) -> RunRecord:
    jobs = [j for j in platform.store.list_jobs(bot=BOT) if j.id is not None and j.id > after]
    assert len(jobs) == 1, jobs
    return jobs[0]


def api_as(platform: Platform, role: str) -> Any:
    from webharness import api_client

    return api_client(platform.server, role)

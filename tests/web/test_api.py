"""The ``/api/v1`` routes: all documented, all guarded, and the runs and fleet ones working."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from webharness import LiveServer
from webseed import seed_failed_run, write_log

from orchestrator.app import create_app
from orchestrator.scheduler import Leadership, leader_lock
from orchestrator.scheduler import schedules as scheduling
from orchestrator.store import Store

pytestmark = pytest.mark.web


def _permission(route: APIRoute) -> Any:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "permission", None) is not None:
            return dep.call.permission
        stack.extend(dep.dependencies)
    return None


def _api_routes() -> list[tuple[str, set[str], APIRoute]]:
    """(full path, methods, route) of every API route, routers included at any depth."""
    app = create_app(Store("sqlite://"))
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI >= 0.130
    found = []
    for ctx in flatten(app.routes) if flatten else app.routes:
        route = getattr(ctx, "original_route", ctx)
        if isinstance(route, APIRoute) and ctx.path.startswith("/api/v1"):
            found.append((getattr(ctx, "path_format", ctx.path), set(ctx.methods), route))
    return found


def test_every_api_route_is_documented_and_guarded() -> None:
    paths = create_app(Store("sqlite://")).openapi()["paths"]
    routes = _api_routes()
    assert len(routes) > 20
    for path, methods, _route in routes:
        documented = paths.get(path.removeprefix("/api/v1"), paths.get(path, {}))
        for method in methods - {"HEAD"}:
            assert method.lower() in documented, f"{method} {path} not in the OpenAPI document"
    mine = [(p, r) for p, _m, r in routes if p.split("/")[3] in {
        "runs", "jobs", "queues", "items", "schedules", "robots", "dashboard"}]
    assert len(mine) == 21  # runs 4, jobs 4, queues 2, items 5, schedules 3, robots 1, dashboard 2
    for path, route in mine:
        assert _permission(route) is not None, f"{path} has no permission check"
        assert route.response_model is not None, f"{path} has no response model"


@pytest.fixture(scope="module")
def run_id(live_server: LiveServer) -> int:
    rid = seed_failed_run(live_server.store, live_server.runs, bot="web-api-bot")
    write_log(live_server.run_dir(rid) / "bot.log", 1200, error_every=100)
    return rid


def test_runs_api(api: Callable[[str], Any], run_id: int) -> None:
    client = api("support")
    page = client.get("/api/v1/runs", params={"bot": "web-api-bot", "status": "failed"}).json()
    assert page["total"] >= 1 and page["runs"][0]["id"] == run_id
    run = client.get(f"/api/v1/runs/{run_id}").json()
    assert run["first_failed_step"] == 3 and run["failed_steps"] == 1
    assert run["trace_url"] == f"/runs/{run_id}/trace.zip"
    assert f"/runs/{run_id}/artifacts/screenshots/0003-failed-post.png" in run["screenshots"]
    steps = client.get(f"/api/v1/runs/{run_id}/steps").json()
    assert [s["outcome"] for s in steps] == ["ok", "ok", "failed", "skipped"]
    assert steps[0]["data"]["password"] == "***"
    log = client.get(f"/api/v1/runs/{run_id}/log", params={"limit": 100}).json()
    assert len(log["lines"]) == 100 and log["lines"][-1]["number"] == 100
    more = client.get(f"/api/v1/runs/{run_id}/log", params={
        "offset": log["next_offset"], "line": log["next_line"], "level": "ERROR"}).json()
    assert [ln["number"] for ln in more["lines"]][:2] == [200, 300]
    assert client.get("/api/v1/runs/999999").status_code == 404
    assert client.get("/api/v1/runs", params={"since": "yesterday"}).status_code == 422


def test_jobs_api(api: Callable[[str], Any], live_server: LiveServer) -> None:
    client = api("operator")
    job = client.post("/api/v1/jobs", json={"bot": "web-ledger", "args": {"mode": "full"}})
    assert job.status_code == 201, job.text
    body = job.json()
    assert body["status"] == "pending" and body["requested_by"] == "web-test-operator"
    assert client.get("/api/v1/jobs", params={"status": "pending"}).status_code == 200
    stopped = client.post(f"/api/v1/jobs/{body['id']}/stop").json()
    assert stopped["status"] == "stopped"
    again = client.post(f"/api/v1/jobs/{body['id']}/kill")
    assert again.status_code == 409
    bad = client.post("/api/v1/jobs", json={"bot": "os:system"})
    assert bad.status_code == 422 and "known bots" in bad.text
    assert api("support").post("/api/v1/jobs", json={"bot": "payment-posting"}).status_code \
        == 403
    audit = live_server.store.list_audit(limit=20, action="job.stop")
    assert any(r.target == f"job:{body['id']}" for r in audit)


def test_items_api(api: Callable[[str], Any], live_server: LiveServer) -> None:
    store = live_server.store
    store.ensure_queue("web-api-q", max_retries=0)
    client = api("developer")
    added = client.post("/api/v1/items", json={"queue": "web-api-q", "reference": "A-1",
                                               "payload": {"amount": "3.00"}})
    assert added.status_code == 201, added.text
    item_id = added.json()["id"]
    assert client.post("/api/v1/items", json={"queue": "web-api-q",
                                              "reference": "A-1"}).status_code == 409
    listed = client.get("/api/v1/items", params={"queue": "web-api-q", "reference": "a-"})
    assert [i["id"] for i in listed.json()["items"]] == [item_id]
    assert client.get(f"/api/v1/items/{item_id}").json()["payload"] == {"amount": "3.00"}
    assert client.post(f"/api/v1/items/{item_id}/retry").status_code == 409  # still new
    claimed = store.claim_item("web-api-q", "r")
    assert claimed is not None
    store.fail_item(claimed.id or 0, "application", "TIMEOUT", "slow")
    clone = client.post(f"/api/v1/items/{item_id}/retry").json()
    assert clone["parent_id"] == item_id and clone["state"] == "new"
    assert client.delete(f"/api/v1/items/{clone['id']}").json()["state"] == "deleted"
    queues = {q["name"]: q for q in client.get("/api/v1/queues").json()}
    assert queues["web-api-q"]["counts"] == {"retried": 1, "deleted": 1}
    assert api("support").delete(f"/api/v1/items/{item_id}").status_code == 403


def test_schedules_and_robots_api(api: Callable[[str], Any], live_server: LiveServer) -> None:
    store = live_server.store
    scheduling.add_schedule(store, "web-api-sched", "payment-posting", "interval", {"every": "15m"})
    store.register_robot("web-api-robot", "host-z", 77, 1)
    client = api("developer")
    rows = {s["name"]: s for s in client.get("/api/v1/schedules").json()}
    assert len(rows["web-api-sched"]["next_fire_times"]) == 3
    assert client.post("/api/v1/schedules/web-api-sched/pause").json()["enabled"] is False
    assert client.post("/api/v1/schedules/web-api-sched/resume").json()["enabled"] is True
    assert client.post("/api/v1/schedules/nope/pause").status_code == 404
    robots = {r["name"]: r for r in client.get("/api/v1/robots").json()}
    assert robots["web-api-robot"]["status"] == "idle"
    assert robots["web-api-robot"]["heartbeat_age_seconds"] >= 0
    leadership = Leadership(leader_lock(store, "node-east"), "node-east")
    assert leadership.beat()
    try:
        nodes = client.get("/api/v1/nodes").json()
    finally:
        leadership.stop()
    assert [(n["node"], n["leads"]) for n in nodes] == [("node-east", True)]
    assert client.get("/api/v1/nodes").json() == []  # it stepped down: nobody leads


def test_anonymous_callers_get_401(live_server: LiveServer) -> None:
    import httpx

    for path in ("/api/v1/runs", "/api/v1/jobs", "/api/v1/dashboard", "/api/v1/robots"):
        assert httpx.get(f"{live_server.url}{path}").status_code == 401

"""Every route of the app, with every role and anonymously: the role table decides.

The permission a route needs is read from its ``require`` dependency (``check.permission``),
so routes added later are covered without touching this file. A route without one fails,
unless it is listed in ``OPEN_ROUTES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import fastapi.routing
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from orchestrator.app import create_app
from orchestrator.roles import ROLE_PERMISSIONS, Permission, Role
from orchestrator.store import Store

OPEN_ROUTES = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}
_HEALTH = re.compile(r"/health(z)?$")
PRINCIPALS: list[str | None] = [None, *(r.value for r in Role)]


def _permissions(dependant: Dependant) -> set[Permission]:
    found: set[Permission] = set()
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, Permission):
            found.add(permission)
        found |= _permissions(sub)
    return found


def _routes() -> Iterator[tuple[str, str, Any]]:
    """Every (method, full path, route) of the app, routers included at any depth."""
    app = create_app(Store("sqlite://"))
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI >= 0.130
    for route in flatten(app.routes) if flatten else app.routes:
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue  # /static mount, OpenAPI document and docs pages
        for method in sorted(set(route.methods) - {"HEAD", "OPTIONS"}):
            yield method, route.path, route


ROUTES = list(_routes())


def _fill(path: str) -> str:
    return re.sub(r"{[^}]+}", "999999", path)


def _call(client: Any, method: str, path: str) -> Any:
    if method in ("GET", "DELETE"):
        return client.request(method, path)
    return client.request(method, path, json={})


def test_every_route_is_covered() -> None:
    unprotected = [f"{m} {p}" for m, p, r in ROUTES
                   if not _permissions(r.dependant) and (m, p) not in OPEN_ROUTES
                   and not _HEALTH.search(p)]
    assert unprotected == [], "routes without Depends(require(...))"
    assert len(ROUTES) >= 3


@pytest.mark.parametrize(("method", "path", "route"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_allows_exactly_its_roles(role_app: Any, method: str, path: str,
                                        route: Any) -> None:
    needed = _permissions(route.dependant)
    if not needed:
        pytest.skip("open route")
    url = _fill(path)
    wrong = []
    for role in PRINCIPALS:
        response = _call(role_app.client(role), method, url)
        code = response.status_code
        if role is None:
            to_login = code == 303 and response.headers["location"].startswith("/login?next=")
            ok = code == 401 if path.startswith("/api/") else to_login
            if not ok:
                wrong.append(f"anonymous got {code}")
            continue
        allowed = needed <= ROLE_PERMISSIONS[Role(role)]
        if allowed and code in (401, 403):
            wrong.append(f"{role} (allowed) got {code}")
        if not allowed and code != 403:
            wrong.append(f"{role} (not allowed) got {code}")
    assert wrong == [], f"{method} {path} needs {sorted(needed)}"


def test_the_bots_routes_declare_their_permissions() -> None:
    needs = {(m, p): _permissions(r.dependant) for m, p, r in ROUTES}
    for path in ("/bots", "/bots/{name}", "/api/v1/bots", "/api/v1/bots/{name}"):
        assert needs[("GET", path)] == {Permission.JOBS_READ}, path
    assert needs[("POST", "/bots/{name}/jobs")] == {Permission.JOBS_START}

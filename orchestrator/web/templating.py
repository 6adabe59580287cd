"""Jinja2 templates for the pages: autoescaped, with the caller and CSRF token in context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from orchestrator.roles import Permission
from orchestrator.services.formatting import (
    age,
    duration,
    moment,
    pairs,
    percent,
    pretty_json,
    span,
    url_with,
    when,
)

__all__ = ["STATIC_DIR", "render", "templates"]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
templates = Jinja2Templates(directory=str(_HERE / "templates"))  # autoescape on for .html
templates.env.globals["Permission"] = Permission
templates.env.filters.update(when=when, span=span, age=age, pretty_json=pretty_json,
                             percent=percent, pairs=pairs, moment=moment)
templates.env.globals.update(duration=duration, url_with=url_with)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` with ``principal`` and ``csrf_token`` of the caller added."""
    principal = getattr(request.state, "principal", None)
    context.setdefault("principal", principal)
    context.setdefault("csrf_token", getattr(principal, "csrf_token", None) or "")
    return templates.TemplateResponse(request, name, context, status_code=status_code)

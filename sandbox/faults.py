"""Fault knobs and machine endpoints shared by every sandbox target.

A target calls :func:`install_sandbox_routes` once in its ``create_app``::

    faults = install_sandbox_routes(app, name="legacy_erp", reset=reseed, truth=dump)

which adds, without login:

- ``GET  /_sandbox/health`` → ``{"app": name, "ok": true}``
- ``GET  /_sandbox/truth``  → ``truth()``
- ``POST /_sandbox/reset``  body ``{"extra_exact": N}`` (optional) → ``reset(N)``;
  fault knobs are left as they are
- ``GET  /_sandbox/faults`` → the current knobs
- ``POST /_sandbox/faults`` body with any of ``latency_ms``, ``page_delay_ms``,
  ``error_rate``, ``session_expiry_requests``, ``alt_layout``, ``seed`` → changes only the
  given knobs (``{"clear": true}`` first restores the defaults); the generators are reseeded

and a middleware that, outside ``/_sandbox/*``, waits ``latency_ms`` before answering,
answers a seeded share ``error_rate`` of requests with an HTML 500 or 503 page, and holds
every HTML page back for ``page_delay_ms`` (``"LO-HI"`` milliseconds, drawn per page from
the seeded generator: ``"300-800"`` is how long a real ERP takes to build a page; static
files, JSON and downloads are not held back).

The returned :class:`Faults` is also ``app.state.faults``. Pages read it for the layout
(``faults.alt_layout``) and for session expiry: keep a :class:`Sessions` store and call
``sessions.touch(sid)`` on every authenticated request; it returns ``"expired"`` once the
idle timeout passed or more than ``session_expiry_requests`` requests were made in the
session (``faults.session_expired(count)``); the page then redirects to its login with a
"Your session has expired" notice.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.sessions import Sessions

__all__ = ["FaultMiddleware", "Faults", "Sessions", "install_sandbox_routes"]

SANDBOX_PREFIX = "/_sandbox/"
_KNOBS = ("latency_ms", "page_delay_ms", "error_rate", "session_expiry_requests",
          "alt_layout", "seed")

_ERROR_PAGE = """<!doctype html><html><head><title>{code} {title}</title></head>
<body><h1>{code} {title}</h1><p class="error">{text}</p>
<p>Reference: {ref}. Please try again later.</p></body></html>"""
_ERRORS = {
    500: ("Internal Server Error", "An unexpected error occurred while processing your request."),
    503: ("Service Unavailable", "The service is temporarily unavailable (maintenance)."),
}


@dataclass
class Faults:
    """The knobs of one target. Defaults mean: behave perfectly."""

    latency_ms: int = 0
    page_delay_ms: str = "0"
    error_rate: float = 0.0
    session_expiry_requests: int | None = None
    alt_layout: bool = False
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, init=False, repr=False,
                                compare=False)
    _delay_rng: random.Random = field(default_factory=random.Random, init=False, repr=False,
                                      compare=False)

    def __post_init__(self) -> None:
        self.page_delay_ms = _delay_range(self.page_delay_ms)
        self._reseed()

    def _reseed(self) -> None:
        self._rng.seed(self.seed)
        self._delay_rng.seed(self.seed)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply knob changes (unknown keys ignored); reseeds the generators.

        A value that cannot be read raises ValueError naming the knob, and nothing changes.
        """
        converted = {}
        for name, convert in _CONVERT.items():
            if name in changes:
                try:
                    converted[name] = convert(changes[name])
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"{name}: {exc}") from None
        if changes.get("clear"):
            for name in _KNOBS:
                setattr(self, name, getattr(_DEFAULTS, name))
        for name, value in converted.items():
            setattr(self, name, value)
        self._reseed()

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _KNOBS}

    def session_expired(self, request_count: int) -> bool:
        """True once a session made more than ``session_expiry_requests`` requests."""
        n = self.session_expiry_requests
        return n is not None and request_count > n

    def draw_page_delay(self) -> float:
        """Seconds to hold this HTML page back (0.0 when ``page_delay_ms`` is off)."""
        lo, _, hi = self.page_delay_ms.partition("-")
        low, high = int(lo), int(hi or lo)
        return self._delay_rng.uniform(low, high) / 1000 if high > 0 else 0.0

    def draw_error(self) -> int | None:
        """The status code of an injected error for this request, or None."""
        if self.error_rate <= 0 or self._rng.random() >= self.error_rate:
            return None
        return self._rng.choice((500, 503))


def _delay_range(value: Any) -> str:
    """``"LO-HI"`` (or one number) in milliseconds, normalised; refuses anything else."""
    text = str(value if value not in (None, "") else 0).strip()
    lo, sep, hi = text.partition("-")
    try:
        low, high = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        raise ValueError(f"LO-HI milliseconds expected, not {text!r}") from None
    if low < 0 or high < low or high > _MAX_PAGE_DELAY_MS:
        raise ValueError(f"0 <= LO <= HI <= {_MAX_PAGE_DELAY_MS} expected, not {text!r}")
    return f"{low}-{high}" if high != low else str(low)


_MAX_PAGE_DELAY_MS = 60_000
_DEFAULTS = Faults()
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "latency_ms": lambda v: max(0, int(v or 0)),
    "page_delay_ms": _delay_range,
    "error_rate": lambda v: min(1.0, max(0.0, float(v or 0))),
    "session_expiry_requests": lambda v: int(v) if v else None,  # 0 / null: off
    "alt_layout": bool,
    "seed": lambda v: int(v or 0),
}


class FaultMiddleware:
    """ASGI middleware adding latency and seeded error pages outside ``/_sandbox/``."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SANDBOX_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.faults.latency_ms > 0:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        code = self.faults.draw_error()
        if code is None:
            await self.app(scope, receive, self._held_back(send))
            return
        title, text = _ERRORS[code]
        ref = f"ERR-{secrets.token_hex(4).upper()}"
        page = _ERROR_PAGE.format(code=code, title=title, text=text, ref=ref)
        await HTMLResponse(page, status_code=code)(scope, receive, send)


    def _held_back(self, send: Send) -> Send:
        """``send``, holding an HTML page's answer back for the drawn page delay."""
        if self.faults.page_delay_ms == "0":
            return send

        async def held(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_html(message):
                delay = self.faults.draw_page_delay()
                if delay > 0:
                    await asyncio.sleep(delay)
            await send(message)

        return held


def _is_html(start: Message) -> bool:
    headers = dict(start.get("headers") or ())
    return headers.get(b"content-type", b"").startswith(b"text/html")


def install_sandbox_routes(
    app: Starlette,
    *,
    name: str,
    reset: Callable[[int], None],
    truth: Callable[[], dict[str, Any]],
    faults: Faults | None = None,
) -> Faults:
    """Add the machine endpoints and the fault middleware to ``app``; return its knobs."""
    knobs = faults or Faults()
    app.state.faults = knobs

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"app": name, "ok": True})

    async def get_truth(request: Request) -> JSONResponse:
        return JSONResponse(truth())

    async def post_reset(request: Request) -> JSONResponse:
        body = await _json_body(request)
        extra = int(body.get("extra_exact") or 0)
        reset(extra)
        return JSONResponse({"app": name, "reset": True, "extra_exact": extra})

    async def get_faults(request: Request) -> JSONResponse:
        return JSONResponse(knobs.as_dict())

    async def post_faults(request: Request) -> JSONResponse:
        try:
            knobs.update(await _json_body(request))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(knobs.as_dict())

    for path, endpoint, method in (
        ("health", health, "GET"), ("truth", get_truth, "GET"), ("reset", post_reset, "POST"),
        ("faults", get_faults, "GET"), ("faults", post_faults, "POST"),
    ):
        app.add_route(f"{SANDBOX_PREFIX}{path}", endpoint, methods=[method],
                      include_in_schema=False)
    app.add_middleware(FaultMiddleware, faults=knobs)
    return knobs


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}

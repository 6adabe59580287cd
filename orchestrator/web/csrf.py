"""Reading the CSRF token a browser request brings back: header, or form field.

The body is read once here and replayed to the route unchanged.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message, Receive, Scope

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "submitted_csrf_token"]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_BYTES = 10 * 1024 * 1024


async def submitted_csrf_token(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The token sent with the request, and a ``receive`` that replays the body."""
    headers = dict(scope.get("headers", []))
    if CSRF_HEADER in headers:
        return headers[CSRF_HEADER].decode("latin-1"), receive
    content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
    if not content_type.startswith(_FORM_TYPES):
        return None, receive
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_FORM_BYTES or not message.get("more_body", False):
            break

    def replay_factory() -> Receive:
        pending = list(messages)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replay

    if size > MAX_FORM_BYTES:
        return None, replay_factory()
    form = await Request(scope, replay_factory()).form()
    value = form.get(CSRF_FIELD)
    await form.close()
    return (value if isinstance(value, str) else None), replay_factory()

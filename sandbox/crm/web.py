"""Request helpers shared by the service desk's pages: templates, the login guard, the
refusals of a locked account or an overlong note, and the form limits."""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from sandbox.crm.db import CrmDb, Refused
from sandbox.crm.knobs import LOCKED_BY, CrmFaults
from sandbox.crm.users import USERS
from sandbox.faults import Sessions

HERE = Path(__file__).parent
COOKIE = "CRMSESSION"
MAX_FIELD = 200  # a one-line text field
MESSAGES = {
    "expired": "Your session has expired. Please sign in again.",
    "required": "Please sign in.",
    "logout": "You have been signed out.",
}


def db(request: Request) -> CrmDb:
    found: CrmDb = request.app.state.db
    return found


def faults(request: Request) -> CrmFaults:
    found: CrmFaults = request.app.state.faults
    return found


def render(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def current_user(request: Request) -> str | RedirectResponse:
    """The signed-in user, or the redirect to the sign-in page (expired or missing)."""
    sessions: Sessions = request.app.state.sessions
    sid = request.cookies.get(COOKIE)
    state = sessions.touch(sid)
    session = sessions.get(sid)
    if state == "ok" and session is not None:
        return session.user
    msg = "expired" if state == "expired" else "required"
    return RedirectResponse(f"/crm/login?msg={msg}", status_code=303)


def display_name(user: str) -> str:
    return USERS.get(user, ("", user))[1]


def check_editable(request: Request, customer_id: str) -> None:
    """Refuse any change to an account another user holds locked (fault knob)."""
    if customer_id in faults(request).locked_accounts:
        raise Refused(f"Account is locked by another user ({LOCKED_BY}). Your changes were "
                      "not saved; try again when the account is released.")


def note_text(request: Request, value: str, field: str, *, required: bool) -> str:
    """A note's text within the desk's limit (fault knob ``max_note_chars``)."""
    text = value.strip()
    if required and not text:
        raise Refused(f"Field {field}: a text is required.")
    limit = faults(request).max_note_chars
    if len(text) > limit:
        raise Refused(f"Field {field}: a note may have at most {limit} characters "
                      f"(this one has {len(text)}).")
    return text


def line(form: FormData, name: str, *, required: bool = False, longest: int = MAX_FIELD) -> str:
    """A one-line form field, trimmed; Refused naming the field when it is wrong."""
    text = " ".join(str(form.get(name) or "").split())
    if required and not text:
        raise Refused(f"Field {name}: a value is required.")
    if len(text) > longest:
        raise Refused(f"Field {name}: at most {longest} characters.")
    return text

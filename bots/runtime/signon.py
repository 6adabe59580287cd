"""One signed-on session of a browser application, shared by every adapter of that app.

Legacy applications sign a user on through a form and, after a while, send every page
back to that form: the session expired. A :class:`SignedOnSession` signs on with a vault
credential through logical selectors (:class:`SignOnForm`), notices an expired session by
the address a page landed on or by the form showing where a page was expected, and brings
the session back by signing on again (:meth:`SignedOnSession.recover`, which
:func:`~bots.runtime.retry.attempt` calls before it repeats a unit of work)::

    erp = SignedOnSession(ctx, "legacy_erp", "legacy_erp/cashapp", SignOnForm(
        path="/ar/login.do", signed_on="main.frameset"))
    total = erp.work(lambda: read_total(erp.app))

Each action is a step of the run (the app session records them); the password is filled
as a secret, so it reaches no step, log or screenshot. A form that refuses the credential
is a :class:`~bots.runtime.errors.ConfigError` naming the credential (never retried: the
same password would be refused again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bots.runtime.errors import ApplicationFailure, ConfigError
from bots.runtime.retry import attempt

if TYPE_CHECKING:
    from bots.runtime.app_session import AppSession
    from bots.runtime.context import RunContext

__all__ = ["SignOnForm", "SignedOnSession"]

T = TypeVar("T")


@dataclass(frozen=True)
class SignOnForm:
    """Where and how an application signs a user on (logical selector names).

    ``signed_on``: shown once signed on (empty: the page left the form); ``ready``:
    waited for afterwards (a menu the pages need); ``trouble``: pages that are not the
    form (an error page) when the form was expected.
    """

    path: str
    username: str = "login.username"
    password: str = "login.password"
    submit: str = "login.submit"
    refused: str = "login.message"
    signed_on: str = ""
    ready: str = ""
    trouble: tuple[str, ...] = ()
    expired_at: str = ""  # part of the address an expired page lands on (default: path)
    code: str = "ERP"  # the prefix of the failure codes (``ERP_SESSION_EXPIRED``)


class SignedOnSession:
    """``app`` in the run's browser, signed on with vault credential ``credential``."""

    def __init__(self, ctx: RunContext, app: str, credential: str, form: SignOnForm) -> None:
        self.ctx, self.name, self.credential, self.form = ctx, app, credential, form
        self.app: AppSession = ctx.browser.app(app)
        self.signed_on = False

    def sign_on(self) -> None:
        """Open the form, fill the credential (the password as a secret) and submit: one
        ``sign_on`` step around the form's own steps, so a run's timeline shows each sign-on
        and what it took."""
        cred = self.ctx.credential(self.credential)
        with self.ctx.recorder.step("sign_on", app=self.name,
                                    data={"credential": self.credential}):
            app, form = self.app, self.form
            app.open(form.path)
            if form.trouble:
                found = app.wait_for_any([form.username, *form.trouble])
                if found != form.username:
                    raise ApplicationFailure(f"{form.code}_TROUBLE", f"{self.name} shows {found} "
                                             "instead of its sign-on form")
            app.fill(form.username, cred.username)
            app.fill(form.password, cred.password, secret=True)
            app.click(form.submit)
            if form.signed_on:
                found = app.wait_for_any([form.signed_on, form.refused, *form.trouble])
                if found in form.trouble:
                    raise ApplicationFailure(f"{form.code}_TROUBLE", f"{self.name} shows {found} "
                                             "after signing on")
                refused = found != form.signed_on
            else:
                app.page.wait_for_load_state("load")
                refused = self.expired(app.page.url)
            if refused:
                raise ConfigError(f"{self.name} refused the login of {self.credential}: "
                                  f"{app.text(form.refused)}")
            if form.ready:
                app.wait_for(form.ready, timeout_ms=min(app.timeout_ms, 5000))
            self.signed_on = True

    def ensure(self) -> None:
        """Sign on unless signed on already (the first page of a run)."""
        if not self.signed_on:
            self.sign_on()

    def recover(self) -> None:
        """Sign on again (the session expired or the application failed)."""
        self.signed_on = False
        self.sign_on()

    def expired(self, url: str) -> bool:
        """Whether ``url`` is the sign-on form's (a page sent back to it)."""
        return (self.form.expired_at or self.form.path) in url

    def check(self, url: str | None = None) -> None:
        """Raise ``<code>_SESSION_EXPIRED`` (technical: repeated after signing on again)
        when the page now shown, or ``url``, is the sign-on form."""
        if self.expired(url if url is not None else self.app.page.url):
            self.expire()

    def expire(self) -> None:
        """The session is gone (the sign-on form was shown): say so as a failure."""
        self.signed_on = False
        raise ApplicationFailure(f"{self.form.code}_SESSION_EXPIRED",
                                 f"the {self.name} session has expired")

    def work(self, unit: Callable[[], T], *, attempts: int = 3) -> T:
        """Run ``unit`` signed on; after technical trouble sign on again and repeat it
        (``unit`` must be safe to repeat)."""
        def signed_on() -> T:
            self.ensure()
            return unit()
        return attempt(self, signed_on, attempts=attempts)

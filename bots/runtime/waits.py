"""Condition waits over several logical selectors (no fixed sleeps)."""

from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.runtime.errors import SelectorError
from bots.runtime.locate import Candidate, any_of, candidates
from bots.runtime.selectors import AppSelectors

__all__ = ["wait_visible"]

# With selectors in different frames there is no single locator to wait on: each frame
# group is waited on in turn for at most this long, until the overall deadline.
_SLICE_MS = 250.0


def _first_visible(
    named: list[tuple[str, list[Candidate]]], errors: dict[str, str]
) -> tuple[str, str] | None:
    for name, cands in named:
        for text, loc in cands:
            if text in errors:
                continue
            try:
                if loc.first.is_visible():
                    return name, text
            except PlaywrightError as exc:
                errors[text] = str(exc).splitlines()[0]
    return None


def wait_visible(
    page: Page, selectors: AppSelectors, names: list[str], timeout_ms: float
) -> tuple[str, str]:
    """Wait until one of ``names`` is visible; returns (name, locator used).

    When several are visible, the earliest in ``names`` wins.
    """
    if not names:
        raise SelectorError(f"{selectors.app}: wait for any of an empty list of names")
    specs = [selectors.spec(n) for n in names]
    named = [(spec.name, candidates(page, spec)) for spec in specs]
    errors: dict[str, str] = {}
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        found = _first_visible(named, errors)
        if found is not None:
            return found
        remaining = (deadline - time.monotonic()) * 1000
        if remaining <= 0:
            break
        groups: dict[tuple[str, ...], list[Candidate]] = {}
        for spec, (_, cands) in zip(specs, named, strict=True):
            groups.setdefault(spec.frame, []).extend(cands)
        combined = [c for c in (any_of(g, errors) for g in groups.values()) if c is not None]
        if not combined:
            break
        step = remaining if len(combined) == 1 else min(remaining, _SLICE_MS)
        for loc in combined:
            try:
                loc.first.wait_for(state="visible", timeout=step)
                break
            except PlaywrightTimeoutError:
                continue
    tried = "; ".join(f"{n}: {[t for t, _ in c]}" for n, c in named)
    raise SelectorError(
        f"{selectors.app}: none of {names} became visible within {timeout_ms:.0f} ms; "
        f"tried {tried}"
    )

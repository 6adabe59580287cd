"""Resolve a logical selector to a Playwright Locator: fallbacks in order, frame chain.

Resolution is fast: each locator is counted once (no waiting); only when none is present
yet does it wait, on the condition "any of them is attached", never a fixed sleep.
"""

from __future__ import annotations

from contextlib import suppress

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.runtime.errors import SelectorError
from bots.runtime.selectors import SelectorSpec

__all__ = ["Candidate", "any_of", "candidates", "present", "resolve"]

Candidate = tuple[str, Locator]


def _root(page: Page, spec: SelectorSpec) -> Page | FrameLocator:
    root: Page | FrameLocator = page
    for frame in spec.frame:
        root = root.frame_locator(frame)
    return root


def candidates(page: Page, spec: SelectorSpec) -> list[Candidate]:
    root = _root(page, spec)
    return [(text, root.locator(text)) for text in spec.locators]


def present(cands: list[Candidate], errors: dict[str, str] | None = None) -> Candidate | None:
    """The first candidate matching at least one element now (no waiting)."""
    for text, loc in cands:
        try:
            if loc.count() > 0:
                return text, loc
        except PlaywrightError as exc:  # a malformed locator: note it, try the next one
            if errors is not None:
                errors[text] = str(exc).splitlines()[0]
    return None


def any_of(cands: list[Candidate], errors: dict[str, str] | None = None) -> Locator | None:
    """One locator matching any valid candidate (``Locator.or_``)."""
    combined: Locator | None = None
    for text, loc in cands:
        if errors and text in errors:
            continue
        combined = loc if combined is None else combined.or_(loc)
    return combined


def describe(app: str, spec: SelectorSpec) -> str:
    frames = f" in frames {list(spec.frame)}" if spec.frame else ""
    return f"{app}: {spec.name!r}{frames}"


def resolve(
    page: Page, app: str, spec: SelectorSpec, timeout_ms: float, state: str = "attached"
) -> Candidate:
    """The first candidate that matches; waits up to ``timeout_ms`` for any to appear."""
    cands = candidates(page, spec)
    errors: dict[str, str] = {}
    hit = present(cands, errors)
    if hit is None:
        combined = any_of(cands, errors)
        if combined is not None:
            with suppress(PlaywrightTimeoutError):
                combined.first.wait_for(state=state, timeout=timeout_ms)  # type: ignore[arg-type]
            hit = present(cands, errors)
    if hit is None:
        tried = "; ".join(
            f"{text} ({errors[text]})" if text in errors else text for text, _ in cands
        )
        raise SelectorError(
            f"{describe(app, spec)}: no locator matched within {timeout_ms:.0f} ms; "
            f"tried: {tried}"
        )
    return hit

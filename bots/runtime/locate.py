"""Resolve a logical selector to a Playwright Locator: fallbacks in order, frame chain,
and the one rule for several matches.

Resolution is fast: each locator is counted once (no waiting); only when none is present
yet does it wait, on the condition "any of them is attached", never a fixed sleep.

Several matches (:func:`single`): an action on one element takes the locator that
matched and applies the selector's ``multiple`` rule to its count: ``strict`` (default)
fails with a :class:`SelectorError` naming the selector and the count, ``first`` takes
the first match, ``all`` (a list selector) refuses an action on one element. The rule is
applied the same way on every use of a name, the first and the later ones.
"""

from __future__ import annotations

from contextlib import suppress
from typing import NamedTuple

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.runtime.errors import SelectorError
from bots.runtime.selectors import SelectorSpec

__all__ = [
    "Candidate", "Hit", "any_of", "candidates", "describe", "present", "resolve",
    "resolve_hit", "single",
]

Candidate = tuple[str, Locator]


class Hit(NamedTuple):
    """The locator that matched (its text and Playwright locator) and how many it matched."""

    text: str
    locator: Locator
    count: int


def _root(page: Page, spec: SelectorSpec) -> Page | FrameLocator:
    root: Page | FrameLocator = page
    for frame in spec.frame:
        root = root.frame_locator(frame)
    return root


def candidates(page: Page, spec: SelectorSpec, prefer: str | None = None) -> list[Candidate]:
    """The spec's locators in order; ``prefer`` (one of them) moved to the front."""
    root = _root(page, spec)
    texts = list(spec.locators)
    if prefer in texts:
        texts.remove(prefer)
        texts.insert(0, prefer)
    return [(text, root.locator(text)) for text in texts]


def present(cands: list[Candidate], errors: dict[str, str] | None = None) -> Hit | None:
    """The first candidate matching at least one element now (no waiting), counted."""
    for text, loc in cands:
        try:
            n = loc.count()
        except PlaywrightError as exc:  # a malformed locator: note it, try the next one
            if errors is not None:
                errors[text] = str(exc).splitlines()[0]
            continue
        if n > 0:
            return Hit(text, loc, n)
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


def resolve_hit(
    page: Page, app: str, spec: SelectorSpec, timeout_ms: float, state: str = "attached",
    prefer: str | None = None,
) -> Hit:
    """The first candidate that matches, counted; waits up to ``timeout_ms`` for any."""
    cands = candidates(page, spec, prefer)
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


def resolve(
    page: Page, app: str, spec: SelectorSpec, timeout_ms: float, state: str = "attached"
) -> Candidate:
    """The first candidate that matches (every match); waits up to ``timeout_ms``."""
    hit = resolve_hit(page, app, spec, timeout_ms, state)
    return hit.text, hit.locator


def single(app: str, spec: SelectorSpec, hit: Hit) -> Locator:
    """The one element an action works on, by the selector's ``multiple`` rule."""
    if spec.multiple == "all":
        raise SelectorError(
            f"{describe(app, spec)} is a list selector (multiple: all): read it with "
            f"texts(), rows() or count(), not with an action on one element"
        )
    if hit.count > 1:
        if spec.multiple == "first":
            return hit.locator.first
        raise SelectorError(
            f"{describe(app, spec)} matched {hit.count} elements with {hit.text}; "
            f"a selector is strict: make it match one, or set 'multiple: first'"
        )
    return hit.locator

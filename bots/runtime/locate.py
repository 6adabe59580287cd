"""Resolve a logical selector to a Playwright Locator: fallbacks in order, frame chain,
and the one rule for several matches.

Resolution is fast: each locator is counted once (no waiting); only when none is present
yet does it wait, on the condition "any of them is attached", never a fixed sleep.

A lookup that does not wait (:func:`present`, the first look of :func:`resolve_hit`) takes
a frame the page has right now straight from Playwright's own list of frames, by name, when
the selector's frame chain names its frames (``frame[name=main], iframe[name=content]``):
a query inside a known frame is one browser round trip, where a frame locator first finds
the frame element and enters it on every query (about 8x the time per lookup). Waiting
keeps the frame locators, which follow a frameset replaced while they wait.

Several matches (:func:`single`): an action on one element takes the locator that
matched and applies the selector's ``multiple`` rule to its count: ``strict`` (default)
fails with a :class:`SelectorError` naming the selector and the count, ``first`` takes
the first match, ``all`` (a list selector) refuses an action on one element. The rule is
applied the same way on every use of a name, the first and the later ones.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import lru_cache
from typing import NamedTuple

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, FrameLocator, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.runtime.errors import SelectorError
from bots.runtime.selectors import SelectorSpec

__all__ = [
    "Candidate", "Hit", "any_of", "candidates", "describe", "known_locator", "present",
    "resolve", "resolve_hit", "single",
]

Candidate = tuple[str, Locator]


class Hit(NamedTuple):
    """The locator that matched (its text and Playwright locator) and how many it matched."""

    text: str
    locator: Locator
    count: int


_NAMED_FRAME = re.compile(r"""\s*i?frame\[name=(['"]?)([\w.-]+)\1\]\s*""")


@lru_cache(maxsize=256)
def _frame_names(selector: str) -> frozenset[str] | None:
    """The names a frame selector made of ``frame[name=X]`` / ``iframe[name=X]`` parts
    accepts (``None``: the selector says more than names)."""
    names = set()
    for part in selector.split(","):
        found = _NAMED_FRAME.fullmatch(part)
        if found is None:
            return None
        names.add(found.group(2))
    return frozenset(names)


def _frame_now(page: Page, spec: SelectorSpec) -> Frame | None:
    """The frame ``spec.frame`` names, among the frames the page has now (no browser
    round trip); ``None`` when a selector is not by name, or not exactly one frame fits."""
    frame = page.main_frame
    for selector in spec.frame:
        names = _frame_names(selector)
        if names is None:
            return None
        fits = [f for f in frame.child_frames if f.name in names]
        if len(fits) != 1:
            return None
        frame = fits[0]
    return frame


def _root(page: Page, spec: SelectorSpec, now: bool = False) -> Page | Frame | FrameLocator:
    if now and spec.frame and (frame := _frame_now(page, spec)) is not None:
        return frame
    root: Page | FrameLocator = page
    for frame_selector in spec.frame:
        root = root.frame_locator(frame_selector)
    return root


def candidates(page: Page, spec: SelectorSpec, prefer: str | None = None, *,
               now: bool = False) -> list[Candidate]:
    """The spec's locators in order; ``prefer`` (one of them) moved to the front.

    ``now``: for a look without waiting (the frame the page has now, see the module).
    """
    root = _root(page, spec, now)
    texts = list(spec.locators)
    if prefer in texts:
        texts.remove(prefer)
        texts.insert(0, prefer)
    return [(text, root.locator(text)) for text in texts]


def known_locator(page: Page, spec: SelectorSpec, text: str) -> Locator | None:
    """The locator ``text`` of ``spec`` to act on without counting first: strict (Playwright
    refuses several matches) or ``.first`` under ``multiple: first``; ``None`` for a list
    selector (``multiple: all``), which no action on one element takes."""
    if spec.multiple == "all" or text not in spec.locators:
        return None
    loc = _root(page, spec, now=True).locator(text)
    return loc.first if spec.multiple == "first" else loc


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
    errors: dict[str, str] = {}
    hit = present(candidates(page, spec, prefer, now=True), errors)
    cands = candidates(page, spec, prefer)
    if hit is None:
        combined = any_of(cands, errors)
        if combined is not None:
            with suppress(PlaywrightTimeoutError):
                combined.first.wait_for(state=state, timeout=timeout_ms)  # type: ignore[arg-type]
            hit = present(candidates(page, spec, prefer, now=True), errors)
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

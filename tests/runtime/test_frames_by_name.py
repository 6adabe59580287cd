"""Selectors in frames: the frame a chain names is found by name when the page has it,
and through frame locators otherwise, with the same answers either way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from bots.runtime.browser import shared_browser
from bots.runtime.errors import SelectorError
from bots.runtime.locate import resolve_hit
from bots.runtime.selectors import SelectorSpec

PAGE = """<h1>Outer</h1>
<iframe name="main" id="pay" srcdoc="<form><input name=ref value=NWB-1></form>"></iframe>
<iframe name="twin" srcdoc="<input name=ref value=TWIN-A>"></iframe>
<iframe name="twin" srcdoc="<input name=ref value=TWIN-B>"></iframe>"""


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    context = shared_browser().new_context()
    page = context.new_page()
    page.set_content(PAGE)
    for frame in page.frames[1:]:
        frame.wait_for_load_state()
    yield page
    context.close()


def _value(page: Page, *frame: str) -> str:
    spec = SelectorSpec("ref", ("css=input[name=ref]",), frame=tuple(frame))
    hit = resolve_hit(page, "testapp", spec, 500)
    assert hit.count == 1
    return hit.locator.input_value()


def test_a_frame_is_found_by_name_or_by_any_other_selector(page: Page) -> None:
    assert _value(page, "iframe[name=main]") == "NWB-1"
    assert _value(page, "frame[name=menu], iframe[name=main]") == "NWB-1"
    assert _value(page, "iframe#pay") == "NWB-1"  # not by name: a frame locator


def test_a_frame_shows_its_new_page_after_it_navigated(page: Page) -> None:
    frame = page.frame(name="main")
    assert frame is not None
    frame.set_content("<input name=ref value=NWB-2>")
    assert _value(page, "iframe[name=main]") == "NWB-2"
    frame.set_content("<form><input name=ref value=NWB-1></form>")


def test_two_frames_of_one_name_are_refused_as_before(page: Page) -> None:
    with pytest.raises(PlaywrightError, match="strict mode violation"):
        _value(page, "iframe[name=twin]")  # which of the two is meant: Playwright refuses
    with pytest.raises(SelectorError, match="no locator matched"):
        _value(page, "iframe[name=nowhere]")

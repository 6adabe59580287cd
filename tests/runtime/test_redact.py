from __future__ import annotations

from urllib.parse import quote_plus

from loguru import logger

from bots.runtime import Redactor

SECRET = "p@ss w/rd&1"


def test_raw_and_encoded_forms_are_masked() -> None:
    r = Redactor()
    r.add(SECRET)
    r.add("ab")  # too short to mask safely
    text = f"a={SECRET} b={quote_plus(SECRET)} c=ab"
    assert r.redact(text) == "a=*** b=*** c=ab"
    assert r.redact_bytes(text.encode()) == b"a=*** b=*** c=ab"


def test_nested_values_and_exceptions() -> None:
    r = Redactor()
    r.add(SECRET)
    data = {"user": "clerk", "pw": SECRET, "list": [SECRET, 3], "t": (SECRET,)}
    assert r.redact_value(data) == {"user": "clerk", "pw": "***", "list": ["***", 3],
                                    "t": ("***",)}
    try:
        raise ValueError(f"bad password {SECRET}")
    except ValueError as exc:
        assert r.describe(exc) == "ValueError: bad password ***"
        formatted = r.format_exception(exc)
    assert "Traceback" in formatted and SECRET not in formatted


def test_loguru_patcher_redacts_message_extra_and_traceback() -> None:
    r = Redactor()
    r.add(SECRET)
    seen: list[str] = []
    handler = logger.add(seen.append, format="{message} {extra}\n{exception}", diagnose=True)
    log = logger.bind(pw=SECRET).patch(r.patch)
    try:
        log.info("login {}", SECRET)
        try:
            password = SECRET
            raise RuntimeError("rejected " + password)
        except RuntimeError:
            log.exception("failed")
    finally:
        logger.remove(handler)
    out = "".join(seen)
    assert "login ***" in out and "rejected ***" in out and "Traceback" in out
    assert SECRET not in out

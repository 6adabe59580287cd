"""The reason book and the local reason classifier, trained on the examples finbots ships."""

from __future__ import annotations

import copy
import csv
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.disputes import classify, reasons
from bots.disputes.classify import HOLDOUT_DATA, TRAINING_DATA, classifier, read_examples
from bots.disputes.reasons import DEFAULT_PATH, load_reason_book
from bots.runtime.errors import ConfigError
from sandbox.disputes_scenario import CLAIMS


@pytest.fixture(scope="module")
def model() -> classify.ReasonClassifier:
    return classifier()


def _doc() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


# -- the reason book -----------------------------------------------------------------------

def test_packaged_book_names_owner_sla_and_external_codes_of_every_scenario_reason() -> None:
    book = load_reason_book()
    assert set(book.code_names) == {"PRICING", "QUANTITY", "DAMAGED", "RETURNED",
                                    "DUPLICATE_BILLING", "TAX", "NOT_ORDERED",
                                    "SERVICE_NOT_RENDERED", "OTHER"}
    for claim in CLAIMS:
        assert book.owner(claim.expected_reason) == claim.expected_owner, claim.key
    assert book.get("DUPLICATE_BILLING").external["x12_adjustment"] == "19"
    assert book.by_external("jde", "DMG") == book.get("DAMAGED")
    assert all(r.sla_hours > 0 and r.label for r in book.codes)
    assert 0 < book.confidence_threshold < 1


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["reasons"]["TAX"].update(owner_team="legal"), "reasons.TAX.owner_team"),
    (lambda d: d["reasons"]["PRICING"].update(sla_hours=0), "reasons.PRICING.sla_hours"),
    (lambda d: d["reasons"]["PRICING"].update(sla_hours="72"), "reasons.PRICING.sla_hours"),
    (lambda d: d["reasons"]["DAMAGED"].update(label=""), "reasons.DAMAGED.label"),
    (lambda d: d["reasons"]["DAMAGED"]["external"].update(jde=""), "reasons.DAMAGED.external.jde"),
    (lambda d: d["reasons"].pop("OTHER"), "reasons.OTHER"),
    (lambda d: d["reasons"].update(lower={"label": "x"}), "reasons: 'lower'"),
    (lambda d: d.update(confidence_threshold=1.5), "confidence_threshold"),
    (lambda d: d.update(confidence_threshold="high"), "confidence_threshold"),
    (lambda d: d.update(threshold=0.5), "unknown setting 'threshold'"),
])
def test_a_wrong_book_is_refused_naming_the_field(change: Any, field: str) -> None:
    doc = copy.deepcopy(_doc())
    change(doc)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_reason_book(doc)
    with pytest.raises(ConfigError, match="dispute_reasons"):
        load_reason_book(doc)


def test_an_unknown_code_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown reason code 'FREIGHT'.*PRICING"):
        load_reason_book().get("FREIGHT")


def test_a_changed_threshold_changes_who_decides_not_the_model(model: Any) -> None:
    doc = _doc()
    doc["confidence_threshold"] = 0.99
    strict = classifier(load_reason_book(doc))
    text = "Two cartons were crushed on arrival, photos attached."
    assert strict.pipeline is model.pipeline  # trained once per process
    assert strict.suggest(text).code == model.suggest(text).code == "DAMAGED"
    assert not model.suggest(text).needs_person
    assert strict.suggest(text).needs_person


# -- the shipped examples --------------------------------------------------------------------

def test_shipped_examples_cover_every_reason_and_never_repeat_the_sandbox_claims() -> None:
    train, held_out = read_examples(TRAINING_DATA), read_examples(HOLDOUT_DATA)
    codes = set(load_reason_book().code_names)
    for rows, low, high in ((train, 60, 120), (held_out, 15, 30)):
        counts = {c: sum(1 for e in rows if e.reason == c) for c in codes}
        assert all(low <= n <= high for n in counts.values()), counts
        assert {e.language for e in rows} >= {"en", "de", "fr", "nl", "es"}
        assert {e.channel for e in rows} == {"portal", "mail", "deduction"}
    assert not {e.text for e in train} & {e.text for e in held_out}
    seeded = {c.text.strip().lower() for c in CLAIMS}
    assert not seeded & {e.text.strip().lower() for e in [*train, *held_out]}


def test_examples_file_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "claims.csv"
    with bad.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerows([["reason", "channel", "language", "text"],
                     ["TAX", "portal", "en", "VAT charged in error"], ["", "mail", "en", "x"]])
    with pytest.raises(ConfigError, match=r"claims\.csv: line 3: reason is empty"):
        read_examples(bad)


# -- the classifier ---------------------------------------------------------------------------

def test_held_out_accuracy_is_at_least_85_percent(model: Any) -> None:
    held_out = read_examples(HOLDOUT_DATA)
    suggested = [(e.reason, model.suggest(e.text)) for e in held_out]
    right = sum(s.code == reason for reason, s in suggested)
    assert right / len(held_out) >= 0.85, f"{right} of {len(held_out)}"
    decided = [(reason, s) for reason, s in suggested if not s.needs_person]
    assert len(decided) >= len(held_out) // 2
    assert sum(s.code == reason for reason, s in decided) / len(decided) >= 0.95


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.key)
def test_seeded_claims_get_their_expected_reason(model: Any, claim: Any) -> None:
    suggestion = model.suggest(claim.text)
    assert suggestion.code == claim.expected_reason, suggestion
    assert suggestion.needs_person is claim.low_confidence, suggestion
    if claim.low_confidence:
        assert suggestion.confidence < load_reason_book().confidence_threshold
    else:
        assert suggestion.words, "a decided suggestion names the words it relied on"


def test_suggestion_names_the_words_that_weighed_and_is_json_ready(model: Any) -> None:
    s = model.suggest("We were invoiced twice for the same delivery, a duplicate invoice.")
    assert s.code == "DUPLICATE_BILLING"
    assert "duplicate" in s.words or "twice" in s.words
    data = s.as_dict()
    assert data["code"] == "DUPLICATE_BILLING" and data["needs_person"] is False
    assert isinstance(data["confidence"], str) and float(data["confidence"]) == round(
        s.confidence, 2)


@pytest.mark.parametrize("text", ["Hello, please get back to us.", "Invoice INV-2026-4711",
                                  "see attachment", "", "   "])
def test_vague_text_goes_to_a_person(model: Any, text: str) -> None:
    suggestion = model.suggest(text)
    assert suggestion.needs_person, suggestion
    assert suggestion.confidence < load_reason_book().confidence_threshold


def test_numbers_and_invoice_references_do_not_decide(model: Any) -> None:
    a = model.suggest("INV-2026-1111 less 40.00 damaged goods")
    b = model.suggest("INV-2025-9876 less 3150.75 damaged goods")
    assert a.code == b.code == "DAMAGED"
    assert a.confidence == pytest.approx(b.confidence)


def test_long_text_is_cut_and_says_so(model: Any) -> None:
    text = "The pallets arrived damaged and broken. " + "x " * classify.MAX_TEXT
    suggestion = model.suggest(text)
    assert suggestion.truncated and suggestion.code == "DAMAGED"
    assert not model.suggest("The pallets arrived damaged.").truncated


def test_training_is_deterministic_and_quick() -> None:
    book = load_reason_book()
    started = time.perf_counter()
    first = classify.ReasonClassifier(book, read_examples())
    elapsed = time.perf_counter() - started
    second = classify.ReasonClassifier(book, read_examples())
    held_out = [e.text for e in read_examples(HOLDOUT_DATA)][::6]
    assert [first.probabilities(t) for t in held_out] == [second.probabilities(t)
                                                         for t in held_out]
    assert elapsed < 20, "training the classifier takes seconds, never minutes"


def test_examples_of_codes_the_book_lacks_are_left_out() -> None:
    doc = _doc()
    del doc["reasons"]["TAX"]
    trimmed = classify.ReasonClassifier(load_reason_book(doc), read_examples())
    assert trimmed.skipped == sum(1 for e in read_examples() if e.reason == "TAX")
    assert trimmed.suggest("VAT was charged in error, reverse charge applies").code != "TAX"


def test_default_book_is_read_once() -> None:
    assert reasons.load_reason_book() is reasons.load_reason_book()


def test_committed_examples_are_what_the_generator_writes() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_dispute_examples.py"
    spec = importlib.util.spec_from_file_location("make_dispute_examples", script)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.main(["--check"]) == 0, "run scripts/make_dispute_examples.py"

"""The instruction benchmark: size, determinism, labels valid against the catalogue, every phenomenon
present, the cases issue 22 names, and no sentence shared with the training set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dexgys.data.builder import load_records
from dexgys.language.benchmark import generate_benchmark
from dexgys.language.benchmark_items import FINGER_LABELS, PHENOMENA, BenchmarkItem, training_overlap, validate_item
from dexgys.language.benchmark_tables import object_words
from dexgys.objects.catalogue import categories, make_object
from dexgys.synthesis.intents import intents_for

TRAIN = Path(__file__).resolve().parents[1] / "data" / "dexgys-v1" / "train.json.gz"


@pytest.fixture(scope="module")
def items() -> list[BenchmarkItem]:
    return generate_benchmark(0)


@pytest.fixture(scope="module")
def training_sentences() -> list[str]:
    if not TRAIN.is_file():
        pytest.skip(f"{TRAIN} is not there")
    records = load_records(TRAIN)
    return [r[key] for r in records for key in ("guidance", "brief_guidance") if r.get(key)]


def test_size_and_coverage(items):
    assert len(items) >= 400
    assert len({it.category for it in items}) >= 20
    assert len({it.id for it in items}) == len(items)
    assert len({it.text.lower() for it in items}) == len(items)
    assert {it.intent for it in items} == {"use", "hold", "lift", "hand over"}


def test_deterministic_for_a_seed(items):
    again = generate_benchmark(0)
    assert [it.as_dict() for it in again] == [it.as_dict() for it in items]
    other = generate_benchmark(1)
    assert [it.text for it in other] != [it.text for it in items]


def test_labels_valid_against_catalogue_and_intents(items):
    for it in items:
        assert it.category in categories()
        assert it.intent in intents_for(it.category)
        assert not validate_item(it), validate_item(it)
        assert not set(it.touch_parts) & set(it.avoid_parts)
        assert set(it.fingers) <= set(FINGER_LABELS)
        assert set(it.phenomena) <= set(PHENOMENA)


def test_part_names_match_built_objects(items):
    # the validation uses the declared parts; the built objects of the issue's categories agree
    for category in ("trigger_sprayer", "power_drill", "lotion_pump", "knife", "scissors", "mug", "bottle"):
        names = make_object(category, 0).part_names
        for it in items:
            if it.category == category:
                assert not validate_item(it, names)


def test_validation_catches_bad_labels(items):
    good = next(it for it in items if it.category == "mug")
    bad = [
        BenchmarkItem("x", "mug", "t", "use", (), ("lid",), (), ()),  # mugs have no lid
        BenchmarkItem("x", "knife", "t", "hand over", (), (), (), ()),  # not a knife intent
        BenchmarkItem("x", "mug", "t", "hold", (), ("handle",), ("handle",), ()),  # touch and avoid
        BenchmarkItem("x", "mug", "t", "use", (), (), ("handle",), ()),  # "use" needs the handle
    ]
    assert not validate_item(good)
    assert all(validate_item(b) for b in bad)


def test_every_phenomenon_present(items):
    present = {p for it in items for p in it.phenomena}
    assert present == set(PHENOMENA)
    for it in items:
        words = len(it.text.split())
        if "terse" in it.phenomena:
            assert words <= 14 and not it.text.endswith("."), it.text
        if "long" in it.phenomena:
            assert words >= 20, it.text
        if "two_sentences" in it.phenomena:
            assert it.text.count(". ") == 1, it.text
        if "no_object" in it.phenomena:
            assert not any(re.search(rf"\b{w}\b", it.text.lower()) for w in object_words(it.category)), it.text


def test_object_synonyms_name_no_other_category():
    names = {c: {c, c.replace("_", " "), *object_words(c)} for c in categories()}
    for c in categories():
        for word in object_words(c)[1:]:
            assert all(word not in names[other] for other in categories() if other != c), (c, word)


def test_the_issue_cases_are_there(items):
    def has(category, intent=None, finger=None, touch=None, avoid=None):
        return any(
            it.category == category
            and (intent is None or it.intent == intent)
            and (finger is None or finger in it.fingers)
            and (touch is None or touch in it.touch_parts)
            and (avoid is None or avoid in it.avoid_parts)
            for it in items
        )

    assert has("trigger_sprayer", "use", "forefinger", "trigger")
    assert has("power_drill", "use", "forefinger", "trigger")
    assert has("lotion_pump", "use", touch="pump_head")
    assert has("knife", avoid="blade") and has("scissors", avoid="blades")
    assert has("mug", touch="handle") and has("bottle", touch="cap")


def test_no_benchmark_sentence_in_training_set(items, training_sentences):
    assert training_overlap([it.text for it in items], training_sentences) == []


def test_overlap_check_finds_a_copied_training_sentence(items, training_sentences):
    copied = training_sentences[123]
    texts = [it.text for it in items] + [f"  {copied.upper()}  ", copied.rstrip(".")]
    assert training_overlap(texts, training_sentences) == texts[-2:]

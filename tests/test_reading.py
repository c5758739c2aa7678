"""Reading instructions: intent, fingers, parts to touch and to avoid, and what could not be read."""

from __future__ import annotations

import random

import pytest

from dexgys.data.builder import load_records
from dexgys.language.brief import intent_from_action_id
from dexgys.language.reading import read_instruction
from dexgys.objects.catalogue import make_object

SPRAYER = make_object("trigger_sprayer", 0).part_names
MUG = ("body", "handle")


@pytest.mark.parametrize(
    "text, parts, intent, fingers, touch, avoid",
    [
        ("squeeze the trigger with the index finger", SPRAYER, "use", ("forefinger",), ("trigger",), ()),
        ("grab the mug by the handle using thumb and index finger", MUG, "hold", ("thumb", "forefinger"), ("handle",), ()),
        ("Use the knife without touching the blade", ("blade", "handle"), "use", (), (), ("blade",)),
        ("hold the bottle, keep the cap free", ("body", "neck", "cap"), "hold", (), (), ("cap",)),
        ("don't touch the body, pinch the handle", MUG, "hold", ("thumb", "forefinger"), ("handle",), ("body",)),
        ("pass it over holding the blades, leaving the loops free", ("blades", "handle_loops"), "hand over", (),
         ("blades",), ("handle_loops",)),
        ("pick it up with two fingers", ("body",), "lift", ("thumb", "forefinger"), (), ()),
        ("press the trigger with your pointer and the remaining four fingers on the bottle", SPRAYER, "use",
         ("thumb", "forefinger", "middle", "ring", "little"), ("bottle", "trigger"), ()),
        ("To hand over the drill, grip the body, leaving the handle and the trigger free.",
         ("body", "handle", "trigger"), "hand over", (), ("body",), ("handle", "trigger")),
        ("hold the mug with your whole hand but not the pinky", MUG, "hold",
         ("thumb", "forefinger", "middle", "ring", "palm"), (), ()),
        ("Wrap your thumb, index and little fingers around the handle", MUG, "hold",
         ("thumb", "forefinger", "little"), ("handle",), ()),
    ],
)
def test_reading(text, parts, intent, fingers, touch, avoid):
    r = read_instruction(text, parts)
    assert (r.intent, r.fingers, r.touch_parts, r.avoid_parts) == (intent, fingers, touch, avoid), r


def test_what_cannot_be_read_is_said():
    r = read_instruction("the mug", MUG, "mug")
    assert r.intent is None and any("no intent" in n for n in r.notes)
    assert any("neither fingers nor a part of the mug" in n for n in r.notes)
    assert "intent: (not stated)" in r.describe()
    assert read_instruction("use the mug by the handle", MUG).notes == ()
    assert read_instruction("press the trigger of the mug with your index finger", MUG, "mug").notes == (
        "the mug has no trigger (its parts: body, handle)",)
    assert "a hand has five fingers, not six" in read_instruction("hold the mug with six fingers", MUG, "mug").notes


def test_the_dataset_sentences_are_read_as_their_contacts_say():
    """On 300 test sentences of the catalogue dataset: the intent always, the digits the sentence's
    contacts name in at least 90 % (the rest are sentences that leave out a finger the grasp uses),
    every part read is one the grasp touches, and no note (no part of another object, no missing intent)."""
    records = random.Random(0).sample(load_records("data/dexgys-v1/test.json.gz"), 300)
    parts = {}
    digits_right = 0
    for r in records:
        names = parts.setdefault(r["cate_id"], make_object(r["cate_id"], 0).part_names)
        reading = read_instruction(r["guidance"], names, r["cate_id"])
        assert reading.intent == intent_from_action_id(r["action_id"]), r["guidance"]
        touched = {p for ps in r["contacts"].values() for p in ps}
        assert set(reading.touch_parts) <= touched, (r["guidance"], reading)
        digits = {f for f in ("thumb", "forefinger", "middle", "ring", "little") if f in r["contacts"]}
        digits_right += (set(reading.fingers) - {"palm"}) == digits
        assert reading.notes == (), (r["guidance"], reading.notes)  # nothing unreadable in our own sentences
    assert digits_right >= 0.9 * len(records)

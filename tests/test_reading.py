"""Reading instructions: intent, fingers, parts to touch and to avoid, and what could not be read."""

from __future__ import annotations

import random

import pytest

from dexgys.data.builder import load_records
from dexgys.language.brief import intent_from_action_id
from dexgys.language.reading import infer_intent, read_instruction
from dexgys.language.words import DIGITS, FINGERS
from dexgys.objects.catalogue import get_category, make_object

SPRAYER = make_object("trigger_sprayer", 0).part_names
MUG = ("body", "handle")


@pytest.mark.parametrize(
    "text, parts, intent, fingers, touch, avoid",
    [
        ("squeeze the trigger with the index finger", SPRAYER, "use", ("forefinger",), ("trigger",), ()),
        (
            "grab the mug by the handle using thumb and index finger",
            MUG,
            "hold",
            ("thumb", "forefinger"),
            ("handle",),
            (),
        ),
        ("Use the knife without touching the blade", ("blade", "handle"), "use", (), (), ("blade",)),
        ("hold the bottle, keep the cap free", ("body", "neck", "cap"), "hold", (), (), ("cap",)),
        ("don't touch the body, pinch the handle", MUG, "hold", (), ("handle",), ("body",)),
        (
            "pass it over holding the blades, leaving the loops free",
            ("blades", "handle_loops"),
            "hand over",
            (),
            ("blades",),
            ("handle_loops",),
        ),
        ("pick it up with two fingers", ("body",), "lift", ("thumb", "forefinger"), (), ()),
        (
            "press the trigger with your pointer and the remaining four fingers on the bottle",
            SPRAYER,
            "use",
            ("thumb", "forefinger", "middle", "ring", "little"),
            ("bottle", "trigger"),
            (),
        ),
        (
            "To hand over the drill, grip the body, leaving the handle and the trigger free.",
            ("body", "handle", "trigger"),
            "hand over",
            (),
            ("body",),
            ("handle", "trigger"),
        ),
        (
            "hold the mug with your whole hand but not the pinky",
            MUG,
            "hold",
            ("thumb", "forefinger", "middle", "ring", "palm"),
            (),
            (),
        ),
        (
            "Wrap your thumb, index and little fingers around the handle",
            MUG,
            "hold",
            ("thumb", "forefinger", "little"),
            ("handle",),
            (),
        ),
    ],
)
def test_reading(text, parts, intent, fingers, touch, avoid):
    r = read_instruction(text, parts)
    assert (r.intent, r.fingers, r.touch_parts, r.avoid_parts) == (intent, fingers, touch, avoid), r


def _read(text: str, category: str):
    r = read_instruction(text, get_category(category).parts, category)
    return r.intent, r.fingers, r.touch_parts, r.avoid_parts


@pytest.mark.parametrize(
    "text, category, reading",
    [
        (
            "Hold the mug by the hnadle with your tuhmb and midle finger",
            "mug",
            ("hold", ("thumb", "middle"), ("handle",), ()),
        ),
        ("Grip the knife by the handle witohut touching the bldae", "knife", ("hold", (), ("handle",), ("blade",))),
        ("grab the dounut with your whloe hand", "donut", ("hold", FINGERS, (), ())),
    ],
)
def test_misspelt_words_are_read_as_the_words_they_slip_from(text, category, reading):
    assert _read(text, category) == reading


def test_real_words_are_not_read_as_misspellings():
    # "heard" is one letter from "head", "slips" from "sips" (a use): neither is a slip
    assert _read("Hold the hammer by the handle until you have heard the click", "hammer") == (
        "hold",
        (),
        ("handle",),
        (),
    )
    assert infer_intent("Hold the cup so that nothing slips") == "hold"


@pytest.mark.parametrize(
    "text, category, reading",
    [
        ("Lift the bottle by its lid", "bottle", ("lift", (), ("cap",), ())),
        ("Grip the knife, keeping clear of the sharp edge", "knife", ("hold", (), (), ("blade",))),
        ("Hold the toothbrush by the handle, bristles free", "toothbrush", ("hold", (), ("handle",), ("head",))),
        ("Carry the pen by the barrel and mind the nib", "pen", ("hold", (), ("body",), ("tip",))),
        ("Grab the scissors through the finger holes", "scissors", ("hold", (), ("handle_loops",), ())),
        (
            "Screw the bulb in holding the glass, and leave the metal thread alone",
            "lightbulb",
            ("use", (), ("bulb",), ("base",)),
        ),
    ],
)
def test_other_words_for_parts(text, category, reading):
    assert _read(text, category) == reading


@pytest.mark.parametrize(
    "text, category, reading",
    [
        ("Hold the spray bottle by the trigger", "trigger_sprayer", ("hold", (), ("trigger",), ())),
        ("Pick up the squeeze tube, don't touch the cap", "squeezable", ("lift", (), (), ("cap",))),
        ("Use the drill to drill a hole, finger on the trigger", "power_drill", ("use", (), ("trigger",), ())),
        ("Lift the hammer to hammer a nail", "hammer", ("use", (), (), ())),
        ("Grab hammer by handle", "hammer", ("hold", (), ("handle",), ())),
    ],
)
def test_the_object_names_no_part_and_no_intent(text, category, reading):
    assert _read(text, category) == reading


def test_the_object_names_no_missing_part():
    parts = get_category("wineglass").parts
    assert read_instruction("pick up the glass by the stem", parts, "wineglass").notes == ()
    assert read_instruction("Hold the bowl steady, so that your grip stays steady", ("body",), "bowl").notes == (
        "the words name neither fingers nor a part of the bowl",
    )  # "your grip" is a hold, no handle


@pytest.mark.parametrize(
    "text, intent",
    [
        ("Grab the handle to pour from the teapot", "use"),
        ("Grip the frame and give the glasses to your friend", "hand over"),
        ("Lift the mug to take a sip", "use"),
        ("Don't squeeze the bottle, just hold it by the neck", "hold"),
        ("Use two fingers to pick up the pen", "lift"),
        ("To hold the game controller, press your palm against the grips", "hold"),
        ("Hand me the hammer", "hand over"),
        ("When you cook with the skillet, hold the handle in your fist", "use"),
        ("Keep the flask steady with all your fingers", "hold"),
        ("Look through the binoculars, holding the tubes", "use"),
        ("Put the headphones on by the headband", "use"),
        ("Get a firm grip on the phone", "hold"),
    ],
)
def test_the_intent_is_the_goal(text, intent):
    assert infer_intent(text) == intent


@pytest.mark.parametrize(
    "text, category, fingers",
    [
        ("Hold the can with your thumb and first two fingers", "can", ("thumb", "forefinger", "middle")),
        ("Push the stapler down with the heel of your hand", "stapler", ("palm",)),
        ("Grab the bowl with every finger but the little one", "bowl", ("thumb", "forefinger", "middle", "ring")),
        ("Hold the mug with all but your thumb", "mug", ("forefinger", "middle", "ring", "little")),
        (
            "Grab the cup with your whole hand, not your ring or little finger",
            "cup",
            ("thumb", "forefinger", "middle", "palm"),
        ),
        ("Keep your thumb off the trigger while holding the drill", "power_drill", ()),
        ("Pinch the cap of the pen", "pen", ()),
        ("Press the trigger with the index finger, rest of the hand around the bottle", "trigger_sprayer", DIGITS),
        ("Grab the apple with your hand but not the pinkie", "apple", ()),
        ("Hold the bowl with your palm and four fingers", "bowl", ("forefinger", "middle", "ring", "little", "palm")),
    ],
)
def test_fingers(text, category, fingers):
    assert _read(text, category)[1] == fingers


@pytest.mark.parametrize(
    "text, category, touch, avoid",
    [
        (
            "Hold the sprayer by the bottle without touching the trigger or the nozzle",
            "trigger_sprayer",
            ("bottle",),
            ("trigger", "nozzle"),
        ),
        ("grab the jar body, no fingers on lid", "bottle", ("body",), ("cap",)),
        ("hold pen by body, tip free", "pen", ("body",), ("tip",)),
        ("Hold the camera by the body. Stay clear of the lens.", "cameras", ("body",), ("lens",)),
        ("Lift the wine glass by the bowl and leave the stem and base free", "wineglass", ("bowl",), ("stem", "base")),
        (
            "Hold the teapot by the body, avoiding the lid, the handle and the spout",
            "teapot",
            ("body",),
            ("lid", "handle", "spout"),
        ),
        ("grab body, cap free", "cylinder_bottle", ("body",), ("cap",)),
        ("Keep your thumb off the trigger while holding the drill", "power_drill", (), ("trigger",)),
        (
            "Pinch the lid; the body, the handle and the spout stay free",
            "teapot",
            ("lid",),
            ("body", "handle", "spout"),
        ),
    ],
)
def test_parts_to_avoid(text, category, touch, avoid):
    assert _read(text, category)[2:] == (touch, avoid)


@pytest.mark.parametrize(
    "text, category, touch",
    [
        ("Grip the body of the controller firmly", "gamecontroller", ("body",)),
        ("Hold the drill with a firm grip on the body", "power_drill", ("body",)),
        ("Hold the drill by the grip", "power_drill", ("handle",)),
        ("Hold the scissors with your finger tips in the loops", "scissors", ("handle_loops",)),
        ("hold body, grab grips", "gamecontroller", ("body", "grips")),
    ],
)
def test_other_words_count_where_a_noun_goes(text, category, touch):
    assert _read(text, category)[2] == touch


def test_what_cannot_be_read_is_said():
    r = read_instruction("the mug", MUG, "mug")
    assert r.intent is None and any("no intent" in n for n in r.notes)
    assert any("neither fingers nor a part of the mug" in n for n in r.notes)
    assert "intent: (not stated)" in r.describe()
    assert read_instruction("use the mug by the handle", MUG).notes == ()
    assert read_instruction("press the trigger of the mug with your index finger", MUG, "mug").notes == (
        "the mug has no trigger (its parts: body, handle)",
    )
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

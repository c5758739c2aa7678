"""The intent catalogue: for every catalogue category, which intents apply and what each asks of the hand.

An :class:`IntentSpec` names the parts the hand must touch, the parts it must leave free, the grasp
type, the role of each finger (finger -> part it should rest on; unnamed fingers are free to
help), and where the hand approaches from (``side``: palm facing the part's side, ``top``: palm
coming down along -z of the object frame, ``end``: along the part's long axis). Intents are
DexGYSNet's ``action_id`` 0001..0004: use, hold, lift, hand over.

The table is data: :func:`intent_table_markdown` renders it for ``docs/intents.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dexgys.errors import DexgysError
from dexgys.language.brief import INTENTS
from dexgys.language.words import FINGERS

GRASP_TYPES = ("power_wrap", "precision_pinch", "tripod", "hook", "lateral_pinch", "trigger_press", "palm_top")
APPROACHES = ("side", "top", "end")


@dataclass(frozen=True)
class IntentSpec:
    category: str
    intent: str
    target_parts: tuple[str, ...]
    grasp_type: str
    finger_roles: dict[str, str] = field(default_factory=dict)
    free_parts: tuple[str, ...] = ()
    approach: str = "side"

    def __post_init__(self) -> None:
        if self.intent not in INTENTS or self.grasp_type not in GRASP_TYPES or self.approach not in APPROACHES:
            raise ValueError(f"bad intent spec {self}")
        unknown = set(self.finger_roles) - set(FINGERS)
        if unknown:
            raise ValueError(f"unknown fingers {unknown} in {self.category}/{self.intent}")


def _wrap(part: str, palm: bool = True) -> dict[str, str]:
    roles = {f: part for f in ("thumb", "forefinger", "middle", "ring", "little")}
    if palm:
        roles["palm"] = part
    return roles


def _pinch(part: str, *fingers: str) -> dict[str, str]:
    return {f: part for f in ("thumb", *(fingers or ("forefinger",)))}


def _press(press_part: str, press_finger: str, hold_part: str) -> dict[str, str]:
    roles = _wrap(hold_part)
    roles[press_finger] = press_part
    return roles


S = IntentSpec
_SPECS: list[IntentSpec] = [
    # fruit and food
    S("apple", "hold", ("body",), "power_wrap", _wrap("body")),
    S("apple", "lift", ("body",), "palm_top", _wrap("body", palm=False), approach="top"),
    S("apple", "hand over", ("body",), "tripod", _pinch("body", "forefinger", "middle")),
    S("banana", "hold", ("body",), "power_wrap", _wrap("body")),
    S("banana", "use", ("stem", "body"), "trigger_press", _press("stem", "forefinger", "body")),
    S(
        "banana",
        "hand over",
        ("body",),
        "precision_pinch",
        _pinch("body", "forefinger", "middle"),
        free_parts=("stem",),
    ),
    S("donut", "hold", ("body",), "precision_pinch", _pinch("body", "forefinger", "middle")),
    S("donut", "lift", ("body",), "palm_top", _wrap("body", palm=False), approach="top"),
    # containers
    S("bottle", "use", ("body", "neck"), "power_wrap", {**_wrap("body"), "forefinger": "neck"}),
    S("bottle", "hold", ("body",), "power_wrap", _wrap("body")),
    S("bottle", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("neck", "cap")),
    S("bowl", "hold", ("body",), "power_wrap", _wrap("body", palm=False)),
    S("bowl", "lift", ("body",), "palm_top", _pinch("body", "forefinger", "middle", "ring"), approach="top"),
    S("can", "use", ("body",), "power_wrap", _wrap("body")),
    S("can", "hold", ("body",), "power_wrap", _wrap("body")),
    S("can", "lift", ("body",), "palm_top", _wrap("body", palm=False), approach="top"),
    S("cup", "use", ("body",), "power_wrap", _wrap("body")),
    S("cup", "hold", ("body",), "power_wrap", _wrap("body")),
    S("cup", "lift", ("body",), "palm_top", _wrap("body", palm=False), approach="top"),
    S("cylinder_bottle", "hold", ("body",), "power_wrap", _wrap("body")),
    S("cylinder_bottle", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("cap",)),
    S("mug", "use", ("handle",), "hook", {"forefinger": "handle", "middle": "handle", "thumb": "handle"}),
    S("mug", "hold", ("body",), "power_wrap", _wrap("body")),
    S("mug", "lift", ("handle",), "hook", {"forefinger": "handle", "middle": "handle", "ring": "handle"}),
    S("mug", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("handle",)),
    S("teapot", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("handle",)),
    S("wineglass", "use", ("stem",), "precision_pinch", _pinch("stem", "forefinger", "middle")),
    S("wineglass", "hold", ("bowl",), "power_wrap", _wrap("bowl", palm=False)),
    S("wineglass", "lift", ("stem",), "precision_pinch", _pinch("stem", "forefinger", "middle")),
    S(
        "wineglass",
        "hand over",
        ("bowl",),
        "tripod",
        _pinch("bowl", "forefinger", "middle"),
        free_parts=("stem", "base"),
    ),
    S("lotion_pump", "use", ("pump_head", "bottle"), "trigger_press", _press("pump_head", "forefinger", "bottle")),
    S("lotion_pump", "hold", ("bottle",), "power_wrap", _wrap("bottle")),
    S("lotion_pump", "hand over", ("bottle",), "power_wrap", _wrap("bottle"), free_parts=("pump_head",)),
    S("squeezable", "use", ("body",), "power_wrap", _wrap("body")),
    S("squeezable", "hold", ("body",), "power_wrap", _wrap("body")),
    S("squeezable", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("cap",)),
    S("trigger_sprayer", "use", ("trigger", "bottle"), "trigger_press", _press("trigger", "forefinger", "bottle")),
    S("trigger_sprayer", "hold", ("bottle",), "power_wrap", _wrap("bottle")),
    S("trigger_sprayer", "hand over", ("bottle",), "power_wrap", _wrap("bottle"), free_parts=("trigger", "head")),
    S("fryingpan", "use", ("handle",), "power_wrap", _wrap("handle")),
    S("fryingpan", "hold", ("handle",), "power_wrap", _wrap("handle")),
    # tools
    S("hammer", "use", ("handle",), "power_wrap", _wrap("handle")),
    S("hammer", "hold", ("handle",), "power_wrap", _wrap("handle")),
    S("hammer", "lift", ("handle",), "power_wrap", _wrap("handle", palm=False)),
    S("knife", "use", ("handle",), "power_wrap", _wrap("handle")),
    S("knife", "hold", ("handle",), "power_wrap", _wrap("handle")),
    S("screwdriver", "use", ("handle",), "power_wrap", _wrap("handle"), approach="end"),
    S("screwdriver", "hold", ("handle",), "power_wrap", _wrap("handle")),
    S("wrench", "use", ("handle",), "power_wrap", _wrap("handle")),
    S("wrench", "hold", ("handle",), "power_wrap", _wrap("handle")),
    S("pincer", "use", ("handles",), "power_wrap", _wrap("handles")),
    S("pincer", "hold", ("handles",), "power_wrap", _wrap("handles")),
    S("pincer", "hand over", ("jaws",), "precision_pinch", _pinch("jaws", "forefinger"), free_parts=("handles",)),
    S(
        "scissors",
        "use",
        ("handle_loops",),
        "precision_pinch",
        {"thumb": "handle_loops", "middle": "handle_loops", "forefinger": "handle_loops"},
    ),
    S("scissors", "hold", ("handle_loops",), "precision_pinch", _pinch("handle_loops", "forefinger", "middle")),
    S("power_drill", "use", ("handle", "trigger"), "trigger_press", _press("trigger", "forefinger", "handle")),
    S("power_drill", "hold", ("handle",), "power_wrap", _wrap("handle")),
    S("power_drill", "lift", ("body",), "palm_top", _wrap("body", palm=False), approach="top"),
    S("power_drill", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("handle", "trigger")),
    S(
        "stapler",
        "use",
        ("top",),
        "palm_top",
        {"palm": "top", "thumb": "base", "forefinger": "top", "middle": "top"},
        approach="top",
    ),
    S(
        "stapler",
        "hold",
        ("top", "base"),
        "power_wrap",
        {"thumb": "top", "forefinger": "base", "middle": "base", "ring": "base"},
    ),
    S("flashlight", "use", ("body", "switch"), "trigger_press", _press("switch", "thumb", "body")),
    S("flashlight", "hold", ("body",), "power_wrap", _wrap("body")),
    S("flashlight", "hand over", ("head",), "power_wrap", _wrap("head", palm=False), free_parts=("body",)),
    S("pen", "use", ("body",), "tripod", _pinch("body", "forefinger", "middle"), free_parts=("cap",)),
    S("pen", "hold", ("body",), "power_wrap", _wrap("body")),
    S("toothbrush", "use", ("handle",), "power_wrap", _wrap("handle", palm=False)),
    S("toothbrush", "hold", ("handle",), "precision_pinch", _pinch("handle", "forefinger", "middle")),
    S("lightbulb", "use", ("bulb",), "tripod", _pinch("bulb", "forefinger", "middle")),
    S("lightbulb", "hold", ("bulb",), "power_wrap", _wrap("bulb", palm=False)),
    # electronics and wearables
    S(
        "mouse",
        "use",
        ("body", "buttons"),
        "palm_top",
        {"palm": "body", "forefinger": "buttons", "middle": "buttons", "thumb": "body", "little": "body"},
        approach="top",
    ),
    S("mouse", "hold", ("body",), "precision_pinch", _pinch("body", "forefinger", "middle")),
    S(
        "phone",
        "use",
        ("body",),
        "power_wrap",
        {"thumb": "screen", "forefinger": "body", "middle": "body", "ring": "body", "palm": "body"},
    ),
    S("phone", "hold", ("body",), "power_wrap", _wrap("body")),
    S(
        "gamecontroller",
        "use",
        ("grips", "buttons"),
        "power_wrap",
        {"thumb": "buttons", "middle": "grips", "ring": "grips", "little": "grips", "palm": "grips"},
    ),
    S("gamecontroller", "hold", ("grips",), "power_wrap", _wrap("grips")),
    S(
        "gamecontroller",
        "hand over",
        ("body",),
        "precision_pinch",
        _pinch("body", "forefinger", "middle"),
        free_parts=("grips",),
    ),
    S("cameras", "use", ("body", "shutter_button"), "trigger_press", _press("shutter_button", "forefinger", "body")),
    S("cameras", "hold", ("body",), "power_wrap", _wrap("body")),
    S("cameras", "hand over", ("body",), "power_wrap", _wrap("body"), free_parts=("lens",)),
    S("binoculars", "use", ("barrels",), "power_wrap", _wrap("barrels")),
    S(
        "binoculars",
        "hold",
        ("barrels",),
        "precision_pinch",
        _pinch("barrels", "forefinger", "middle"),
        free_parts=("eyepieces",),
    ),
    S("binoculars", "hand over", ("barrels",), "power_wrap", _wrap("barrels"), free_parts=("eyepieces",)),
    S("headphones", "use", ("headband",), "precision_pinch", _pinch("headband", "forefinger", "middle")),
    S("headphones", "hold", ("headband",), "power_wrap", _wrap("headband", palm=False)),
    S(
        "headphones",
        "hand over",
        ("headband",),
        "precision_pinch",
        _pinch("headband", "forefinger"),
        free_parts=("earcups",),
    ),
    S("eyeglasses", "hold", ("frame",), "precision_pinch", _pinch("frame", "forefinger", "middle")),
    S("eyeglasses", "hand over", ("frame",), "precision_pinch", _pinch("frame", "forefinger"), free_parts=("temples",)),
]

_BY_KEY: dict[tuple[str, str], IntentSpec] = {}
for _spec in _SPECS:
    if (_spec.category, _spec.intent) in _BY_KEY:
        raise RuntimeError(f"intent {_spec.category}/{_spec.intent} listed twice")
    _BY_KEY[(_spec.category, _spec.intent)] = _spec


def intents_for(category: str) -> list[str]:
    """The intents that make sense for ``category``, in DexGYSNet order."""
    found = [intent for intent in INTENTS if (category, intent) in _BY_KEY]
    if not found:
        raise DexgysError(f"no intents are defined for category {category!r}")
    return found


def get_intent_spec(category: str, intent: str) -> IntentSpec:
    if intent not in INTENTS:
        raise DexgysError(f"unknown intent {intent!r} (known: {', '.join(INTENTS)})")
    try:
        return _BY_KEY[(category, intent)]
    except KeyError:
        options = ", ".join(i for i in INTENTS if (category, i) in _BY_KEY) or "none"
        raise DexgysError(f"intent {intent!r} is not supported for {category!r} (supported: {options})") from None


def all_intent_specs() -> list[IntentSpec]:
    return list(_SPECS)


def intent_table_markdown(specs: list[IntentSpec] | None = None) -> str:
    """``specs`` (default: the whole catalogue) as a Markdown table, one row per category and intent."""
    lines = [
        "| category | intent | target parts | grasp type | approach | finger roles | left free |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in sorted(_SPECS if specs is None else specs, key=lambda s: (s.category, INTENTS.index(s.intent))):
        roles = "; ".join(f"{f}: {p}" for f, p in spec.finger_roles.items())
        lines.append(
            f"| {spec.category} | {spec.intent} | {', '.join(spec.target_parts)} | {spec.grasp_type} | {spec.approach} "
            f"| {roles} | {', '.join(spec.free_parts) or '—'} |"
        )
    return "\n".join(lines)

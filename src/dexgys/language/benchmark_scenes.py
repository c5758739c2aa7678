"""The instruction benchmark's scenes: per catalogue category, what an instruction asks -- an intent,
finger groups (:data:`~dexgys.language.benchmark_tables.HANDS` keys) on parts, parts to keep free.

Written apart from the composer, like the rest of the benchmark
(:mod:`dexgys.language.benchmark_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCENES", "Scene"]


@dataclass(frozen=True)
class Scene:
    intent: str
    contacts: tuple[tuple[str, str | None], ...]  # (hand key or "none", part or None for the object)
    avoid: tuple[str, ...] = ()


def _scene(intent: str, contacts: str, avoid: str = "") -> Scene:
    """``_scene("use", "index:trigger rest:bottle", "nozzle")``; ``-`` for the object itself."""
    pairs = tuple((hand, None if part == "-" else part) for hand, part in (c.split(":") for c in contacts.split()))
    return Scene(intent, pairs, tuple(avoid.split()))


_S = _scene
SCENES: dict[str, tuple[Scene, ...]] = {
    "apple": (
        _S("hold", "whole:-"),
        _S("hold", "tripod:body", "stem"),
        _S("lift", "all5:-", "stem"),
        _S("lift", "none:stem"),
        _S("hand over", "tripod:-", "stem"),
    ),
    "banana": (
        _S("use", "index:stem rest:body"),
        _S("use", "pinch:stem"),
        _S("hold", "fist:-"),
        _S("hold", "all5:body", "stem"),
        _S("hand over", "tripod:body", "stem"),
    ),
    "binoculars": (
        _S("use", "all5:barrels", "eyepieces"),
        _S("use", "whole:barrels"),
        _S("hold", "tripod:barrels", "eyepieces"),
        _S("hand over", "none:barrels", "eyepieces"),
        _S("hand over", "pinch:bridge", "eyepieces"),
    ),
    "bottle": (
        _S("use", "pinch:cap rest:body"),
        _S("use", "none:cap"),
        _S("use", "index:neck rest:body"),
        _S("hold", "whole:body", "cap"),
        _S("hold", "fist:neck"),
        _S("hand over", "all5:body", "cap neck"),
        _S("hand over", "none:body", "cap"),
    ),
    "bowl": (_S("hold", "all5:-"), _S("hold", "palm:-"), _S("lift", "tripod:-"), _S("lift", "whole:-")),
    "cameras": (
        _S("use", "index:shutter_button rest:body", "lens"),
        _S("use", "index:shutter_button"),
        _S("hold", "whole:body", "lens"),
        _S("hold", "all5:body"),
        _S("hand over", "none:body", "lens"),
    ),
    "can": (
        _S("use", "all5:-"),
        _S("use", "whole:-"),
        _S("hold", "fist:-"),
        _S("lift", "tripod:-"),
        _S("lift", "pinch:-"),
    ),
    "cup": (
        _S("use", "all5:-"),
        _S("use", "whole:-"),
        _S("hold", "thumb:- four:-"),
        _S("hold", "all_but_little:-"),
        _S("lift", "tripod:-"),
    ),
    "cylinder_bottle": (
        _S("hold", "whole:body", "cap"),
        _S("hold", "all5:-"),
        _S("hold", "fist:body"),
        _S("hand over", "all5:body", "cap"),
        _S("hand over", "none:body", "cap"),
    ),
    "donut": (_S("hold", "pinch:-"), _S("hold", "tripod:-"), _S("lift", "palm:-"), _S("lift", "all5:-")),
    "eyeglasses": (
        _S("hold", "pinch:frame", "lenses"),
        _S("hold", "none:frame", "lenses"),
        _S("hold", "tripod:frame"),
        _S("hand over", "pinch:frame", "temples"),
        _S("hand over", "none:frame", "lenses temples"),
    ),
    "flashlight": (
        _S("use", "thumb:switch rest:body"),
        _S("use", "thumb:switch", "head"),
        _S("hold", "fist:body"),
        _S("hold", "all5:body", "head"),
        _S("hand over", "all5:head", "body"),
        _S("hand over", "none:head", "body"),
    ),
    "fryingpan": (
        _S("use", "whole:handle", "pan"),
        _S("use", "fist:handle"),
        _S("hold", "all5:handle", "pan"),
        _S("hold", "none:handle"),
    ),
    "gamecontroller": (
        _S("use", "thumb:buttons rest:grips"),
        _S("use", "thumb:buttons"),
        _S("hold", "whole:grips"),
        _S("hold", "all5:grips", "buttons"),
        _S("hand over", "pinch:body", "grips"),
        _S("hand over", "none:body", "grips"),
    ),
    "hammer": (
        _S("use", "fist:handle", "head"),
        _S("use", "all5:handle"),
        _S("hold", "whole:handle"),
        _S("hold", "none:handle", "head"),
        _S("lift", "none:handle"),
        _S("lift", "all5:handle"),
    ),
    "headphones": (
        _S("use", "tripod:headband", "earcups"),
        _S("use", "pinch:headband"),
        _S("hold", "four:headband"),
        _S("hold", "none:headband", "earcups"),
        _S("hand over", "pinch:headband", "earcups"),
        _S("hand over", "none:headband", "earcups"),
    ),
    "knife": (
        _S("use", "fist:handle", "blade"),
        _S("use", "all5:handle", "blade"),
        _S("use", "all_but_little:handle", "blade"),
        _S("hold", "whole:handle", "blade"),
        _S("hold", "none:handle", "blade"),
        _S("hold", "pinch:handle"),
    ),
    "lightbulb": (
        _S("use", "tripod:bulb", "base"),
        _S("use", "all5:bulb"),
        _S("hold", "whole:bulb", "base"),
        _S("hold", "none:bulb", "base"),
    ),
    "lotion_pump": (
        _S("use", "index:pump_head rest:bottle"),
        _S("use", "palm:pump_head", "nozzle"),
        _S("use", "index_not_thumb:pump_head"),
        _S("use", "none:pump_head", "nozzle"),
        _S("hold", "whole:bottle", "pump_head"),
        _S("hand over", "all5:bottle", "pump_head"),
        _S("hand over", "none:bottle", "pump_head nozzle"),
    ),
    "mouse": (
        _S("use", "first_two:buttons palm:body"),
        _S("use", "index:buttons"),
        _S("hold", "thumb_little:body"),
        _S("hold", "pinch:body", "buttons"),
    ),
    "mug": (
        _S("use", "first_two:handle thumb:handle"),
        _S("use", "none:handle"),
        _S("lift", "three_base:handle"),
        _S("lift", "none:handle"),
        _S("hold", "whole:body", "handle"),
        _S("hold", "all_but_little:body"),
        _S("hand over", "all5:body", "handle"),
        _S("hand over", "none:body", "handle"),
    ),
    "pen": (
        _S("use", "tripod:body", "tip"),
        _S("use", "pinch:body", "cap"),
        _S("hold", "fist:body"),
        _S("hold", "none:body", "tip"),
    ),
    "phone": (
        _S("use", "thumb:screen rest:body"),
        _S("use", "thumb:screen"),
        _S("hold", "little:body rest:body"),
        _S("hold", "whole:body", "screen"),
        _S("hold", "none:body", "buttons"),
    ),
    "pincer": (
        _S("use", "all5:handles", "jaws"),
        _S("use", "fist:handles"),
        _S("hold", "whole:handles", "jaws"),
        _S("hand over", "pinch:jaws", "handles"),
        _S("hand over", "none:jaws", "handles"),
    ),
    "power_drill": (
        _S("use", "index:trigger rest:handle"),
        _S("use", "index:trigger", "chuck"),
        _S("use", "first_two:trigger rest:handle"),
        _S("hold", "fist:handle", "trigger"),
        _S("hold", "none:handle", "trigger"),
        _S("lift", "all5:body", "chuck"),
        _S("lift", "none:body"),
        _S("hand over", "none:body", "handle trigger"),
        _S("hand over", "whole:body", "trigger"),
    ),
    "scissors": (
        _S("use", "thumb_middle:handle_loops index:handle_loops", "blades"),
        _S("use", "none:handle_loops", "blades"),
        _S("use", "thumb_middle:handle_loops", "blades"),
        _S("hold", "pinch:handle_loops", "blades"),
        _S("hold", "none:handle_loops", "blades"),
    ),
    "screwdriver": (
        _S("use", "fist:handle", "shaft"),
        _S("use", "palm:handle all5:handle"),
        _S("use", "all5:handle", "tip"),
        _S("hold", "tripod:handle", "tip"),
        _S("hold", "none:handle", "shaft tip"),
    ),
    "squeezable": (
        _S("use", "all5:body"),
        _S("use", "fist:body"),
        _S("hold", "all5:body", "cap"),
        _S("hold", "whole:body"),
        _S("hand over", "none:body", "cap"),
        _S("hand over", "all5:body", "cap"),
    ),
    "stapler": (
        _S("use", "palm:top", "base"),
        _S("use", "palm:top thumb:base"),
        _S("use", "first_two:top"),
        _S("hold", "thumb:top three_base:base"),
        _S("hold", "none:base"),
    ),
    "teapot": (
        _S("hand over", "all5:body", "handle"),
        _S("hand over", "whole:body", "handle spout"),
        _S("hand over", "none:body", "handle"),
        _S("hand over", "palm:body four:body", "spout"),
    ),
    "toothbrush": (
        _S("use", "all5:handle", "head"),
        _S("use", "tripod:handle"),
        _S("hold", "pinch:handle", "head"),
        _S("hold", "none:handle"),
    ),
    "trigger_sprayer": (
        _S("use", "index:trigger rest:bottle"),
        _S("use", "index:trigger", "nozzle"),
        _S("use", "first_two:trigger rest:bottle"),
        _S("use", "none:trigger", "nozzle"),
        _S("use", "index_not_thumb:trigger", "nozzle"),
        _S("hold", "whole:bottle", "trigger"),
        _S("hand over", "all5:bottle", "trigger head"),
        _S("hand over", "none:bottle", "trigger"),
    ),
    "wineglass": (
        _S("use", "tripod:stem", "bowl"),
        _S("use", "pinch:stem"),
        _S("hold", "palm:bowl"),
        _S("lift", "pinch:stem", "bowl"),
        _S("lift", "none:stem"),
        _S("hand over", "tripod:bowl", "stem base"),
        _S("hand over", "none:bowl", "stem"),
    ),
    "wrench": (
        _S("use", "fist:handle", "head"),
        _S("use", "all5:handle"),
        _S("hold", "all_but_little:handle"),
        _S("hold", "none:handle", "head"),
    ),
}

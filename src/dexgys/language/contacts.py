"""Contact facts: which object parts each finger (and the palm) touches.

This is step 2 of the paper's annotation pipeline (DexGYS §3.3, A.2.1): for each
finger, the distance from its contact anchors to each object part decides which
parts it touches, and the result is written as a short descriptor such as
"forefinger touches the trigger; thumb, middle finger, ring finger and little
finger touch the head". The synthesis layer computes the distances; this module
applies the threshold and writes the text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dexgys.errors import DexgysError
from dexgys.language.words import (
    DIGITS,
    FINGER_WORDS,
    FINGERS,
    join_list,
    normalize_finger,
    normalize_name,
    part_phrase,
)

#: A finger touches a part when the distance from its nearest contact anchor to the
#: part's surface is at most this many metres (penetration, i.e. a negative distance,
#: counts as touching). The paper does not state its threshold; 5 mm is the usual
#: contact tolerance in DexGraspNet-style pipelines.
CONTACT_THRESHOLD: float = 0.005

_Contacts = tuple[tuple[str, tuple[str, ...]], ...]


def _normalize(contacts: object) -> _Contacts:
    if isinstance(contacts, Mapping):
        items: Iterable = contacts.items()
    elif isinstance(contacts, (tuple, list)):
        items = contacts
    else:
        raise DexgysError(f"contact facts must be a mapping finger -> parts, got {type(contacts).__name__}")
    merged: dict[str, set[str]] = {}
    for item in items:
        try:
            finger, parts = item
        except (TypeError, ValueError):
            raise DexgysError(f"contact facts entry {item!r} is not a (finger, parts) pair") from None
        f = normalize_finger(finger)
        if isinstance(parts, str):
            parts = [parts]
        if not isinstance(parts, Iterable):
            raise DexgysError(f"parts touched by {finger!r} must be a list of part names")
        merged.setdefault(f, set()).update(normalize_name(p) for p in parts)
    return tuple((f, tuple(sorted(merged[f]))) for f in FINGERS if merged.get(f))


@dataclass(frozen=True)
class ContactFacts:
    """Which parts each finger touches: ``ContactFacts({"forefinger": ["trigger"], "thumb": ["head"]})``.

    Stored as ``((finger, (part, ...)), ...)`` with fingers in the canonical order
    of :data:`FINGERS` and parts sorted, fingers that touch nothing left out, so
    equal facts compare and hash equal whatever order they were given in. Finger
    names accept common aliases ("index", "pinky", "middle finger"); part names
    are snake_case (spaces and hyphens become underscores).
    """

    contacts: _Contacts = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "contacts", _normalize(self.contacts))

    # ---- constructors -------------------------------------------------------------
    @classmethod
    def from_dict(cls, mapping: Mapping[str, Iterable[str] | str]) -> ContactFacts:
        """From ``{finger: parts}`` (parts a list, set or tuple of names, or one name)."""
        return cls(mapping)  # type: ignore[arg-type]

    @classmethod
    def from_distances(
        cls,
        finger_part_distances: Mapping[str, Mapping[str, float]],
        threshold: float = CONTACT_THRESHOLD,
    ) -> ContactFacts:
        """From ``{finger: {part: distance in metres}}``: a finger touches a part if distance <= threshold."""
        thr = float(threshold)
        if not math.isfinite(thr) or thr < 0:
            raise DexgysError(f"contact threshold must be a finite non-negative distance, got {threshold!r}")
        out: dict[str, list[str]] = {}
        for finger, per_part in finger_part_distances.items():
            touched = out.setdefault(finger, [])
            for part, dist in per_part.items():
                d = float(dist)
                if math.isnan(d):
                    raise DexgysError(f"distance from {finger} to {part} is NaN")
                if d <= thr:
                    touched.append(part)
        return cls(out)  # type: ignore[arg-type]

    # ---- queries ------------------------------------------------------------------
    def as_dict(self) -> dict[str, list[str]]:
        """``{finger: [parts]}`` (JSON-ready)."""
        return {f: list(ps) for f, ps in self.contacts}

    @property
    def fingers(self) -> tuple[str, ...]:
        """Hand parts that touch something, canonical order."""
        return tuple(f for f, _ in self.contacts)

    @property
    def parts(self) -> tuple[str, ...]:
        """Every touched part, sorted."""
        return tuple(sorted({p for _, ps in self.contacts for p in ps}))

    def parts_of(self, finger: str) -> tuple[str, ...]:
        f = normalize_finger(finger)
        return dict(self.contacts).get(f, ())

    def fingers_on(self, part: str, digits_only: bool = False) -> tuple[str, ...]:
        """Fingers (and the palm unless ``digits_only``) touching ``part``, canonical order."""
        allowed = DIGITS if digits_only else FINGERS
        return tuple(f for f, ps in self.contacts if part in ps and f in allowed)

    def touches(self, finger: str, part: str) -> bool:
        return part in self.parts_of(finger)

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((f, p) for f, ps in self.contacts for p in ps)

    @property
    def is_empty(self) -> bool:
        return not self.contacts

    # ---- text ---------------------------------------------------------------------
    def to_text(self) -> str:
        """The paper's contact descriptor.

        Fingers touching exactly the same parts are grouped; groups are ordered by size
        (smallest first), then by their first finger, e.g.
        ``"forefinger touches the trigger; thumb, middle finger, ring finger and little finger touch the head"``.
        """
        if not self.contacts:
            return "no part of the hand touches the object"
        groups: dict[tuple[str, ...], list[str]] = {}
        for f, ps in self.contacts:
            groups.setdefault(ps, []).append(f)
        ordered = sorted(groups.items(), key=lambda kv: (len(kv[1]), FINGERS.index(kv[1][0])))
        clauses = []
        for parts, fingers in ordered:
            who = join_list([FINGER_WORDS[f] for f in fingers])
            verb = "touches" if len(fingers) == 1 else "touch"
            what = join_list([f"the {part_phrase(p)}" for p in parts])
            clauses.append(f"{who} {verb} {what}")
        return "; ".join(clauses)

    def __str__(self) -> str:
        return self.to_text()

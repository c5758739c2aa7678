"""The settings of the physics polish (:mod:`dexgys.synthesis.polish`), in checked groups.

:class:`PolishConfig` holds one frozen dataclass per group: :class:`PolishWeights` (one weight per
energy term, named as the term), :class:`PolishContacts` (which phalanges the contact term pulls,
and how hard), :class:`PolishMargins` (the terms' distances), :class:`AnchorScales`,
:class:`PolishDescent` (steps and learning rates), :class:`ScreenRule` and :class:`RescueRule` (the
runner's screen and rescue, :class:`~dexgys.synthesis.polisher.Polisher`). Every group checks its
ranges when it is made; settings change by their dotted names
(``PolishConfig().with_changes({"weights.avoid": 0.0})``) and travel as JSON
(:meth:`PolishConfig.as_dict`, :meth:`PolishConfig.from_dict`). The defaults and why they were
chosen: :mod:`dexgys.synthesis.polish`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from dexgys.errors import DexgysError
from dexgys.synthesis.optimize import OptimizerConfig

__all__ = [
    "AnchorScales",
    "PolishConfig",
    "PolishContacts",
    "PolishDescent",
    "PolishMargins",
    "PolishWeights",
    "RescueRule",
    "ScreenRule",
]


class _Checked:
    """Range checks for a settings group: switches are bools, integer fields non-negative integers, the
    others finite, non-negative numbers (positive for those in ``_POSITIVE``; None where ``_OPTIONAL`` allows it)."""

    _POSITIVE: tuple[str, ...] = ()
    _OPTIONAL: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in fields(self):
            value, where = getattr(self, f.name), f"PolishConfig.{_GROUP_OF[type(self).__name__]}.{f.name}"
            if f.type == "bool":
                if not isinstance(value, bool):
                    raise DexgysError(f"{where} must be True or False, got {value!r}")
                continue
            if f.type == "int":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise DexgysError(f"{where} must be a non-negative integer, got {value!r}")
                continue
            if value is None and f.name in self._OPTIONAL:
                continue
            positive = f.name in self._POSITIVE
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
                or (positive and value == 0)
            ):
                raise DexgysError(
                    f"{where} must be a finite {'positive' if positive else 'non-negative'} number, got {value!r}"
                )


@dataclass(frozen=True)
class PolishWeights(_Checked):
    """The weight of each term of :class:`PolishEnergy`, by the term's name (module docstring)."""

    penetration: float = 20.0
    contact: float = 5.0
    region: float = 100.0
    keep_off: float = 0.0
    avoid: float = 30.0
    surface: float = 0.0
    force_closure: float = 0.02
    self_penetration: float = 1.0
    joint_limits: float = 5.0
    anchor: float = 0.02


@dataclass(frozen=True)
class PolishContacts(_Checked):
    """Which phalanges the contact term pulls and how hard: those within ``engage_distance`` (m) of the
    object at the start; the inner phalanges and the palm at ``inner_phalanx`` times a distal
    phalanx's weight; the named fingers' phalanges ``named_finger`` times harder; object points that
    the contact-region predictor gives every hand part a probability under ``free_below`` are the
    keep-off term's free points."""

    engage_distance: float = 0.05
    inner_phalanx: float = 0.5
    named_finger: float = 8.0
    free_below: float = 0.1


@dataclass(frozen=True)
class PolishMargins(_Checked):
    """Distances (m) of the terms: the swept spheres' clearance off the surface (``named_penetration``
    for the named fingers' spheres; None: ``penetration``), the region term's slack, the keep-off and
    avoid terms' clearances, and the surface term's clearance off the hand."""

    _OPTIONAL = ("named_penetration",)

    penetration: float = 0.002
    named_penetration: float | None = 0.0015
    region: float = 0.005
    keep_off: float = 0.008
    avoid: float = 0.008
    surface: float = 0.001


@dataclass(frozen=True)
class AnchorScales(_Checked):
    """How far a grasp may move before the anchor term costs 1 per unit weight: translation (m),
    rotation (Frobenius norm of the matrix change) and joints (rad)."""

    _POSITIVE = ("translation", "rotation", "joints")

    translation: float = 0.01
    rotation: float = 0.1
    joints: float = 0.2


@dataclass(frozen=True)
class PolishDescent(_Checked):
    """The descent: ``steps`` Adam steps at these learning rates (joints clamped to their limits)."""

    _POSITIVE = ("lr_translation", "lr_rotation", "lr_joints")

    steps: int = 150
    lr_translation: float = 0.001
    lr_rotation: float = 0.01
    lr_joints: float = 0.02


@dataclass(frozen=True)
class ScreenRule(_Checked):
    """The early screen (:class:`~dexgys.synthesis.polisher.Polisher`): candidates are ranked by
    :func:`early_residual` after ``step`` steps; with ``words``, those that break fewer of the words'
    orders where they stand then go first (as the selection ranks them)."""

    step: int = 20
    words: bool = True


@dataclass(frozen=True)
class RescueRule(_Checked):
    """The rescue (module docstring): finished grasps with an object point ``depth`` (m) or deeper inside
    the hand get ``steps`` more steps with the surface term at weight ``surface`` (``steps`` 0: off)."""

    depth: float = 0.002
    surface: float = 100.0
    steps: int = 100


_GROUPS = {
    "weights": PolishWeights,
    "contacts": PolishContacts,
    "margins": PolishMargins,
    "anchor": AnchorScales,
    "descent": PolishDescent,
    "screen": ScreenRule,
    "rescue": RescueRule,
}
_GROUP_OF = {cls.__name__: name for name, cls in _GROUPS.items()}


@dataclass(frozen=True)
class PolishConfig:
    """Every setting of the polish, in groups (module docstring):

    ``weights`` (:class:`PolishWeights`), ``contacts`` (:class:`PolishContacts`), ``margins``
    (:class:`PolishMargins`), ``anchor`` (:class:`AnchorScales`), ``descent`` (:class:`PolishDescent`),
    ``screen`` (:class:`ScreenRule`) and ``rescue`` (:class:`RescueRule`); each group checks its ranges.
    Change settings by their dotted names: ``PolishConfig().with_changes({"weights.avoid": 0.0,
    "descent.steps": 50})``."""

    weights: PolishWeights = PolishWeights()
    contacts: PolishContacts = PolishContacts()
    margins: PolishMargins = PolishMargins()
    anchor: AnchorScales = AnchorScales()
    descent: PolishDescent = PolishDescent()
    screen: ScreenRule = ScreenRule()
    rescue: RescueRule = RescueRule()

    def __post_init__(self) -> None:
        for name, cls in _GROUPS.items():
            if not isinstance(getattr(self, name), cls):
                raise DexgysError(
                    f"PolishConfig.{name} must be a {cls.__name__}, got {type(getattr(self, name)).__name__}"
                )

    def with_changes(self, changes: dict) -> PolishConfig:
        """A copy with ``changes`` (dotted setting name, e.g. ``"weights.avoid"`` -> value) applied and
        checked; an unknown name is an error that lists the group's settings."""
        grouped: dict[str, dict] = {}
        for key, value in changes.items():
            group, _, name = str(key).partition(".")
            if group not in _GROUPS:
                raise DexgysError(
                    f"unknown polish setting {key!r}: settings are {', '.join(g + '.NAME' for g in _GROUPS)}"
                )
            known = [f.name for f in fields(_GROUPS[group])]
            if name not in known:
                raise DexgysError(f"unknown polish setting {key!r}: {group}. takes {', '.join(known)}")
            grouped.setdefault(group, {})[name] = value
        return replace(self, **{group: replace(getattr(self, group), **values) for group, values in grouped.items()})

    def as_dict(self) -> dict:
        """``{group: {setting: value}}``, JSON-ready; :meth:`from_dict` reads it back."""
        return {name: asdict(getattr(self, name)) for name in _GROUPS}

    @classmethod
    def from_dict(cls, data: dict) -> PolishConfig:
        """The config :meth:`as_dict` wrote (groups or settings missing take their defaults)."""
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise DexgysError("a polish config must be a dict of setting groups, each a dict")
        return cls().with_changes(
            {f"{group}.{name}": value for group, values in data.items() for name, value in values.items()}
        )

    def optimizer(self) -> OptimizerConfig:
        d = self.descent
        return OptimizerConfig(
            steps=d.steps, lr_translation=d.lr_translation, lr_rotation=d.lr_rotation, lr_joints=d.lr_joints
        )

"""The procedural object catalogue: ``category + seed -> part-labelled object``.

A category is a function ``rng -> list[Part]`` registered with :func:`register_category`, together with
its semantic part names and the range of its largest bounding-box extent (metres). ``mug:17`` always
gives the same mug: the generator's ``numpy.random.Generator`` is seeded from the category name and the
seed only. The modules that define categories are imported at the bottom of this file.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dexgys.errors import DexgysError
from dexgys.objects.primitive_object import Part, PrimitiveObject

__all__ = ["CategorySpec", "register_category", "categories", "get_category", "make_object", "parse_object_name"]


@dataclass(frozen=True)
class CategorySpec:
    """What a catalogue category promises: its parts, its size and how to build it."""

    name: str
    parts: tuple[str, ...]
    size_range: tuple[float, float]  # largest bounding-box extent, metres
    build: Callable[[np.random.Generator], list[Part]]
    description: str = ""


_REGISTRY: dict[str, CategorySpec] = {}
_NAME = re.compile(r"^([a-z_]+):(\d+)$")


def register_category(name: str, parts: tuple[str, ...], size_range: tuple[float, float], description: str = ""):
    """Decorator registering ``build(rng) -> list[Part]`` as catalogue category ``name``."""

    def decorate(build: Callable[[np.random.Generator], list[Part]]):
        if name in _REGISTRY:
            raise RuntimeError(f"catalogue category {name!r} registered twice")
        _REGISTRY[name] = CategorySpec(name, tuple(parts), tuple(size_range), build, description)
        return build

    return decorate


def categories() -> list[str]:
    """Registered category names, sorted."""
    return sorted(_REGISTRY)


def get_category(name: str) -> CategorySpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise DexgysError(f"unknown object category {name!r} (known: {', '.join(categories())})") from None


def parse_object_name(text: str) -> tuple[str, int]:
    """``"mug:17"`` -> ``("mug", 17)``; raises DexgysError for anything else."""
    m = _NAME.match(text.strip())
    if not m:
        raise DexgysError(f"catalogue object names look like 'mug:17' (category:seed), got {text!r}")
    get_category(m.group(1))
    return m.group(1), int(m.group(2))


def category_rng(category: str, seed: int) -> np.random.Generator:
    """The generator a category builder receives: depends on the category name and seed only."""
    return np.random.default_rng([zlib.crc32(category.encode()), int(seed)])


def make_object(category: str, seed: int = 0) -> PrimitiveObject:
    """Build catalogue object ``category:seed`` (or pass ``"mug:17"`` as ``category``)."""
    if ":" in category:
        category, seed = parse_object_name(category)
    spec = get_category(category)
    if seed < 0:
        raise DexgysError(f"object seed must be non-negative, got {seed}")
    parts = spec.build(category_rng(category, seed))
    return PrimitiveObject.from_parts(
        f"{category}:{seed}",
        parts,
        category=category,
        source={"kind": "catalogue", "category": category, "seed": int(seed)},
    )


def _load_category_modules() -> None:
    from dexgys.objects.catalogue import household, tools  # noqa: F401  (registration side effects)


_load_category_modules()

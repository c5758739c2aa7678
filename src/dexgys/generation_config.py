"""How grasps are generated, as one value: sampler, stages and selection, checked once.

A :class:`GenerationConfig` is what :meth:`~dexgys.pipeline.GraspGenerator.generate` and
:func:`~dexgys.evaluation.batch.predict_records` take, what the CLI builds from its flags
(:func:`dexgys.cli.common.generation_config`), and what every grasp file records (its
``"generation"`` entry, :meth:`GenerationConfig.as_dict`), so that a result can be made again from
its file alone. ``None`` means the generator's own default (the model file's guidance scale, the
generator's ``oversample`` and ``finalists``).
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields

from dexgys.errors import DexgysError

__all__ = ["DEFAULT_FINALISTS", "DEFAULT_OVERSAMPLE", "GenerationConfig", "MAX_CANDIDATES_PER_GRASP", "SAMPLER_NAMES"]

SAMPLER_NAMES = ("ddpm", "ddim")  # the diffusion samplers (dexgys.models.diffusion.SAMPLERS)
MAX_CANDIDATES_PER_GRASP = 64  # the most candidates drawn, or finished, per returned grasp
DEFAULT_OVERSAMPLE = 8  # candidates drawn per returned grasp when polishing (docs/experiments/results-history.md)
DEFAULT_FINALISTS = 2  # candidates per returned grasp that the polish finishes (the same)


@dataclass(frozen=True)
class GenerationConfig:
    """``sampler``: ``"ddpm"`` (every diffusion step, the paper's) or ``"ddim"`` with ``steps`` (the
    model checks them: DDPM takes none or all);
    ``refine``: run QGC; ``polish``: run the physics polish (which also ranks the candidates);
    ``guidance_scale``: the classifier-free guidance scale (at least 1; None: the model file's);
    ``oversample``: candidates drawn per returned grasp and ``finalists``: how many of them per grasp
    the polish finishes (1 to 64; None: the generator's; only with the polish)."""

    sampler: str = "ddpm"
    steps: int | None = None
    refine: bool = True
    polish: bool = True
    guidance_scale: float | None = None
    oversample: int | None = None
    finalists: int | None = None

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLER_NAMES:
            raise DexgysError(f"unknown sampler {self.sampler!r}; choose one of {', '.join(SAMPLER_NAMES)}")
        if self.steps is not None and (not _is_int(self.steps) or self.steps < 1):
            raise DexgysError(f"the number of sampling steps must be a positive integer, got {self.steps!r}")
        for name in ("refine", "polish"):
            if not isinstance(getattr(self, name), bool):
                raise DexgysError(f"{name} must be true or false, got {getattr(self, name)!r}")
        scale = self.guidance_scale
        if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale >= 1):
            raise DexgysError(f"the guidance scale must be a number of at least 1, got {scale!r}")
        for name, what in (
            ("oversample", "candidates per grasp"),
            ("finalists", "candidates per grasp the polish finishes"),
        ):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or not 1 <= value <= MAX_CANDIDATES_PER_GRASP):
                raise DexgysError(
                    f"{name} must be an integer from 1 to {MAX_CANDIDATES_PER_GRASP} ({what}), got {value!r}"
                )

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GenerationConfig:
        """The config a grasp file's ``"generation"`` entry records; unknown keys are an error."""
        if not isinstance(data, dict):
            raise DexgysError(f"a generation config must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise DexgysError(f"unknown generation setting(s): {', '.join(unknown)}")
        return cls(**data)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)

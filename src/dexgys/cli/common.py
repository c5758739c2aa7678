"""Helpers shared by the sub-commands."""

from __future__ import annotations

import logging
from pathlib import Path

from dexgys.errors import DexgysError


def check_output_dirs(*paths: str | None) -> None:
    """Fail before any work if an output file's directory does not exist, the path is a directory, or
    two outputs are the same file (one would overwrite the other)."""
    given = [Path(p).resolve() for p in paths if p is not None]
    if len(set(given)) < len(given):
        twice = next(p for p in given if given.count(p) > 1)
        raise DexgysError(f"two outputs are the same file {str(twice)!r}; give each its own path")
    for path in paths:
        if path is None:
            continue
        if Path(path).is_dir():
            raise DexgysError(f"output file {path!r} is a directory; give a file name")
        if not Path(path).resolve().parent.is_dir():
            raise DexgysError(f"output directory of {path!r} does not exist")


MAX_REACH_M = 1.0  # a palm farther than this from the object is a unit or frame mistake
JOINT_SLACK_RAD = 0.05  # joints this far outside their range are clamped; farther is a mistake (degrees?)


def checked_grasps(vectors, hand, where: str):
    """Grasp vectors ``(B, 6 + n)`` of a file as a float64 array, each joint clamped into the hand's
    range when it is at most :data:`JOINT_SLACK_RAD` outside it (with a warning); one clear error for grasps of another
    length, a palm farther than :data:`MAX_REACH_M` from the object, or a joint farther outside (a
    file written in degrees, or for another hand)."""
    import numpy as np

    bad = next((len(v) for v in vectors if len(v) != 6 + hand.n_dofs), None)
    if bad is not None:
        raise DexgysError(
            f"{where}: a grasp vector has {bad} values; the {hand.name} hand needs "
            f"{6 + hand.n_dofs} (translation, axis-angle, {hand.n_dofs} joints)"
        )
    g = np.asarray(vectors, dtype=np.float64)
    far = np.linalg.norm(g[:, :3], axis=1) > MAX_REACH_M
    if far.any():
        k = int(np.argmax(far))
        raise DexgysError(
            f"{where}: grasp {k} puts the palm {np.linalg.norm(g[k, :3]):.3g} m from the object "
            f"(more than {MAX_REACH_M:g} m: translations are in metres, object frame)"
        )
    lo, hi = hand.joint_lower.double().numpy(), hand.joint_upper.double().numpy()
    outside = np.maximum(lo - g[:, 6:], g[:, 6:] - hi)
    if (outside > JOINT_SLACK_RAD).any():
        k, j = np.unravel_index(int(np.argmax(outside)), outside.shape)
        raise DexgysError(
            f"{where}: grasp {k} sets joint {hand.joint_names[j]} to {g[k, 6 + j]:.3g} rad, outside its "
            f"range [{lo[j]:.3g}, {hi[j]:.3g}] (joints are in radians)"
        )
    if (outside > 0).any():
        logging.getLogger(__name__).warning(
            f"{where}: {int((outside > 0).sum())} joint values up to {outside.max():.3g} rad outside their range "
            "were clamped into it"
        )
    g[:, 6:] = np.clip(g[:, 6:], lo, hi)
    return g


def add_polish_hand_flags(p) -> None:
    """``--hand`` (the hand the physics polish fits the grasps to) and ``--device``, shared by
    ``generate``, ``predict`` and ``polish``."""
    p.add_argument(
        "--hand",
        default="shadow",
        metavar="HAND",
        help="hand the physics polish fits the grasps to: shadow (capsules, default) or shadow-mesh "
        "(the real link meshes)",
    )
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")


def add_generation_flags(p) -> None:
    """The flags of a :class:`~dexgys.generation_config.GenerationConfig`, shared by ``generate`` and
    ``predict`` (read back by :func:`generation_config`)."""
    from dexgys.generation_config import DEFAULT_FINALISTS, DEFAULT_OVERSAMPLE, SAMPLER_NAMES

    p.add_argument(
        "--sampler",
        choices=SAMPLER_NAMES,
        default="ddpm",
        help="ddpm: all diffusion steps (default, the paper's); ddim: --steps steps, faster",
    )
    p.add_argument("--steps", type=int, help="DDIM steps (with --sampler ddim, e.g. 10)")
    p.add_argument("--no-refine", action="store_true", help="skip QGC (the IDGC samples go to the polish)")
    p.add_argument(
        "--guidance-scale",
        type=float,
        metavar="W",
        help="classifier-free guidance scale: above 1 follows the words more closely (default: the model file's)",
    )
    p.add_argument(
        "--no-polish",
        action="store_true",
        help="skip the physics polish (the last stage: object out of the hand, fingers onto the surface)",
    )
    p.add_argument(
        "--oversample",
        type=int,
        metavar="K",
        help=f"draw K candidates per grasp and keep the ones the polish ranks best (default: {DEFAULT_OVERSAMPLE}; "
        "1 keeps every draw; needs the polish)",
    )
    p.add_argument(
        "--finalists",
        type=int,
        metavar="F",
        help="candidates per grasp that the polish finishes; the others stop early, at the screen "
        f"(default: {DEFAULT_FINALISTS}; F >= K: no screen; needs the polish)",
    )


def generation_config(args):
    """The :class:`~dexgys.generation_config.GenerationConfig` of the flags :func:`add_generation_flags` added."""
    from dexgys.generation_config import GenerationConfig

    if args.steps is not None and args.sampler != "ddim":
        raise DexgysError("--steps needs --sampler ddim (DDPM runs every diffusion step)")
    if args.no_polish and (args.oversample is not None or args.finalists is not None):
        raise DexgysError("--oversample and --finalists need the polish, which ranks the candidates: drop --no-polish")
    return GenerationConfig(
        sampler=args.sampler,
        steps=args.steps,
        refine=not args.no_refine,
        polish=not args.no_polish,
        guidance_scale=args.guidance_scale,
        oversample=args.oversample,
        finalists=args.finalists,
    )

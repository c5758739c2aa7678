"""Gradient descent of the synthesis energy over a batch of hand poses.

The variables are the translation ``(B, 3)``, the 6-D rotation ``(B, 6)`` (first two matrix columns,
Gram-Schmidt decoded) and the joints ``(B, n)``. Adam with one learning rate per group and a cosine
decay to :attr:`OptimizerConfig.final_lr_fraction`; after each step the joints are clamped into their
limits. The batch is independent per grasp (the energy is a sum of per-grasp terms), so a grasp's
result does not depend on what else is in the batch.

Why Adam and not DexGraspNet's annealed MALA: MALA's random contact switching is what lets
DexGraspNet find contacts on its own; here the intent fixes which finger goes on which part, so the
contact set is known and plain descent converges in ~100-200 steps, where DexGraspNet runs 6,000
MALA steps. Deterministic for a given start on the CPU; ``device="cuda"`` runs the same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from dexgys.geometry.rotations import matrix_to_rotation_6d, rotation_6d_to_matrix
from dexgys.hands import HandPose
from dexgys.synthesis.energy import GraspEnergy

__all__ = ["OptimizerConfig", "OptimizeResult", "optimize_grasps"]


@dataclass(frozen=True)
class OptimizerConfig:
    """Steps and learning rates (metres / 6-D rotation units / radians per step)."""

    steps: int = 200
    lr_translation: float = 0.002
    lr_rotation: float = 0.02
    lr_joints: float = 0.03
    final_lr_fraction: float = 0.1
    record_every: int = 0  # > 0: keep the mean energy every this many steps in ``history``


@dataclass
class OptimizeResult:
    """The optimised ``pose`` (B, detached, on the energy's device), its ``energy`` ``(B,)`` and
    unweighted ``terms`` ``{name: (B,)}``, the initial energy ``energy_start`` ``(B,)``, and the
    mean-energy ``history`` (``[(step, mean)]``, when asked)."""

    pose: HandPose
    energy: torch.Tensor
    terms: dict[str, torch.Tensor]
    energy_start: torch.Tensor
    history: list[tuple[int, float]] = field(default_factory=list)


def optimize_grasps(energy: GraspEnergy, start: HandPose, config: OptimizerConfig = OptimizerConfig()) -> OptimizeResult:
    """Minimise ``energy`` from ``start`` (B poses) for ``config.steps`` Adam steps."""
    hand = energy.hand
    device, dtype = hand.device, hand.dtype
    start = start.to(device, dtype)
    t = start.translation.detach().clone().requires_grad_(True)
    r6 = matrix_to_rotation_6d(start.rotation).detach().clone().requires_grad_(True)
    q = start.joints.detach().clone().requires_grad_(True)
    lower, upper = hand.joint_lower.to(device, dtype), hand.joint_upper.to(device, dtype)
    base = (config.lr_translation, config.lr_rotation, config.lr_joints)
    opt = torch.optim.Adam([{"params": [t], "lr": base[0]}, {"params": [r6], "lr": base[1]}, {"params": [q], "lr": base[2]}])
    history: list[tuple[int, float]] = []
    energy_start = None
    steps = max(0, int(config.steps))
    for step in range(steps):
        frac = config.final_lr_fraction + (1 - config.final_lr_fraction) * 0.5 * (1 + math.cos(math.pi * step / max(1, steps)))
        for group, lr in zip(opt.param_groups, base):
            group["lr"] = lr * frac
        opt.zero_grad(set_to_none=True)
        total, _ = energy(HandPose(t, rotation_6d_to_matrix(r6), q))
        if energy_start is None:
            energy_start = total.detach()
        if config.record_every and step % config.record_every == 0:
            history.append((step, float(total.detach().mean())))
        total.sum().backward()
        opt.step()
        with torch.no_grad():
            q.copy_(torch.maximum(torch.minimum(q, upper), lower))
    with torch.no_grad():
        pose = HandPose(t.detach(), rotation_6d_to_matrix(r6.detach()), q.detach())
        total, terms = energy(pose)
    if energy_start is None:
        energy_start = total
    if config.record_every:
        history.append((steps, float(total.mean())))
    return OptimizeResult(pose, total, {k: v.detach() for k, v in terms.items()}, energy_start, history)

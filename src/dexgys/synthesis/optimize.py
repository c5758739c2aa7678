"""Gradient descent of the synthesis energy over a batch of hand poses.

The variables are the translation ``(B, 3)``, the 6-D rotation ``(B, 6)`` (first two matrix columns,
Gram-Schmidt decoded) and the joints ``(B, n)``. Adam with one learning rate per group and a cosine
decay to :attr:`OptimizerConfig.final_lr_fraction`; after each step the joints are clamped into their
limits. The batch is independent per grasp (the energy is a sum of per-grasp terms), so a grasp's
result does not depend on what else is in the batch, and :class:`GraspDescent` can drop grasps
midway (with their Adam moments) while the others go on as before.

Why Adam and not DexGraspNet's annealed MALA: MALA's random contact switching is what lets
DexGraspNet find contacts on its own; here the intent fixes which finger goes on which part, so the
contact set is known and plain descent converges in ~100-200 steps, where DexGraspNet runs 6,000
MALA steps. Deterministic for a given start on the CPU; ``device="cuda"`` runs the same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import matrix_to_rotation_6d, rotation_6d_to_matrix
from dexgys.hands import HandPose
from dexgys.synthesis.energy import GraspEnergy

__all__ = ["GraspDescent", "OptimizerConfig", "OptimizeResult", "optimize_grasps"]


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
    mean-energy ``history`` (``[(step, mean)]``, when asked) and, from :class:`GraspDescent`, the
    indices in the start batch of the grasps it kept (``kept``, all of them unless some were dropped)."""

    pose: HandPose
    energy: torch.Tensor
    terms: dict[str, torch.Tensor]
    energy_start: torch.Tensor
    history: list[tuple[int, float]] = field(default_factory=list)
    kept: torch.Tensor | None = None


class GraspDescent:
    """:func:`optimize_grasps` one stretch at a time: :meth:`run` to a step, :meth:`keep` some of the
    grasps (the others are dropped, the kept ones go on exactly as they would have), :meth:`run` on,
    then :meth:`result`. ``kept`` ``(b,)``: the kept grasps' indices in ``start``."""

    def __init__(self, energy: GraspEnergy, start: HandPose, config: OptimizerConfig = OptimizerConfig()) -> None:
        hand = energy.hand
        device, dtype = hand.device, hand.dtype
        start = start.to(device, dtype)
        self.energy, self.config = energy, config
        self.steps = max(0, int(config.steps))
        self.step = 0
        self._lower, self._upper = hand.joint_lower.to(device, dtype), hand.joint_upper.to(device, dtype)
        self._set_variables(start.translation, matrix_to_rotation_6d(start.rotation), start.joints)
        self.energy_start: torch.Tensor | None = None
        self.history: list[tuple[int, float]] = []
        self.kept = torch.arange(start.batch_size, device=device)

    def _set_variables(
        self, t: torch.Tensor, r6: torch.Tensor, q: torch.Tensor, state: list[dict] | None = None
    ) -> None:
        """Fresh leaf variables (translation, 6-D rotation, joints) and their Adam, with Adam ``state``
        per variable when given (the moments of the grasps kept)."""
        self.variables = [x.detach().clone().requires_grad_(True) for x in (t, r6, q)]
        c = self.config
        self._base = (c.lr_translation, c.lr_rotation, c.lr_joints)
        self._opt = torch.optim.Adam([{"params": [v], "lr": lr} for v, lr in zip(self.variables, self._base)])
        for v, s in zip(self.variables, state or []):
            self._opt.state[v] = s

    def pose(self) -> HandPose:
        """The poses where the descent stands (differentiable in the variables)."""
        t, r6, q = self.variables
        return HandPose(t, rotation_6d_to_matrix(r6), q)

    def run(self, until: int | None = None) -> GraspDescent:
        """Adam steps up to step ``until`` (default: all of ``config.steps``)."""
        end = self.steps if until is None else min(self.steps, max(self.step, int(until)))
        c = self.config
        for step in range(self.step, end):
            cosine = 0.5 * (1 + math.cos(math.pi * step / max(1, self.steps)))
            frac = c.final_lr_fraction + (1 - c.final_lr_fraction) * cosine
            for group, lr in zip(self._opt.param_groups, self._base):
                group["lr"] = lr * frac
            self._opt.zero_grad(set_to_none=True)
            total, _ = self.energy(self.pose())
            if self.energy_start is None:
                self.energy_start = total.detach()
            if c.record_every and step % c.record_every == 0:
                self.history.append((step, float(total.detach().mean())))
            total.sum().backward()
            self._opt.step()
            with torch.no_grad():
                q = self.variables[2]
                q.copy_(torch.maximum(torch.minimum(q, self._upper), self._lower))
        self.step = end
        return self

    def evaluate(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The energy ``(b,)`` and its unweighted terms at the current poses (no gradient)."""
        with torch.no_grad():
            total, terms = self.energy(self.pose())
        return total, {k: v.detach() for k, v in terms.items()}

    def keep(self, index) -> GraspDescent:
        """Go on with the grasps ``index`` ``(k,)`` (positions in the current batch) only; the energy must
        have ``subset(index)``, the same energy for those grasps alone."""
        index = torch.as_tensor(index, dtype=torch.long, device=self.kept.device)
        subset = getattr(self.energy, "subset", None)
        if subset is None:
            raise DexgysError(f"{type(self.energy).__name__} cannot drop grasps mid-descent (it has no subset())")
        state = []
        for v in self.variables:
            old = self._opt.state.get(v, {})
            state.append({k: (x[index].clone() if torch.is_tensor(x) and x.ndim else x) for k, x in old.items()})
        self.energy = subset(index)
        self._set_variables(*(v[index] for v in self.variables), state=state)
        if self.energy_start is not None:
            self.energy_start = self.energy_start[index]
        self.kept = self.kept[index]
        return self

    def result(self) -> OptimizeResult:
        """The kept grasps where the descent stands, their energy and terms (see :class:`OptimizeResult`)."""
        total, terms = self.evaluate()
        pose = HandPose(
            *(x.detach() for x in (self.variables[0], rotation_6d_to_matrix(self.variables[1]), self.variables[2]))
        )
        start = total if self.energy_start is None else self.energy_start
        history = list(self.history)
        if self.config.record_every:
            history.append((self.steps, float(total.mean())))
        return OptimizeResult(pose, total, terms, start, history, self.kept)


def optimize_grasps(
    energy: GraspEnergy, start: HandPose, config: OptimizerConfig = OptimizerConfig()
) -> OptimizeResult:
    """Minimise ``energy`` from ``start`` (B poses) for ``config.steps`` Adam steps."""
    return GraspDescent(energy, start, config).run().result()

"""Gaussian diffusion (DDPM) over flat vectors, with an x0-predicting network; DDPM and DDIM samplers.

Notation (timesteps are ``t = 0 .. T-1``; the paper's ``t = 1 .. T``):

* ``beta_t`` the noise schedule, ``alpha_t = 1 - beta_t``, ``abar_t = prod_{s <= t} alpha_s``.
* forward process ``q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)`` (:meth:`Diffusion.q_sample`).
* posterior ``q(x_{t-1} | x_t, x_0) = N(c0_t x_0 + ct_t x_t, var_t)`` with
  ``c0_t = beta_t sqrt(abar_{t-1}) / (1 - abar_t)``, ``ct_t = (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t)``,
  ``var_t = beta_t (1 - abar_{t-1}) / (1 - abar_t)`` and ``abar_{-1} = 1`` (:meth:`Diffusion.q_posterior`).
* the network ``f(x_t, t) ~ x_0`` (DexGYS predicts the clean grasp, ``pred_x0``).

Schedules: ``"cosine"`` (Nichol & Dhariwal 2021, the default) and ``"linear"`` (betas from ``1e-4`` to
``0.02`` rescaled by ``1000 / T``, i.e. 1e-3..0.2 for T = 100). Both end near zero signal
(``abar_{T-1}`` < 1e-4), so sampling from ``N(0, I)`` matches the forward process. (The official code's
linear 1e-4..1e-2 over 100 steps stops at ``abar = 0.60`` yet starts sampling from pure noise.)

Samplers:

* ``"ddpm"``: ancestral sampling over all T steps, ``x_{t-1} = c0_t x0_hat + ct_t x_t + sqrt(var_t) z``,
  no noise at the last step.
* ``"ddim"``: deterministic DDIM (eta = 0) over ``steps`` evenly spaced timesteps from ``T-1`` to 0:
  ``eps_hat = (x_t - sqrt(abar_t) x0_hat) / sqrt(1 - abar_t)``,
  ``x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s) eps_hat``.

All noise comes from the caller's ``torch.Generator`` (or one per equal block of samples) and is drawn
on the generator's device, then moved to the requested device, so a seed gives the same samples on
any device (up to float arithmetic).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from dexgys.errors import DexgysError

__all__ = ["Diffusion", "SAMPLERS", "SCHEDULES"]

SCHEDULES = ("cosine", "linear")
SAMPLERS = ("ddpm", "ddim")

DenoiseFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _betas(schedule: str, steps: int) -> torch.Tensor:
    if schedule == "linear":
        scale = 1000.0 / steps
        return torch.linspace(1e-4 * scale, 0.02 * scale, steps, dtype=torch.float64).clamp(max=0.999)
    if schedule == "cosine":
        s = 0.008
        u = torch.linspace(0, steps, steps + 1, dtype=torch.float64) / steps
        abar = torch.cos((u + s) / (1 + s) * math.pi / 2) ** 2
        return (1 - abar[1:] / abar[:-1]).clamp(max=0.999)
    raise DexgysError(f"unknown noise schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def _randn(
    shape: tuple[int, ...], generator: torch.Generator | Sequence[torch.Generator], like: torch.Tensor
) -> torch.Tensor:
    """Standard normal noise from ``generator`` (on its device), moved to ``like``'s device and dtype; a
    sequence of k generators fills k equal consecutive blocks of rows, one each."""
    if isinstance(generator, torch.Generator):
        z = torch.randn(shape, generator=generator, device=generator.device, dtype=torch.float32)
    else:
        rows = shape[0] // len(generator)
        z = torch.cat(
            [
                torch.randn((rows, *shape[1:]), generator=g, device=g.device, dtype=torch.float32).to(like.device)
                for g in generator
            ]
        )
    return z.to(device=like.device, dtype=like.dtype)


class Diffusion(nn.Module):
    """The schedule of a ``steps``-step DDPM (buffers, so ``.to(device)`` moves it) and its samplers."""

    def __init__(self, steps: int = 100, schedule: str = "cosine", clip_x0: float | None = None) -> None:
        super().__init__()
        if steps < 1:
            raise DexgysError(f"diffusion needs at least one step, got {steps}")
        if clip_x0 is not None and not clip_x0 > 0:
            raise DexgysError(f"clip_x0 must be positive or None, got {clip_x0}")
        self.steps = int(steps)
        self.schedule = schedule
        self.clip_x0 = clip_x0
        betas = _betas(schedule, self.steps)
        abar = torch.cumprod(1.0 - betas, 0)
        abar_prev = torch.cat([abar.new_ones(1), abar[:-1]])
        buffers = {
            "betas": betas,
            "alphas_cumprod": abar,
            "alphas_cumprod_prev": abar_prev,
            "sqrt_alphas_cumprod": abar.sqrt(),
            "sqrt_one_minus_alphas_cumprod": (1.0 - abar).sqrt(),
            "posterior_variance": betas * (1.0 - abar_prev) / (1.0 - abar),
            "posterior_coef_x0": betas * abar_prev.sqrt() / (1.0 - abar),
            "posterior_coef_xt": (1.0 - abar_prev) * (1.0 - betas).sqrt() / (1.0 - abar),
        }
        for name, value in buffers.items():
            self.register_buffer(name, value.float(), persistent=False)

    @staticmethod
    def _at(values: torch.Tensor, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``values[t]`` shaped ``(B, 1, ..., 1)`` to broadcast against ``x`` ``(B, ...)``."""
        return values.to(x.dtype)[t].reshape(-1, *([1] * (x.dim() - 1)))

    def timesteps(self, batch_size: int, generator: torch.Generator | None = None, device=None) -> torch.Tensor:
        """``(B,)`` training timesteps: antithetic pairs, the first half uniform, the rest ``T-1-t``
        (the official ``rand_t_type: half``; it spreads every batch over the whole schedule)."""
        gen_device = generator.device if generator is not None else "cpu"
        half = torch.randint(0, self.steps, ((batch_size + 1) // 2,), generator=generator, device=gen_device)
        t = torch.cat([half, self.steps - 1 - half])[:batch_size]
        return t.to(device if device is not None else self.betas.device)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise`` for ``x0``, ``noise`` ``(B, ...)``, ``t`` ``(B,)``."""
        signal = self._at(self.sqrt_alphas_cumprod, t, x0)
        return signal * x0 + self._at(self.sqrt_one_minus_alphas_cumprod, t, x0) * noise

    def q_posterior(self, x0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean ``(B, ...)`` and variance ``(B, 1, ...)`` of ``q(x_{t-1} | x_t, x_0)``."""
        mean = self._at(self.posterior_coef_x0, t, xt) * x0 + self._at(self.posterior_coef_xt, t, xt) * xt
        return mean, self._at(self.posterior_variance, t, xt)

    def _predict_x0(self, denoise_fn: DenoiseFn, x: torch.Tensor, t: int) -> torch.Tensor:
        x0 = denoise_fn(x, torch.full((x.shape[0],), t, dtype=torch.long, device=x.device))
        return x0.clamp(-self.clip_x0, self.clip_x0) if self.clip_x0 is not None else x0

    def ddim_timesteps(self, steps: int) -> list[int]:
        """``steps`` timesteps evenly spaced from ``T-1`` down to 0 (distinct, descending)."""
        if not 1 <= steps <= self.steps:
            raise DexgysError(f"DDIM needs 1 to {self.steps} steps, got {steps}")
        if steps == 1:
            return [self.steps - 1]
        grid = torch.linspace(0, self.steps - 1, steps, dtype=torch.float64).tolist()
        return sorted({round(x) for x in grid}, reverse=True)

    @torch.no_grad()
    def sample(
        self,
        denoise_fn: DenoiseFn,
        shape: tuple[int, ...],
        generator: torch.Generator | Sequence[torch.Generator],
        sampler: str = "ddpm",
        steps: int | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Draw ``shape`` samples; ``denoise_fn(x_t (B, ...), t (B,) long) -> x0_hat (B, ...)``.

        ``sampler="ddpm"`` runs all ``T`` ancestral steps (``steps`` must be None or ``T``);
        ``sampler="ddim"`` runs ``steps`` (default ``T``) deterministic steps. The result lives on
        ``device`` (default: the schedule's device) and is a deterministic function of ``generator``'s state.
        A sequence of k generators (k dividing ``shape[0]``) draws the rows in k equal consecutive
        blocks, block j's noise from generator j, as k calls with one generator each would (the
        results agree up to float rounding: the denoiser sees the whole batch at once).
        """
        if not isinstance(generator, torch.Generator) and (not generator or shape[0] % len(generator)):
            raise DexgysError(f"{len(generator)} generators cannot split {shape[0]} samples into equal blocks")
        if sampler not in SAMPLERS:
            raise DexgysError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
        if sampler == "ddpm" and steps not in (None, self.steps):
            raise DexgysError(f"the DDPM sampler runs all {self.steps} steps; use sampler='ddim' for {steps}")
        like = self.betas if device is None else self.betas.to(device)
        x = _randn(tuple(shape), generator, like)
        if sampler == "ddpm":
            for t in range(self.steps - 1, -1, -1):
                x0 = self._predict_x0(denoise_fn, x, t)
                mean, var = self.q_posterior(x0, x, torch.full((x.shape[0],), t, device=x.device))
                x = (mean + var.sqrt() * _randn(tuple(shape), generator, like)) if t > 0 else mean
            return x
        schedule = self.ddim_timesteps(self.steps if steps is None else steps)
        abar = self.alphas_cumprod.to(x.device)
        for t, s in zip(schedule[:-1], schedule[1:]):
            x0 = self._predict_x0(denoise_fn, x, t)
            eps = (x - abar[t].sqrt() * x0) / (1.0 - abar[t]).sqrt()
            x = abar[s].sqrt() * x0 + (1.0 - abar[s]).sqrt() * eps
        return self._predict_x0(denoise_fn, x, schedule[-1])

    def extra_repr(self) -> str:
        return f"steps={self.steps}, schedule={self.schedule!r}, clip_x0={self.clip_x0}"

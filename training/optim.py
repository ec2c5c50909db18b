"""Adam over per-tone parameters.

torch.optim.Adam keeps one step count and clips one global norm, which would
make a tone's update depend on the tones beside it. Here every parameter is
[n_tones, ...]; step counts, gradient clipping and freezing are per tone, so
batched training gives each tone what it would get alone.
"""

from __future__ import annotations

import torch


class PerToneAdam:
    def __init__(self, params, lr: float, grad_clip: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)
        self.lr, self.grad_clip, self.betas, self.eps = lr, grad_clip, betas, eps
        n_tones = self.params[0].shape[0]
        self.steps = torch.zeros(n_tones, device=self.params[0].device)  # beside the moments: a CUDA step mixing in a CPU tensor fails
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, active: torch.Tensor) -> torch.Tensor:
        """Update the tones where active ([n_tones] bool); returns their grad norms [n_tones]."""
        norm_sq = sum(p.grad.float().flatten(1).pow(2).sum(1) for p in self.params)
        norms = norm_sq.sqrt()
        scale = torch.clamp(self.grad_clip / (norms + 1e-6), max=1.0) * active
        self.steps += active.to(self.steps.dtype)
        beta1, beta2 = self.betas
        steps = self.steps.clamp(min=1)
        correction1 = 1 - beta1**steps
        correction2 = 1 - beta2**steps
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            shape = (-1,) + (1,) * (p.dim() - 1)
            keep = active.view(shape).to(p.dtype)
            g = (p.grad * scale.view(shape)).masked_fill_(~active.view(shape), 0.0)  # a frozen tone's inf or NaN gradient must not reach it
            # In place, and lerp by a per-tone weight that is 0 for a frozen tone: the
            # moments of stopped tones stay as they were without a where() and copies.
            m.lerp_(g, (1 - beta1) * keep)
            v.lerp_(g * g, (1 - beta2) * keep)
            denominator = (v / correction2.view(shape)).sqrt_().add_(self.eps)
            step_size = self.lr * keep / correction1.view(shape)  # [T, 1, ...]: 0 for a frozen tone
            p.addcdiv_(m * step_size, denominator, value=-1.0)
        return norms

    def state_dict(self) -> dict:
        state = {"steps": self.steps.clone()}
        for i, (m, v) in enumerate(zip(self.exp_avg, self.exp_avg_sq)):
            state[f"exp_avg.{i}"] = m.clone()
            state[f"exp_avg_sq.{i}"] = v.clone()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.steps.copy_(state["steps"])
        for i, (m, v) in enumerate(zip(self.exp_avg, self.exp_avg_sq)):
            m.copy_(state[f"exp_avg.{i}"])
            v.copy_(state[f"exp_avg_sq.{i}"])


class LossScaler:
    """Dynamic loss scaling for fp16 autocast (torch.amp.GradScaler's policy).

    GradScaler drives torch.optim optimizers; this drives PerToneAdam. The
    loss is multiplied by ``scale`` before backward; ``unscale`` divides the
    gradients back and reports whether they are finite. On overflow the step
    is skipped and the scale halved; after ``growth_interval`` good steps it
    doubles. Disabled, it is a no-op with scale 1.
    """

    def __init__(self, enabled: bool, init_scale: float = 2.0**16, growth_interval: int = 200):
        self.enabled = enabled
        self.scale = init_scale if enabled else 1.0
        self.growth_interval = growth_interval
        self.good_steps = 0

    @torch.no_grad()
    def unscale(self, params) -> bool:
        if not self.enabled:
            return True
        finite = True
        for p in params:
            p.grad.div_(self.scale)
            finite &= bool(torch.isfinite(p.grad).all())
        if not finite:
            self.scale /= 2.0
            self.good_steps = 0
            return False
        self.good_steps += 1
        if self.good_steps % self.growth_interval == 0:
            self.scale *= 2.0
        return True

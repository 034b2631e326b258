"""Least-squares GAN training shared by the acoustic model's mel discriminator (``mel_adversary.py``)
and the vocoder's waveform discriminators (``wave_adversary.py``).

A discriminator module returns ``(scores, hidden feature maps)``, or a list of such pairs when it
is several discriminators; each objective is averaged over them. Generator terms: LSGAN (fake -> 1)
and a feature-matching L1 on every hidden layer (as HiFi-GAN).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

Judgement = tuple[torch.Tensor, list[torch.Tensor]]


class LsganAdversary:
    """A discriminator module with its optimiser and the two LSGAN objectives.

    ``step`` counts discriminator updates; the generator terms are applied only after ``warmup`` of
    them, so that a fresh discriminator does not steer a trained generator at random.
    """

    def __init__(self, module: nn.Module, optimizer: torch.optim.Optimizer, warmup: int):
        self._module, self.optimizer, self.warmup = module, optimizer, warmup
        self.step = 0

    def _judge(self, x: torch.Tensor) -> list[Judgement]:
        out = self._module(x)
        return out if isinstance(out, list) else [out]

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def train_discriminator(self, real: torch.Tensor, fake: torch.Tensor) -> float:
        """One update: real -> 1, fake -> 0, averaged over the discriminators. Returns the loss."""
        real_out, fake_out = self._judge(real), self._judge(fake.detach())
        loss = torch.zeros(())
        for (real_score, _), (fake_score, _) in zip(real_out, fake_out):
            loss = loss + ((real_score - 1) ** 2).mean() + (fake_score ** 2).mean()
        loss = loss / len(real_out)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        return float(loss.detach())

    def generator_losses(self, real: torch.Tensor, fake: torch.Tensor) -> dict[str, torch.Tensor]:
        """{"adv": fake -> 1, "fm": L1 between the discriminators' features of real and fake}, each
        averaged over the discriminators; their own weights get no gradient from these."""
        for p in self._module.parameters():
            p.requires_grad_(False)
        try:
            with torch.no_grad():
                real_out = self._judge(real)
            fake_out = self._judge(fake)
        finally:
            for p in self._module.parameters():
                p.requires_grad_(True)
        adv = fm = torch.zeros(())
        for (_, real_features), (fake_score, fake_features) in zip(real_out, fake_out):
            adv = adv + ((fake_score - 1) ** 2).mean()
            fm = fm + sum(F.l1_loss(f, r) for f, r in zip(fake_features, real_features)) / len(real_features)
        return {"adv": adv / len(fake_out), "fm": fm / len(fake_out)}

    @property
    def active(self) -> bool:
        return self.step > self.warmup

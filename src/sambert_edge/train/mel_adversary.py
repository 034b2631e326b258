"""An adversarial loss on the acoustic model's mel (``train-am --adversarial W``).

L1-trained acoustic models predict the conditional median of the mel, which smooths formant
transitions and harmonics; a small discriminator on mel patches pushes the postnet output back
towards the texture of real mels (as GANSpeech does for FastSpeech 2). The discriminator is a
2-D convolution stack over (frames, mel bins) of random windows, trained with least-squares GAN
losses, and the generator also gets a feature-matching L1 on its layers (as HiFi-GAN). Only the
training loop uses it: nothing of it is exported.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from .lsgan import LsganAdversary


class MelDiscriminator(nn.Module):
    """Patch discriminator: mel windows [B, W, n_mels] -> scores [B, W, n_mels / 8] and the feature
    maps of every hidden layer (for feature matching)."""

    def __init__(self, channels: int = 32):
        super().__init__()
        c = channels
        self.layers = nn.ModuleList([
            weight_norm(nn.Conv2d(1, c, (3, 9), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 3), stride=(1, 2), padding=(1, 1))),
        ])
        self.out = weight_norm(nn.Conv2d(c, 1, (3, 3), padding=(1, 1)))

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = mel.unsqueeze(1)  # [B, 1, W, n_mels]
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.2)
            features.append(x)
        return self.out(x).squeeze(1), features


def random_windows(real: torch.Tensor, fake: torch.Tensor, lengths: torch.Tensor, window: int,
                   rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random ``window`` frames of each utterance from the target and the predicted mel.

    real, fake: [B, T, n_mels] (padded); lengths: [B] valid frames. Returns two [B, W, n_mels],
    W = min(window, shortest utterance), never reaching into the padding.
    """
    w = max(1, min(window, int(lengths.min())))
    starts = [rng.randint(0, int(n) - w) for n in lengths]
    real_w = torch.stack([real[i, s:s + w] for i, s in enumerate(starts)])
    fake_w = torch.stack([fake[i, s:s + w] for i, s in enumerate(starts)])
    return real_w, fake_w


class MelAdversary(LsganAdversary):
    """The mel discriminator with its optimiser and the LSGAN objectives (:class:`LsganAdversary`) on
    windows [B, W, n_mels]."""

    def __init__(self, window: int = 64, warmup: int = 200, lr: float = 2e-4, channels: int = 32):
        self.window, self.channels = window, channels
        self.discriminator = MelDiscriminator(channels)
        super().__init__(self.discriminator,
                         torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.8, 0.99)), warmup)

    def state_dict(self) -> dict:
        return {"discriminator": self.discriminator.state_dict(), "optimizer": self.optimizer.state_dict(),
                "step": self.step, "channels": self.channels, "window": self.window}

    @staticmethod
    def saved_shape(state: dict) -> tuple[int, int]:
        """(channels, window) of a saved state; states saved before the shape was recorded are of
        the defaults, 32 channels on 64-frame windows."""
        return state.get("channels", 32), state.get("window", 64)

    def same_shape(self, state: dict) -> bool:
        """Whether a saved state is of a discriminator like this one."""
        return self.saved_shape(state) == (self.channels, self.window)

    def load_state_dict(self, state: dict) -> None:
        self.discriminator.load_state_dict(state["discriminator"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = state["step"]

"""An adversarial loss on the vocoder's waveform (``train-vocoder --adversarial W``).

The reconstruction losses alone (mel, multi-resolution STFT, phase) leave the audio slightly
buzzy and smeared between harmonics: an L1 on magnitudes is satisfied by a blurred spectrum. HiFi-GAN
and Vocos train against two kinds of discriminator, and so do we, at CPU-sized widths:

- multi-period (HiFi-GAN): the waveform folded into rows of ``p`` samples for p = 2, 3, 5, 7, 11,
  seen by 2-D convolutions along time; it judges the periodic structure of voiced speech;
- multi-resolution (Vocos, after UnivNet): the log magnitude spectrogram at three STFT sizes,
  seen by 2-D convolutions over (frames, bins); it judges the texture of the spectrum.

Least-squares GAN objectives and a feature-matching L1 on every hidden layer, as in HiFi-GAN
(``lsgan.py``, shared with the acoustic model's mel discriminator).
Only the training loop uses this module: nothing of it is exported.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from .lsgan import LsganAdversary

PERIODS = (2, 3, 5, 7, 11)
RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))  # (n_fft, hop); window = n_fft


class PeriodDiscriminator(nn.Module):
    """Waveform [B, N] -> scores [B, frames * p] and the hidden feature maps, N folded into
    [B, 1, N / p, p] (zero-padded to a multiple of p)."""

    def __init__(self, period: int, channels: int = 16):
        super().__init__()
        self.period = period
        widths = (1, channels, channels * 2, channels * 4, channels * 8)
        self.layers = nn.ModuleList([
            weight_norm(nn.Conv2d(widths[i], widths[i + 1], (5, 1), stride=(3, 1), padding=(2, 0)))
            for i in range(len(widths) - 1)])
        self.layers.append(weight_norm(nn.Conv2d(widths[-1], widths[-1], (5, 1), padding=(2, 0))))
        self.out = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        b, n = wav.shape
        pad = (-n) % self.period
        x = F.pad(wav, (0, pad)).view(b, 1, (n + pad) // self.period, self.period)
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.1)
            features.append(x)
        return self.out(x).flatten(1), features


class ResolutionDiscriminator(nn.Module):
    """Waveform [B, N] -> log magnitude [B, 1, frames, n_fft / 2 + 1] -> scores and feature maps."""

    def __init__(self, n_fft: int, hop: int, channels: int = 16):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop
        c = channels
        self.layers = nn.ModuleList([
            # Vocos's first layer keeps every bin; striding it too halves the cost on CPU
            weight_norm(nn.Conv2d(1, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 9), stride=(1, 2), padding=(1, 4))),
            weight_norm(nn.Conv2d(c, c, (3, 3), padding=(1, 1))),
        ])
        self.out = weight_norm(nn.Conv2d(c, 1, (3, 3), padding=(1, 1)))

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        spec = torch.stft(wav, self.n_fft, self.hop, window=torch.hann_window(self.n_fft, device=wav.device),
                          center=True, return_complex=True)
        x = torch.log(spec.abs().clamp(min=1e-5)).transpose(1, 2).unsqueeze(1)  # [B, 1, frames, bins]
        features = []
        for layer in self.layers:
            x = F.leaky_relu(layer(x), 0.1)
            features.append(x)
        return self.out(x).flatten(1), features


class WaveDiscriminators(nn.Module):
    """Every period and resolution discriminator; forward gives one (scores, features) per member."""

    def __init__(self, channels: int = 16):
        super().__init__()
        self.members = nn.ModuleList([PeriodDiscriminator(p, channels) for p in PERIODS]
                                     + [ResolutionDiscriminator(n, h, channels) for n, h in RESOLUTIONS])

    def forward(self, wav: torch.Tensor) -> list[tuple[torch.Tensor, list[torch.Tensor]]]:
        return [member(wav) for member in self.members]


class WaveAdversary(LsganAdversary):
    """The waveform discriminators with their optimiser and the LSGAN objectives
    (:class:`LsganAdversary`, averaged over the members) on waveforms [B, N]."""

    def __init__(self, warmup: int = 200, lr: float = 2e-4, channels: int = 16):
        self.channels = channels
        self.discriminators = WaveDiscriminators(channels)
        super().__init__(self.discriminators, torch.optim.AdamW(self.discriminators.parameters(), lr=lr,
                                                                betas=(0.8, 0.99), weight_decay=0.01), warmup)

    def state_dict(self) -> dict:
        return {"discriminators": self.discriminators.state_dict(), "optimizer": self.optimizer.state_dict(),
                "step": self.step, "channels": self.channels}

    def same_shape(self, state: dict) -> bool:
        """Whether a saved state is of discriminators like these."""
        return state.get("channels") == self.channels

    def load_state_dict(self, state: dict) -> None:
        self.discriminators.load_state_dict(state["discriminators"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = state["step"]

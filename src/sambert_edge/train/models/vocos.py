"""A small Vocos-style vocoder: ConvNeXt blocks at the mel frame rate + an inverse-STFT head.

All the network runs at 80 frames/s (16 kHz, hop 200), which is why it is ~10x cheaper per second
of audio than a HiFi-GAN of similar quality: only the last step, the inverse STFT, works at the
sample rate. The inverse STFT is written as one ``ConvTranspose1d`` with a fixed windowed
inverse-DFT kernel (plus a window-envelope normalisation), so it exports to plain ONNX ops and
runs on any onnxruntime build. Frame t of the output is centred on sample ``t * hop``, as the
KAN-TTS mel frames are (librosa ``center=True``), and F frames make exactly ``F * hop`` samples.

Reference: Siuzdak, "Vocos: Closing the gap between time-domain and Fourier-based neural
vocoders" (2023).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class VocosConfig:
    num_mels: int = 80
    dim: int = 192
    intermediate_dim: int = 576
    num_layers: int = 6
    kernel_size: int = 7
    n_fft: int = 800
    hop_length: int = 200
    max_log_magnitude: float = 4.6  # exp(4.6) ~ 100, Vocos' clip

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def input_rows(self) -> int:
        return self.num_mels

    @property
    def bins(self) -> int:
        return self.n_fft // 2 + 1


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int, intermediate_dim: int, kernel_size: int, layer_scale: float):
        super().__init__()
        self.dwconv = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, intermediate_dim)
        self.pwconv2 = nn.Linear(intermediate_dim, dim)
        self.gamma = nn.Parameter(torch.full((dim,), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B, dim, F] -> [B, dim, F]."""
        y = self.dwconv(x).transpose(1, 2)
        y = self.pwconv2(F.gelu(self.pwconv1(self.norm(y))))
        return x + (self.gamma * y).transpose(1, 2)


def istft_kernels(n_fft: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Windowed inverse real DFT as a ConvTranspose1d weight [2 * bins, 1, n_fft], and the squared
    window [1, 1, n_fft] for the overlap-add envelope (periodic Hann, as torch.hann_window)."""
    bins = n_fft // 2 + 1
    window = torch.hann_window(n_fft, dtype=torch.float64)
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(bins, dtype=torch.float64)[:, None]
    scale = torch.full((bins, 1), 2.0, dtype=torch.float64)
    scale[0] = 1.0
    if n_fft % 2 == 0:
        scale[-1] = 1.0
    angle = 2 * math.pi * k * n / n_fft
    real = scale * torch.cos(angle) / n_fft * window
    imag = -scale * torch.sin(angle) / n_fft * window
    weight = torch.cat([real, imag], dim=0).unsqueeze(1).float()
    return weight, (window ** 2).view(1, 1, -1).float()


class ISTFTHead(nn.Module):
    """[B, dim, F] -> log-magnitude and phase per bin -> waveform [B, 1, F * hop]."""

    def __init__(self, dim: int, n_fft: int, hop_length: int, max_log_magnitude: float):
        super().__init__()
        self.n_fft, self.hop = n_fft, hop_length
        self.max_log_magnitude = max_log_magnitude
        self.out = nn.Linear(dim, n_fft + 2)
        weight, window_sq = istft_kernels(n_fft)
        self.register_buffer("kernel", weight, persistent=False)
        self.register_buffer("window_sq", window_sq, persistent=False)

    def spectrum(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: [B, dim, F] -> (real, imag), each [B, bins, F]; also what the phase losses see."""
        h = self.out(x.transpose(1, 2)).transpose(1, 2)
        log_mag, phase = h.chunk(2, dim=1)
        mag = torch.exp(log_mag.clamp(max=self.max_log_magnitude))
        return mag * torch.cos(phase), mag * torch.sin(phase)

    def synthesize(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        """Inverse STFT with frame t centred on sample t * hop -> [B, 1, F * hop]."""
        frames = real.size(-1)
        y = F.conv_transpose1d(torch.cat([real, imag], dim=1), self.kernel, stride=self.hop)
        ones = torch.ones(1, 1, frames, dtype=y.dtype, device=y.device)
        envelope = F.conv_transpose1d(ones, self.window_sq, stride=self.hop)
        half = self.n_fft // 2
        length = frames * self.hop
        return y[..., half: half + length] / envelope[..., half: half + length].clamp(min=1e-8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.synthesize(*self.spectrum(x))


class VocosGenerator(nn.Module):
    """mel [B, num_mels, F] (the normalised KAN-TTS mel) -> waveform [B, 1, F * hop] in [-1, 1]."""

    def __init__(self, config: VocosConfig):
        super().__init__()
        c = config
        self.config = c
        self.embed = nn.Conv1d(c.num_mels, c.dim, c.kernel_size, padding=c.kernel_size // 2)
        self.norm = nn.LayerNorm(c.dim, eps=1e-6)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(c.dim, c.intermediate_dim, c.kernel_size, 1.0 / c.num_layers) for _ in range(c.num_layers)
        )
        self.final_norm = nn.LayerNorm(c.dim, eps=1e-6)
        self.head = ISTFTHead(c.dim, c.n_fft, c.hop_length, c.max_log_magnitude)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Conv1d, nn.Linear)):
            nn.init.trunc_normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)

    def features(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.embed(mel).transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        return self.final_norm(x.transpose(1, 2)).transpose(1, 2)

    def spectrum(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head.spectrum(self.features(mel))

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(mel)).clamp(-1.0, 1.0)

"""KAN-TTS HiFi-GAN generator (``kantts/models/hifigan/hifigan.py`` ``Generator``): mel -> waveform.

Per upsampling stage i (channels C -> C/2): x = sin(x) + x; x = repeat-upsample branch (nearest
x u, LeakyReLU, conv) + transposed-conv branch (LeakyReLU, ConvTranspose, trimmed to the same
length) [+ downsampled NSF excitation]; then the mean of the stage's resblocks. Finally
LeakyReLU(0.01) -> conv_post -> tanh. Keys match KAN-TTS (``conv_pre.conv1d.weight_g`` ...).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions.normal import Normal
from torch.distributions.uniform import Uniform

from .config import HifiGanConfig, NsfParams
from .hifigan_layers import (
    CausalConv1d,
    CausalConvTranspose1d,
    Conv1d,
    ConvTranspose1d,
    ResidualBlock,
    ResidualBlock2,
    WNConv1d,
)


class SourceModule(nn.Module):
    """NSF harmonic-plus-noise excitation: f0/uv frames -> [B, 1, T * hop] via a 1x1 conv + tanh.

    The phases and noise are sampled from torch's RNG in the same order as KAN-TTS.
    """

    def __init__(self, params: NsfParams, upsample_ratio: int):
        super().__init__()
        self.params = params
        self.upsample_ratio = upsample_ratio
        self.ffn = nn.Sequential(WNConv1d(params.nb_harmonics + 1, 1, kernel_size=1), nn.Tanh())

    def forward(self, pitch: torch.Tensor, uv: torch.Tensor, phase: torch.Tensor | None = None,
                noise: torch.Tensor | None = None) -> torch.Tensor:
        """pitch: [B, 1, T] Hz; uv: [B, 1, T] voicing in [0, 1]. Returns [B, 1, T * hop].

        ``phase`` [B, K, 1] (K = harmonics + 1; row 0 is used as 0) and ``noise`` [B, K, T * hop]
        (standard normal; scaled by sigma here) replace the random draws when given (ONNX export).
        """
        p = self.params
        n_waves = p.nb_harmonics + 1
        with torch.no_grad():
            pitch_samples = F.interpolate(pitch, scale_factor=float(self.upsample_ratio), mode="nearest")
            uv_samples = F.interpolate(uv, scale_factor=float(self.upsample_ratio), mode="nearest")
            harmonics = torch.arange(1, n_waves + 1, device=pitch.device, dtype=pitch.dtype).view(1, -1, 1)
            freqs = pitch_samples * harmonics / p.sampling_rate
            # torch's CPU cumsum accumulates float32 in double; spelled out so that the ONNX graph
            # (whose CumSum accumulates in the input type) keeps the phase exact over long inputs.
            theta = 2 * math.pi * (torch.cumsum(freqs.double(), dim=-1).to(freqs.dtype) % 1)
            if phase is None:
                phase = Uniform(low=-math.pi, high=math.pi).sample((pitch.size(0), n_waves, 1)).to(pitch.device)
                phase[:, 0, :] = 0
            else:
                phase = torch.cat([torch.zeros_like(phase[:, :1]), phase[:, 1:]], dim=1)
            if noise is None:
                noise = Normal(loc=0.0, scale=p.sigma).sample(theta.shape).to(pitch.device)
            else:
                noise = noise * p.sigma
            e_voice = p.alpha * torch.sin(theta + phase) + noise
            e_unvoice = p.alpha / 3 / p.sigma * noise
            excitation = e_voice * uv_samples + e_unvoice * (1 - uv_samples)
        return self.ffn(excitation)

    def remove_weight_norm(self) -> None:
        self.ffn[0].remove_weight_norm()


class Generator(nn.Module):
    """Keys: ``conv_pre``, ``transpose_upsamples.{i}.1``, ``repeat_upsamples.{i}.2``,
    ``conv_blocks.{i*K+j}``, ``conv_post`` [, ``source_module.ffn.0``, ``source_downs.{i}``]."""

    def __init__(self, config: HifiGanConfig):
        super().__init__()
        c = config
        if len(c.upsample_scales) != len(c.upsample_kernal_sizes):
            raise ValueError("upsample_scales and upsample_kernal_sizes differ in length")
        if len(c.resblock_kernel_sizes) != len(c.resblock_dilations):
            raise ValueError("resblock_kernel_sizes and resblock_dilations differ in length")
        if c.resblock_type not in ("1", "2"):
            raise ValueError(f"resblock_type must be '1' or '2', got {c.resblock_type!r}")
        self.config = c
        self.num_kernels = len(c.resblock_kernel_sizes)
        wn = c.use_weight_norm
        conv_cls = CausalConv1d if c.causal else Conv1d
        deconv_cls = CausalConvTranspose1d if c.causal else ConvTranspose1d
        same = (c.kernel_size - 1) // 2
        self.conv_pre = conv_cls(c.in_channels, c.channels, c.kernel_size, padding=same, use_weight_norm=wn)
        self.transpose_upsamples = nn.ModuleList()
        self.repeat_upsamples = nn.ModuleList()
        self.conv_blocks = nn.ModuleList()
        for i, (scale, kernel) in enumerate(zip(c.upsample_scales, c.upsample_kernal_sizes)):
            ch_in, ch_out = c.channels // 2**i, c.channels // 2 ** (i + 1)
            self.transpose_upsamples.append(
                nn.Sequential(
                    nn.LeakyReLU(c.negative_slope),
                    deconv_cls(ch_in, ch_out, kernel, scale, padding=(kernel - scale) // 2, use_weight_norm=wn),
                )
            )
            if c.repeat_upsample:
                self.repeat_upsamples.append(
                    nn.Sequential(
                        nn.Upsample(scale_factor=scale, mode="nearest"),
                        nn.LeakyReLU(c.negative_slope),
                        conv_cls(ch_in, ch_out, c.kernel_size, padding=same, use_weight_norm=wn),
                    )
                )
            for k, dilations in zip(c.resblock_kernel_sizes, c.resblock_dilations):
                block = ResidualBlock2 if c.resblock_type == "2" else ResidualBlock
                self.conv_blocks.append(block(ch_out, k, dilations, c.negative_slope, c.causal, wn))
        final_channels = c.channels // 2 ** len(c.upsample_scales)
        self.conv_post = conv_cls(final_channels, c.out_channels, c.kernel_size, padding=same, use_weight_norm=wn)
        if c.nsf_params is not None:
            self._build_source(c, conv_cls)

    def _build_source(self, c: HifiGanConfig, conv_cls: type[Conv1d]) -> None:
        """Excitation module plus one strided conv per stage bringing it to that stage's rate."""
        self.source_module = SourceModule(c.nsf_params, c.hop_length)
        self.source_downs = nn.ModuleList()
        rates = [1, *reversed(c.upsample_scales)][:-1]
        cum_rates = [math.prod(rates[: i + 1]) for i in range(len(rates))]
        for i, u in enumerate(reversed(cum_rates)):
            ch_out = c.channels // 2 ** (i + 1)
            if u == 1:
                self.source_downs.append(Conv1d(1, ch_out, 1, use_weight_norm=c.use_weight_norm))
            else:
                self.source_downs.append(
                    conv_cls(1, ch_out, u * 2, u, padding=u // 2, use_weight_norm=c.use_weight_norm)
                )

    def forward(self, x: torch.Tensor, phase: torch.Tensor | None = None,
                noise: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, input_rows, T] normalized mel (+ f0 in Hz and uv rows for NSF). Returns [B, 1, T * hop] in [-1, 1].

        NSF only: ``phase``/``noise`` fix the source module's random draws (see ``SourceModule``)."""
        c = self.config
        excitation = None
        if c.nsf_params is not None:
            excitation = self.source_module(x[:, -2:-1, :], x[:, -1:, :], phase, noise)
            x = x[:, :-2, :]
        x = self.conv_pre(x)
        for i in range(len(c.upsample_scales)):
            x = torch.sin(x) + x
            up = self.transpose_upsamples[i](x)
            base = self.repeat_upsamples[i](x) if c.repeat_upsample else up
            if excitation is not None:
                base = base + self.source_downs[i](excitation)
            x = base + up[:, :, : base.size(-1)] if c.repeat_upsample else base
            blocks = self.conv_blocks[i * self.num_kernels : (i + 1) * self.num_kernels]
            xs = blocks[0](x)
            for block in blocks[1:]:
                xs = xs + block(x)
            x = xs / self.num_kernels
        x = self.conv_post(F.leaky_relu(x, c.final_negative_slope))
        return torch.tanh(x)

    def remove_weight_norm(self) -> None:
        """Fold every weight_g/weight_v pair into a plain weight (inference / export)."""
        modules = [self.conv_pre, self.conv_post, *self.conv_blocks]
        modules += [seq[-1] for seq in self.transpose_upsamples]
        modules += [seq[-1] for seq in self.repeat_upsamples]
        if self.config.nsf_params is not None:
            modules += [self.source_module, *self.source_downs]
        for module in modules:
            module.remove_weight_norm()

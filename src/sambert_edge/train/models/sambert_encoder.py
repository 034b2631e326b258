"""SAM-BERT text encoder (KAN-TTS ``TextFftEncoder`` + ``SelfAttentionEncoder``).

Four summed linguistic embeddings (sy, tone, syllable_flag, word_segment) -> x sqrt(encoder units)
-> + sinusoidal table -> FFT blocks -> LayerNorm -> bias-free projection.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .attention import FFTBlock
from .config import SambertConfig


def sinusoid_table(n_position: int, depth: int) -> torch.Tensor:
    """KAN-TTS position table [n_position, depth]: positions 1..N, sin half then cos half.

    angle(p, j) = p / 10000 ** (j / (depth/2 - 1)) for j < depth/2; computed in float64 like numpy.
    """
    half = depth // 2
    positions = torch.arange(1, n_position + 1, dtype=torch.float64)[:, None]
    exponents = torch.arange(half, dtype=torch.float64)[None, :] / (depth / 2 - 1)
    angles = positions / torch.pow(torch.tensor(10000.0, dtype=torch.float64), exponents)
    table = torch.zeros(n_position, depth, dtype=torch.float64)
    table[:, :half] = torch.sin(angles)
    table[:, half : 2 * half] = torch.cos(angles)
    return table.float()


class SinusoidalPositionEncoder(nn.Module):
    """Adds the stored table (a frozen Parameter, saved in checkpoints); grows it for long inputs."""

    def __init__(self, max_len: int, depth: int):
        super().__init__()
        self.depth = depth
        self.position_enc = nn.Parameter(sinusoid_table(max_len, depth).unsqueeze(0), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, depth] -> [B, T, depth]."""
        length = x.size(1)
        table = self.position_enc
        if length > table.size(1):
            table = sinusoid_table(length, self.depth).unsqueeze(0).to(x)
        return x + table[:, :length, :]


class SelfAttentionEncoder(nn.Module):
    """Scale, position-encode and run the FFT stack. Keys: ``position_enc``, ``fft.{i}``, ``ln``."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.d_model = c.encoder_num_units
        self.dropout = c.encoder_dropout
        dims_in = [c.embedding_dim] + [c.encoder_num_units] * (c.encoder_num_layers - 1)
        self.fft = nn.ModuleList(
            FFTBlock(
                d,
                c.encoder_num_units,
                c.encoder_num_heads,
                c.encoder_ffn_inner_dim,
                c.encoder_dropout,
                c.encoder_attention_dropout,
                c.encoder_relu_dropout,
                c.layer_norm_eps,
            )
            for d in dims_in
        )
        self.ln = nn.LayerNorm(c.encoder_num_units, eps=c.layer_norm_eps)
        self.position_enc = SinusoidalPositionEncoder(c.max_len, c.embedding_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, embedding_dim]; mask: bool [B, T] (True = padding). Returns [B, T, units]."""
        x = self.position_enc(x * math.sqrt(self.d_model))
        x = F.dropout(x, p=self.dropout, training=self.training)
        attn_mask = None if mask is None else mask.unsqueeze(1).expand(-1, x.size(1), -1)
        for layer in self.fft:
            x = layer(x, mask, attn_mask)
        return self.ln(x)


class TextFftEncoder(nn.Module):
    """Linguistic features -> text hidden states [B, T, encoder_projection_units]."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.sy_emb = nn.Embedding(c.sy, c.embedding_dim)
        self.tone_emb = nn.Embedding(c.tone, c.embedding_dim)
        self.syllable_flag_emb = nn.Embedding(c.syllable_flag, c.embedding_dim)
        self.ws_emb = nn.Embedding(c.word_segment, c.embedding_dim)
        self.ling_enc = SelfAttentionEncoder(c)
        self.ling_proj = nn.Linear(c.encoder_num_units, c.encoder_projection_units, bias=False)

    def embed(self, inputs_ling: torch.Tensor) -> torch.Tensor:
        """int64 [B, T, 4] (sy, tone, syllable_flag, word_segment) -> summed embedding [B, T, E]."""
        return (
            self.sy_emb(inputs_ling[:, :, 0])
            + self.tone_emb(inputs_ling[:, :, 1])
            + self.syllable_flag_emb(inputs_ling[:, :, 2])
            + self.ws_emb(inputs_ling[:, :, 3])
        )

    def forward(self, inputs_ling: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """inputs_ling: int64 [B, T, 4]; mask: bool [B, T]. Returns [B, T, encoder_projection_units]."""
        return self.ling_proj(self.ling_enc(self.embed(inputs_ling), mask))

"""Transformer pieces shared by the SAM-BERT encoder and decoder (KAN-TTS ``sambert/__init__.py``).

Heads are laid out head-major, as in KAN-TTS: a [B, T, H*D] projection becomes [H*B, T, D].
Boolean masks are True where attention is *forbidden*.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .pointwise import conv_time_last


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """[B, T, H*D] -> [H*B, T, D] (head-major, the KAN-TTS order)."""
    batch, length, width = x.shape
    d_head = width // n_head
    return x.view(batch, length, n_head, d_head).permute(2, 0, 1, 3).reshape(n_head * batch, length, d_head)


def merge_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """[H*B, T, D] -> [B, T, H*D]."""
    hb, length, d_head = x.shape
    batch = hb // n_head
    return x.view(n_head, batch, length, d_head).permute(1, 2, 0, 3).reshape(batch, length, n_head * d_head)


def attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None,
    temperature: float,
    dropatt: nn.Module | None = None,
) -> torch.Tensor:
    """Scaled dot-product attention: softmax(q k^T / temperature) v.

    Args:
        q: [N, Tq, D]; k, v: [N, Tk, D].
        mask: bool [N, Tq, Tk] (True = blocked), or None.
        temperature: sqrt(D), passed in so that tracing for ONNX sees a constant.
        dropatt: dropout applied to the attention probabilities (training only).

    Returns:
        [N, Tq, D].
    """
    scores = torch.bmm(q, k.transpose(1, 2)) / temperature
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    if dropatt is not None:
        probs = dropatt(probs)
    return torch.bmm(probs, v)


class Prenet(nn.Module):
    """Linear+ReLU+Dropout stack with an optional output Linear.

    Keys: ``fcs.{3i}`` are the Linears (ReLU/Dropout occupy the other slots), as in KAN-TTS.
    """

    def __init__(self, in_units: int, prenet_units: tuple[int, ...], out_units: int = 0, dropout: float = 0.5):
        super().__init__()
        dims = [in_units, *prenet_units]
        layers: list[nn.Module] = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(d_in, d_out), nn.ReLU(), nn.Dropout(dropout)]
        if out_units:
            layers.append(nn.Linear(dims[-1], out_units))
        self.fcs = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[..., in_units] -> [..., out_units or prenet_units[-1]]."""
        for layer in self.fcs:
            x = layer(x)
        return x


class MultiHeadSelfAttention(nn.Module):
    """Pre-LN multi-head self-attention; the residual is added only when ``d_in == d_model``."""

    def __init__(
        self, n_head: int, d_in: int, d_model: int, d_head: int, dropout: float, dropout_attn: float, eps: float
    ):
        super().__init__()
        self.n_head = n_head
        self.temperature = math.sqrt(d_head)
        self.dropatt = nn.Dropout(dropout_attn)
        self.layer_norm = nn.LayerNorm(d_in, eps=eps)
        self.w_qkv = nn.Linear(d_in, 3 * n_head * d_head)
        self.fc = nn.Linear(n_head * d_head, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, d_in]; mask: bool [B, T, T] or None. Returns [B, T, d_model]."""
        q, k, v = self.w_qkv(self.layer_norm(x)).chunk(3, dim=-1)
        if mask is not None:
            mask = mask.repeat(self.n_head, 1, 1)
        q, k, v = (split_heads(t, self.n_head) for t in (q, k, v))
        out = attend(q, k, v, mask, self.temperature, self.dropatt)
        out = self.dropout(self.fc(merge_heads(out, self.n_head)))
        if out.size(-1) == x.size(-1):
            out = out + x
        return out


class PositionwiseConvFeedForward(nn.Module):
    """Pre-LN Conv1d FFN with residual: LN -> conv(k0) -> ReLU -> conv(k1) -> + x."""

    def __init__(
        self, d_in: int, d_hid: int, kernel_size: tuple[int, int], dropout_inner: float, dropout: float, eps: float
    ):
        super().__init__()
        self.w_1 = nn.Conv1d(d_in, d_hid, kernel_size[0], padding=(kernel_size[0] - 1) // 2)
        self.w_2 = nn.Conv1d(d_hid, d_in, kernel_size[1], padding=(kernel_size[1] - 1) // 2)
        self.layer_norm = nn.LayerNorm(d_in, eps=eps)
        self.dropout_inner = nn.Dropout(dropout_inner)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, d_in]; mask: bool [B, T] (True = padding) or None. Returns [B, T, d_in]."""
        hidden = F.relu(conv_time_last(self.w_1, self.layer_norm(x)))
        if mask is not None:
            hidden = hidden.masked_fill(mask.unsqueeze(-1), 0.0)
        out = conv_time_last(self.w_2, self.dropout_inner(hidden))
        return self.dropout(out) + x


class FFTBlock(nn.Module):
    """Encoder block: self-attention then conv FFN (kernel sizes (3, 1))."""

    def __init__(
        self,
        d_in: int,
        d_model: int,
        n_head: int,
        d_inner: int,
        dropout: float,
        dropout_attn: float,
        dropout_relu: float,
        eps: float,
    ):
        super().__init__()
        self.slf_attn = MultiHeadSelfAttention(n_head, d_in, d_model, d_model // n_head, dropout, dropout_attn, eps)
        self.pos_ffn = PositionwiseConvFeedForward(d_model, d_inner, (3, 1), dropout_relu, dropout, eps)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, attn_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x: [B, T, d_in]; mask: bool [B, T]; attn_mask: bool [B, T, T]. Returns [B, T, d_model]."""
        out = self.slf_attn(x, attn_mask)
        if mask is not None:
            out = out.masked_fill(mask.unsqueeze(-1), 0.0)
        out = self.pos_ffn(out, mask)
        if mask is not None:
            out = out.masked_fill(mask.unsqueeze(-1), 0.0)
        return out

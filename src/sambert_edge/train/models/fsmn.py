"""FSMN encoder (KAN-TTS ``FsmnEncoderV2``), used by the pitch/energy predictors and the postnet.

Each layer: pointwise FFN (in -> inner -> memory units, second conv without bias), then a memory
block (depthwise conv over time, zero-padded, plus its input); a layer residual when widths match.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .pointwise import conv_time_last


class FeedForwardNet(nn.Module):
    """Pointwise two-layer FFN: Conv1d(k1) -> ReLU -> Dropout -> Conv1d(k1, no bias)."""

    def __init__(self, d_in: int, d_hid: int, d_out: int, dropout: float):
        super().__init__()
        self.w_1 = nn.Conv1d(d_in, d_hid, kernel_size=1)
        self.w_2 = nn.Conv1d(d_hid, d_out, kernel_size=1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, T, d_in] -> [B, T, d_out]."""
        hidden = self.dropout(F.relu(conv_time_last(self.w_1, x)))
        return conv_time_last(self.w_2, hidden)


class MemoryBlockV2(nn.Module):
    """Depthwise temporal conv with residual; ``shift`` moves the window toward the past.

    Padding: left = round((k-1)/2) + shift, right = (k-1)//2 - shift.
    """

    def __init__(self, d: int, filter_size: int, shift: int, dropout: float):
        super().__init__()
        left = int(round((filter_size - 1) / 2))
        right = int((filter_size - 1) / 2)
        if shift > 0:
            left += shift
            right -= shift
        self.left_padding, self.right_padding = left, right
        self.conv_dw = nn.Conv1d(d, d, filter_size, groups=d, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, d]; mask: bool [B, T] (True = padding). Returns [B, T, d]."""
        if mask is not None:
            x = x.masked_fill(mask.unsqueeze(-1), 0.0)
        padded = F.pad(x.transpose(1, 2), (self.left_padding, self.right_padding))
        out = self.dropout(self.conv_dw(padded).transpose(1, 2) + x)
        if mask is not None:
            out = out.masked_fill(mask.unsqueeze(-1), 0.0)
        return out


class FsmnEncoderV2(nn.Module):
    """Stack of FFN + memory-block layers. Keys: ``ffn_lst.{i}``, ``memory_block_lst.{i}``."""

    def __init__(
        self,
        filter_size: int,
        num_layers: int,
        input_dim: int,
        num_memory_units: int,
        ffn_inner_dim: int,
        dropout: float,
        shift: int,
    ):
        super().__init__()
        self.dropout = dropout
        dims_in = [input_dim] + [num_memory_units] * (num_layers - 1)
        self.ffn_lst = nn.ModuleList(FeedForwardNet(d, ffn_inner_dim, num_memory_units, dropout) for d in dims_in)
        self.memory_block_lst = nn.ModuleList(
            MemoryBlockV2(num_memory_units, filter_size, shift, dropout) for _ in range(num_layers)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, input_dim]; mask: bool [B, T]. Returns [B, T, num_memory_units]."""
        x = F.dropout(x, self.dropout, self.training)
        for ffn, memory_block in zip(self.ffn_lst, self.memory_block_lst):
            memory = F.dropout(memory_block(ffn(x), mask), self.dropout, self.training)
            if memory.size(-1) == x.size(-1):
                memory = memory + x
            x = memory
        return x

"""Conv1d on time-last activations, run as a matrix product when the kernel is one frame wide.

The KAN-TTS feed-forward nets are ``nn.Conv1d`` layers over [B, C, T], most of them with kernel
size 1. As ``F.linear`` on [B, T, C] they export to ONNX as MatMul, which dynamic INT8
quantization covers (it leaves Conv in fp32: the FFNs were most of the fp32 bytes left in the
quantized decoder), and they skip two transposes. State-dict keys and shapes stay those of
``nn.Conv1d``, so KAN-TTS checkpoints load unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_time_last(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """x: [B, T, C_in] -> [B, T, C_out], the same as ``conv`` applied over time."""
    pointwise = (conv.kernel_size == (1,) and conv.stride == (1,) and conv.dilation == (1,)
                 and conv.groups == 1 and conv.padding == (0,))
    if pointwise:
        return F.linear(x, conv.weight.squeeze(-1), conv.bias)
    return conv(x.transpose(1, 2)).transpose(1, 2)

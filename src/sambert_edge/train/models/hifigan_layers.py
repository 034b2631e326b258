"""Weight-normalized (causal) convolutions and residual blocks of the KAN-TTS HiFi-GAN.

Weight norm is implemented here rather than with ``torch.nn.utils.weight_norm`` (deprecated) so
that the state_dict keys stay ``weight_g`` / ``weight_v`` exactly as in KAN-TTS checkpoints, and
``remove_weight_norm()`` folds them into a plain ``weight``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _norm_except_dim0(v: torch.Tensor) -> torch.Tensor:
    """L2 norm over all dims but 0, shaped [C, 1, ..., 1] (``torch.norm_except_dim(v, 2, 0)``)."""
    return v.flatten(1).norm(dim=1).view(-1, *([1] * (v.dim() - 1)))


class _WeightNormMixin:
    """Holds ``weight_g`` [C0, 1, 1] and ``weight_v`` (same shape as the conv weight) until folded."""

    def _init_weight_norm(self, use_weight_norm: bool) -> None:
        self.weight_normed = use_weight_norm
        if use_weight_norm:
            weight = self.weight.detach()
            del self.weight
            self.weight_g = nn.Parameter(_norm_except_dim0(weight))
            self.weight_v = nn.Parameter(weight.clone())

    def effective_weight(self) -> torch.Tensor:
        """The conv kernel: v * g / ||v|| when weight-normed."""
        if self.weight_normed:
            return self.weight_v * (self.weight_g / _norm_except_dim0(self.weight_v))
        return self.weight

    def remove_weight_norm(self) -> None:
        """Replace ``weight_g``/``weight_v`` with a plain ``weight`` Parameter."""
        if not self.weight_normed:
            return
        weight = self.effective_weight().detach()
        del self.weight_g
        del self.weight_v
        self.weight = nn.Parameter(weight)
        self.weight_normed = False


class WNConv1d(_WeightNormMixin, nn.Conv1d):
    """``nn.Conv1d`` with optional weight norm (keys ``weight_g``, ``weight_v``, ``bias``)."""

    def __init__(self, *args, use_weight_norm: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_weight_norm(use_weight_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, T_out]."""
        return self._conv_forward(x, self.effective_weight(), self.bias)


class WNConvTranspose1d(_WeightNormMixin, nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` with optional weight norm (``weight_g`` is [C_in, 1, 1])."""

    def __init__(self, *args, use_weight_norm: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_weight_norm(use_weight_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, (T - 1) * stride - 2 * padding + kernel]."""
        return F.conv_transpose1d(
            x, self.effective_weight(), self.bias, self.stride, self.padding, self.output_padding, self.groups
        )


class Conv1d(nn.Module):
    """Symmetric-padded conv; key prefix ``conv1d``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        bias: bool = True,
        use_weight_norm: bool = True,
    ):
        super().__init__()
        self.conv1d = WNConv1d(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding=padding,
            dilation=dilation,
            bias=bias,
            use_weight_norm=use_weight_norm,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, T']."""
        return self.conv1d(x)

    def remove_weight_norm(self) -> None:
        self.conv1d.remove_weight_norm()


class CausalConv1d(Conv1d):
    """Left-padded by (k - 1) * dilation; ``padding`` is ignored, as in KAN-TTS."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        bias: bool = True,
        use_weight_norm: bool = True,
    ):
        del padding
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, bias, use_weight_norm)
        self.left_pad = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, T'] (T' = T for stride 1)."""
        return self.conv1d(F.pad(x, (self.left_pad, 0)))


class ConvTranspose1d(nn.Module):
    """Transposed conv with symmetric padding; key prefix ``deconv``."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        padding: int = 0,
        use_weight_norm: bool = True,
    ):
        super().__init__()
        self.deconv = WNConvTranspose1d(
            in_channels, out_channels, kernel_size, stride, padding=padding, use_weight_norm=use_weight_norm
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, T * stride + ...]."""
        return self.deconv(x)

    def remove_weight_norm(self) -> None:
        self.deconv.remove_weight_norm()


class CausalConvTranspose1d(ConvTranspose1d):
    """Unpadded transposed conv whose last (kernel - stride) samples are dropped -> T * stride."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        padding: int = 0,
        use_weight_norm: bool = True,
    ):
        del padding
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, use_weight_norm)
        self.trim = kernel_size - stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C_in, T] -> [B, C_out, T * stride]."""
        out = self.deconv(x)
        return out[:, :, : out.size(-1) - self.trim]


class ResidualBlock(nn.Module):
    """HiFi-GAN resblock: for each dilation d, x += conv2(act(conv1_d(act(x))))."""

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        dilations: tuple[int, ...],
        negative_slope: float,
        causal: bool,
        use_weight_norm: bool = True,
    ):
        super().__init__()
        conv_cls = CausalConv1d if causal else Conv1d
        self.convs1 = nn.ModuleList(
            conv_cls(
                channels,
                channels,
                kernel_size,
                dilation=d,
                padding=(kernel_size * d - d) // 2,
                use_weight_norm=use_weight_norm,
            )
            for d in dilations
        )
        self.convs2 = nn.ModuleList(
            conv_cls(channels, channels, kernel_size, padding=(kernel_size - 1) // 2, use_weight_norm=use_weight_norm)
            for _ in dilations
        )
        self.activation = nn.LeakyReLU(negative_slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T] -> [B, C, T]."""
        for conv1, conv2 in zip(self.convs1, self.convs2):
            x = conv2(self.activation(conv1(self.activation(x)))) + x
        return x

    def remove_weight_norm(self) -> None:
        for conv in [*self.convs1, *self.convs2]:
            conv.remove_weight_norm()


class ResidualBlock2(nn.Module):
    """Classic HiFi-GAN V3 resblock ("ResBlock2"): for each dilation d, x += conv_d(act(x))."""

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        dilations: tuple[int, ...],
        negative_slope: float,
        causal: bool,
        use_weight_norm: bool = True,
    ):
        super().__init__()
        conv_cls = CausalConv1d if causal else Conv1d
        self.convs = nn.ModuleList(
            conv_cls(channels, channels, kernel_size, dilation=d, padding=(kernel_size * d - d) // 2,
                     use_weight_norm=use_weight_norm)
            for d in dilations
        )
        self.activation = nn.LeakyReLU(negative_slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T] -> [B, C, T]."""
        for conv in self.convs:
            x = conv(self.activation(x)) + x
        return x

    def remove_weight_norm(self) -> None:
        for conv in self.convs:
            conv.remove_weight_norm()

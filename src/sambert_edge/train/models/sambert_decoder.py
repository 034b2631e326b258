"""SAM-BERT PNCA mel decoder (KAN-TTS ``MelPNCADecoder`` / ``HybridAttentionDecoder``).

Each decoder step consumes the last frame of the previous step (a zero "go" frame first) and one
LFR memory frame, and emits r frames. Every ``PNCABlock`` attends

* to its own past (x-attention) over the band [s - xb, s], and
* to the memory (h-attention, K/V from the raw memory) over the look-ahead band [s, s + hb].

Three equivalent paths: :meth:`HybridAttentionDecoder.forward` (parallel, teacher-forced, used in
training), :meth:`HybridAttentionDecoder.decoder_step` (one step with explicit caches: a ring buffer
of the last xb + 1 x-attention K/V and precomputed memory K/V; the unit an ONNX export runs in a
loop) and :meth:`HybridAttentionDecoder.infer` (the autoregressive loop over ``decoder_step``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .attention import PositionwiseConvFeedForward, Prenet, attend, merge_heads, split_heads
from .config import SambertConfig


def pnca_band_masks(
    length: int, x_band_width: int, h_band_width: int, mask: torch.Tensor | None, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """KAN-TTS ``get_pnca_attn_mask``: bool masks (True = blocked) of shape [B or 1, L, L].

    x: key j allowed for query i iff i - xb <= j <= i; h: iff i <= j <= i + hb. With a padding mask
    [B, L], padded keys are blocked and padded query rows fully unblocked (as KAN-TTS does).
    """
    i = torch.arange(length, device=device)[:, None]
    j = torch.arange(length, device=device)[None, :]
    x_mask = ((j < i - x_band_width) | (j > i)).unsqueeze(0)
    h_mask = ((j < i) | (j > i + h_band_width)).unsqueeze(0)
    if mask is not None:
        keys = mask.unsqueeze(1).expand(-1, length, -1)
        queries = mask.unsqueeze(2)
        x_mask = (x_mask | keys).masked_fill(queries, False)
        h_mask = (h_mask | keys).masked_fill(queries, False)
    return x_mask, h_mask


class MultiHeadPNCAAttention(nn.Module):
    """x-attention (self, causal band) + h-attention (memory, look-ahead band), summed + residual."""

    def __init__(self, n_head: int, d_model: int, d_mem: int, dropout: float, dropout_attn: float, eps: float):
        super().__init__()
        d_head = d_model // n_head
        self.n_head = n_head
        self.temperature = math.sqrt(d_head)
        self.layer_norm = nn.LayerNorm(d_model, eps=eps)
        self.w_x_qkv = nn.Linear(d_model, 3 * n_head * d_head)
        self.fc_x = nn.Linear(n_head * d_head, d_model)
        self.w_h_kv = nn.Linear(d_mem, 2 * n_head * d_head)
        self.fc_h = nn.Linear(n_head * d_head, d_model)
        self.dropatt = nn.Dropout(dropout_attn)
        self.dropout = nn.Dropout(dropout)

    def memory_kv(self, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """memory: [B, M, d_mem] -> h_k, h_v [H*B, M, D] (no LayerNorm on the memory)."""
        h_k, h_v = self.w_h_kv(memory).chunk(2, dim=-1)
        return split_heads(h_k, self.n_head), split_heads(h_v, self.n_head)

    def x_qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: [B, L, d_model] -> q, k, v [H*B, L, D] from the layer-normed input."""
        q, k, v = self.w_x_qkv(self.layer_norm(x)).chunk(3, dim=-1)
        return split_heads(q, self.n_head), split_heads(k, self.n_head), split_heads(v, self.n_head)

    def combine(
        self,
        x: torch.Tensor,
        q: torch.Tensor,
        x_kv: tuple[torch.Tensor, torch.Tensor],
        h_kv: tuple[torch.Tensor, torch.Tensor],
        x_mask: torch.Tensor | None,
        h_mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """Both attentions for queries q [H*B, L, D]; masks [H*B or 1, L, K]. Returns [B, L, d_model]."""
        out_x = attend(q, x_kv[0], x_kv[1], x_mask, self.temperature, self.dropatt)
        out_h = attend(q, h_kv[0], h_kv[1], h_mask, self.temperature, self.dropatt)
        out = self.fc_x(merge_heads(out_x, self.n_head)) + self.fc_h(merge_heads(out_h, self.n_head))
        return self.dropout(out) + x


class PNCABlock(nn.Module):
    """``pnca_attn`` + pointwise conv FFN (kernel sizes (1, 1))."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.pnca_attn = MultiHeadPNCAAttention(
            c.decoder_num_heads,
            c.decoder_num_units,
            c.decoder_memory_dim,
            c.decoder_dropout,
            c.decoder_attention_dropout,
            c.layer_norm_eps,
        )
        self.pos_ffn = PositionwiseConvFeedForward(
            c.decoder_num_units,
            c.decoder_ffn_inner_dim,
            (1, 1),
            c.decoder_relu_dropout,
            c.decoder_dropout,
            c.layer_norm_eps,
        )


def _expand_mask(mask: torch.Tensor, n_head: int) -> torch.Tensor:
    """[B, L, K] -> [H*B, L, K] (head-major like the K/V tensors); a batch of 1 broadcasts."""
    return mask if mask.size(0) == 1 else mask.repeat(n_head, 1, 1)


class HybridAttentionDecoder(nn.Module):
    """Keys: ``prenet.fcs``, ``dec_in_proj``, ``pnca.{i}``, ``ln``, ``dec_out_proj``."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.d_model = c.decoder_num_units
        self.n_head = c.decoder_num_heads
        self.dropout = c.decoder_dropout
        self.prenet = Prenet(c.num_mels, c.decoder_prenet_units, c.decoder_num_units, c.prenet_dropout)
        self.dec_in_proj = nn.Linear(c.decoder_num_units + c.decoder_memory_dim, c.decoder_num_units)
        self.pnca = nn.ModuleList(PNCABlock(c) for _ in range(c.decoder_num_layers))
        self.ln = nn.LayerNorm(c.decoder_num_units, eps=c.layer_norm_eps)
        self.dec_out_proj = nn.Linear(c.decoder_num_units, c.num_mels * c.outputs_per_step)

    def _input(self, prev_frames: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """prev_frames: [B, L, d_mel]; memory: [B, L, d_mem] -> scaled decoder input [B, L, d_model]."""
        x = self.dec_in_proj(torch.cat([memory, self.prenet(prev_frames)], dim=-1))
        return F.dropout(x * math.sqrt(self.d_model), p=self.dropout, training=self.training)

    def forward(
        self,
        prev_frames: torch.Tensor,
        memory: torch.Tensor,
        x_band_width: int,
        h_band_width: int,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Parallel (teacher-forced) pass.

        Args:
            prev_frames: [B, M, d_mel] the frame fed at each step (go frame, then targets).
            memory: [B, M, d_mem] LFR memory.
            mask: bool [B, M] (True = padding) or None.

        Returns:
            [B, M, r * d_mel].
        """
        x = self._input(prev_frames, memory)
        if mask is not None:
            x = x.masked_fill(mask.unsqueeze(-1), 0.0)
        x_mask, h_mask = pnca_band_masks(x.size(1), x_band_width, h_band_width, mask, x.device)
        x_mask, h_mask = _expand_mask(x_mask, self.n_head), _expand_mask(h_mask, self.n_head)
        for block in self.pnca:
            attn = block.pnca_attn
            q, k, v = attn.x_qkv(x)
            x = attn.combine(x, q, (k, v), attn.memory_kv(memory), x_mask, h_mask)
            if mask is not None:
                x = x.masked_fill(mask.unsqueeze(-1), 0.0)
            x = block.pos_ffn(x, mask)
            if mask is not None:
                x = x.masked_fill(mask.unsqueeze(-1), 0.0)
        return self.dec_out_proj(self.ln(x))

    def memory_kv(self, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """memory [B, M, d_mem] -> per-layer h_k, h_v stacked as [n_layers, H*B, M, D]."""
        pairs = [block.pnca_attn.memory_kv(memory) for block in self.pnca]
        return torch.stack([k for k, _ in pairs]), torch.stack([v for _, v in pairs])

    def init_x_cache(self, batch: int, x_band_width: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Zeroed ring buffers x_k, x_v of shape [n_layers, H*B, xb + 1, D]."""
        shape = (len(self.pnca), self.n_head * batch, x_band_width + 1, self.d_model // self.n_head)
        return like.new_zeros(shape), like.new_zeros(shape)

    def decoder_step(
        self,
        prev_frame: torch.Tensor,
        memory_step: torch.Tensor,
        h_k: torch.Tensor,
        h_v: torch.Tensor,
        x_k: torch.Tensor,
        x_v: torch.Tensor,
        step: torch.Tensor,
        h_band_width: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One autoregressive step with explicit, fixed-size caches.

        Args:
            prev_frame: [B, 1, d_mel] last frame of the previous step (zeros at step 0).
            memory_step: [B, 1, d_mem] memory frame ``step``.
            h_k, h_v: [n_layers, H*B, M, D] from :meth:`memory_kv`.
            x_k, x_v: [n_layers, H*B, W, D] ring buffers, W = x_band_width + 1; step s writes slot s % W.
            step: int64 scalar tensor, the step index s.
            h_band_width: int64 scalar tensor hb.

        Returns:
            frames [B, 1, r * d_mel] and the updated x_k, x_v.
        """
        slots = torch.arange(x_k.size(2), device=x_k.device)
        write = (slots == step % x_k.size(2)).view(1, -1, 1)
        x_mask = (slots > step).view(1, 1, -1)
        mem = torch.arange(h_k.size(2), device=h_k.device)
        h_mask = ((mem < step) | (mem > step + h_band_width)).view(1, 1, -1)
        x = self._input(prev_frame, memory_step)
        new_k, new_v = [], []
        for i, block in enumerate(self.pnca):
            attn = block.pnca_attn
            q, k, v = attn.x_qkv(x)
            k_i = torch.where(write, k, x_k[i])
            v_i = torch.where(write, v, x_v[i])
            x = attn.combine(x, q, (k_i, v_i), (h_k[i], h_v[i]), x_mask, h_mask)
            x = block.pos_ffn(x)
            new_k.append(k_i)
            new_v.append(v_i)
        return self.dec_out_proj(self.ln(x)), torch.stack(new_k), torch.stack(new_v)

    def infer(self, memory: torch.Tensor, x_band_width: int, h_band_width: int, d_mel: int) -> torch.Tensor:
        """Autoregressive loop over :meth:`decoder_step`. memory: [B, M, d_mem] -> [B, M, r * d_mel]."""
        batch, steps = memory.size(0), memory.size(1)
        h_k, h_v = self.memory_kv(memory)
        x_k, x_v = self.init_x_cache(batch, x_band_width, memory)
        hb = torch.tensor(h_band_width, dtype=torch.long)
        frame = memory.new_zeros(batch, 1, d_mel)
        outputs = []
        for s in range(steps):
            out, x_k, x_v = self.decoder_step(
                frame, memory[:, s : s + 1], h_k, h_v, x_k, x_v, torch.tensor(s, dtype=torch.long), hb
            )
            outputs.append(out)
            frame = out[:, :, -d_mel:]
        return torch.cat(outputs, dim=1)


class MelPNCADecoder(nn.Module):
    """Wraps :class:`HybridAttentionDecoder` as ``mel_dec`` (the KAN-TTS key prefix)."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        self.d_mel = config.num_mels
        self.r = config.outputs_per_step
        self.mel_dec = HybridAttentionDecoder(config)

    def forward(
        self,
        memory: torch.Tensor,
        x_band_width: int,
        h_band_width: int,
        target: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        feedback: float = 0.0,
        feedback_passes: int = 1,
    ) -> torch.Tensor:
        """memory: [B, M, d_mem]; target: [B, M * r, d_mel] (teacher forcing) or None (autoregressive).

        ``feedback`` > 0 (training only) is parallel scheduled sampling (Duckworth et al., 2019): a
        share ``feedback`` of the steps, drawn at random, are fed the decoder's own previous output
        instead of the target frame, so it learns to recover from its own errors, as it must when it
        runs autoregressively. The own outputs come from ``feedback_passes`` gradient-free parallel
        passes, each fed the mix made from the one before (more passes: closer to free running).

        Returns [B, M, r * d_mel].
        """
        if target is None:
            return self.mel_dec.infer(memory, x_band_width, h_band_width, self.d_mel)
        prev = self._shifted(target[:, self.r - 1 :: self.r, :])
        if feedback != 0.0:
            if not 0.0 < feedback <= 1.0 or feedback_passes < 1:
                raise ValueError(f"feedback must be in (0, 1] with >= 1 passes, got {feedback}, {feedback_passes}")
            fed = torch.rand(prev.shape[:2], device=prev.device).unsqueeze(-1) < feedback
            mixed = prev
            with torch.no_grad():
                for _ in range(feedback_passes):
                    own = self.mel_dec(mixed, memory, x_band_width, h_band_width, mask)
                    mixed = torch.where(fed, self._shifted(own[:, :, -self.d_mel :]), prev)
            prev = mixed
        return self.mel_dec(prev, memory, x_band_width, h_band_width, mask)

    def _shifted(self, last_frames: torch.Tensor) -> torch.Tensor:
        """[B, M, d_mel] last frame of each step -> the frame each step is fed: go (zeros), then step s - 1's."""
        go = last_frames.new_zeros(last_frames.size(0), 1, self.d_mel)
        return torch.cat([go, last_frames], dim=1)[:, :-1, :]

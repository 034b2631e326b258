"""SAM-BERT variance adaptor (KAN-TTS ``VarianceAdaptor``, ``adaptors.py``, ``positions.py``).

Pitch and energy: non-autoregressive FSMN + BiLSTM predictors (one normalized value per phone),
embedded by 1-channel convs and added to the text stream. Duration: an autoregressive LSTM over
phones predicting log(d + 1). The length regulator expands phones to frames (rounded durations),
pads the frame axis to a multiple of r and adds a within-phone sinusoidal position encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .attention import Prenet
from .config import SambertConfig
from .fsmn import FsmnEncoderV2


@dataclass(frozen=True)
class ProsodyControl:
    """Inference-time prosody edits; the defaults are a no-op.

    Pitch and energy act on the normalized per-phone predictions: ``pitch * pitch_scale + pitch_shift``,
    ``energy * energy_scale``. ``duration_scale`` multiplies the predicted durations (in frames)
    before rounding (> 1 = slower speech).
    """

    duration_scale: float = 1.0
    pitch_shift: float = 0.0
    pitch_scale: float = 1.0
    energy_scale: float = 1.0


def frame_to_phone_index(durations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Map each output frame to its phone, with KAN-TTS rounding (``long(d + 0.5)``).

    Args:
        durations: [B, T] float frames per phone.

    Returns:
        index: int64 [B, F] phone index of each frame (0 where the frame is past the item's end);
        valid: bool [B, F] True where the frame belongs to a phone;
        lengths: int64 [B] valid frames per item (F = max over the batch).
    """
    reps = (durations + 0.5).long()
    lengths = reps.sum(dim=1)
    ends = torch.cumsum(reps, dim=1)
    frames = torch.arange(int(lengths.max()), device=durations.device)
    frames = frames.unsqueeze(0).expand(durations.size(0), -1).contiguous()
    index = torch.searchsorted(ends, frames, right=True)
    valid = index < durations.size(1)
    return index.clamp(max=durations.size(1) - 1) * valid, valid, lengths


def pad_to_multiple(x: torch.Tensor, r: int) -> torch.Tensor:
    """Zero-pad the time axis (dim 1) of [B, F, ...] to a multiple of r."""
    extra = (-x.size(1)) % r
    if extra == 0:
        return x
    pad = [0, 0] * (x.dim() - 2) + [0, extra]
    return F.pad(x, pad)


class LengthRegulator(nn.Module):
    """Expand per-phone features to frames and zero-pad the frame axis to a multiple of r."""

    def __init__(self, r: int):
        super().__init__()
        self.r = r

    def forward(
        self, x: torch.Tensor, durations: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x: [B, T, C]; durations: [B, T]; mask: bool [B, F] over output frames.

        Returns:
            [B, F', C] with F' = F rounded up to a multiple of r, and lengths int64 [B].
        """
        index, valid, lengths = frame_to_phone_index(durations)
        out = torch.gather(x, 1, index.unsqueeze(-1).expand(-1, -1, x.size(-1)))
        out = out * valid.unsqueeze(-1).to(out.dtype)
        if mask is not None:
            out = out.masked_fill(mask[:, : out.size(1)].unsqueeze(-1), 0.0)  # mask may be r-padded
        return pad_to_multiple(out, self.r), lengths


class DurSinusoidalPositionEncoder(nn.Module):
    """Sinusoid of the 1-based frame index within its phone; even dims sin, odd dims cos."""

    def __init__(self, depth: int, outputs_per_step: int):
        super().__init__()
        self.r = outputs_per_step
        exponents = torch.tensor([2 * (i // 2) / depth for i in range(depth)], dtype=torch.float64)
        self.inv_timescales = nn.Parameter(torch.pow(10000.0, exponents).float(), requires_grad=False)

    def forward(self, durations: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """durations: [B, T]; mask: bool [B, F]. Returns [B, F', depth] (F' a multiple of r)."""
        index, valid, _ = frame_to_phone_index(durations)
        reps = (durations + 0.5).long()
        starts = torch.cumsum(reps, dim=1) - reps
        offsets = torch.gather(starts, 1, index) * valid
        frames = torch.arange(index.size(1), device=durations.device).unsqueeze(0)
        dur_pos = (frames - offsets + 1).float()
        if mask is not None:
            dur_pos = dur_pos.masked_fill(mask[:, : dur_pos.size(1)], 0.0)
        dur_pos = pad_to_multiple(dur_pos, self.r)
        angles = dur_pos[:, :, None] / self.inv_timescales[None, None, :]
        even = (torch.arange(angles.size(-1), device=angles.device) % 2 == 0).view(1, 1, -1)
        return torch.where(even, torch.sin(angles), torch.cos(angles))


class VarRnnARPredictor(nn.Module):
    """Autoregressive duration predictor: prenet(prev log-dur) ++ cond -> 2-layer LSTM -> fc -> ReLU."""

    def __init__(self, cond_units: int, prenet_units: tuple[int, ...], rnn_units: int, prenet_dropout: float):
        super().__init__()
        self.prenet = Prenet(1, prenet_units, dropout=prenet_dropout)
        self.lstm = nn.LSTM(prenet_units[-1] + cond_units, rnn_units, num_layers=2, batch_first=True)
        self.fc = nn.Linear(rnn_units, 1)

    def forward(
        self,
        inputs: torch.Tensor,
        cond: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Teacher-forced pass. inputs: [B, T, 1] previous log(d+1); cond: [B, T, C].

        Returns log-duration predictions [B, T] and the LSTM state.
        """
        x, state = self.lstm(torch.cat([self.prenet(inputs), cond], dim=-1), state)
        x = F.relu(self.fc(x).squeeze(-1))
        if mask is not None:
            x = x.masked_fill(mask, 0.0)
        return x, state

    def infer(self, cond: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Autoregressive pass over phones. cond: [B, T, C] -> log-durations [B, T]."""
        prev = cond.new_zeros(cond.size(0), 1)
        state = None
        outputs = []
        for i in range(cond.size(1)):
            prev, state = self.forward(prev.unsqueeze(1), cond[:, i : i + 1, :], state)
            outputs.append(prev)
        out = torch.cat(outputs, dim=-1)
        if mask is not None:
            out = out.masked_fill(mask, 0.0)
        return out


class VarFsmnRnnNARPredictor(nn.Module):
    """Pitch/energy predictor: FSMN encoder -> BiLSTM -> fc -> one value per phone."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.fsmn = FsmnEncoderV2(
            c.predictor_filter_size,
            c.predictor_fsmn_num_layers,
            c.variance_input_dim,
            c.predictor_num_memory_units,
            c.predictor_ffn_inner_dim,
            c.predictor_dropout,
            c.predictor_shift,
        )
        self.blstm = nn.LSTM(c.predictor_num_memory_units, c.predictor_lstm_units, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * c.predictor_lstm_units, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, T, variance_input_dim]; mask: bool [B, T]. Returns [B, T]."""
        hidden = self.fsmn(x, mask)
        if mask is not None:
            lengths = (~mask).sum(dim=1).cpu()
            packed = nn.utils.rnn.pack_padded_sequence(hidden, lengths, batch_first=True, enforce_sorted=False)
            hidden, _ = nn.utils.rnn.pad_packed_sequence(
                self.blstm(packed)[0], batch_first=True, total_length=x.size(1)
            )
        else:
            hidden, _ = self.blstm(hidden)
        out = self.fc(hidden).squeeze(-1)
        if mask is not None:
            out = out.masked_fill(mask, 0.0)
        return out


@dataclass
class AdaptorOutput:
    """Variance adaptor results. F' = frames padded to a multiple of r."""

    text: torch.Tensor
    """[B, F', encoder_projection_units] expanded text stream + duration position encoding."""
    emo: torch.Tensor
    """[B, F', emotion_units]"""
    spk: torch.Tensor
    """[B, F', speaker_units]"""
    lengths: torch.Tensor
    """int64 [B] valid frames (``LR_length_rounded``)."""
    log_durations: torch.Tensor
    """[B, T] predicted log(d + 1) (before ``duration_scale``)."""
    durations: torch.Tensor
    """[B, T] durations used by the length regulator (targets, or scaled predictions)."""
    pitch: torch.Tensor
    """[B, T] predicted pitch (before control edits)."""
    energy: torch.Tensor
    """[B, T] predicted energy (before control edits)."""


class VarianceAdaptor(nn.Module):
    """Keys: ``pitch_predictor``, ``energy_predictor``, ``duration_predictor``, ``dur_position_encoder``,
    ``pitch_emb``, ``energy_emb``."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.pitch_predictor = VarFsmnRnnNARPredictor(c)
        self.energy_predictor = VarFsmnRnnNARPredictor(c)
        self.duration_predictor = VarRnnARPredictor(
            c.variance_input_dim, c.dur_pred_prenet_units, c.dur_pred_lstm_units, c.prenet_dropout
        )
        self.length_regulator = LengthRegulator(c.outputs_per_step)
        self.dur_position_encoder = DurSinusoidalPositionEncoder(c.encoder_projection_units, c.outputs_per_step)
        self.pitch_emb = nn.Conv1d(1, c.encoder_projection_units, kernel_size=9, padding=4)
        self.energy_emb = nn.Conv1d(1, c.encoder_projection_units, kernel_size=9, padding=4)

    def forward(
        self,
        text: torch.Tensor,
        emo: torch.Tensor,
        spk: torch.Tensor,
        mask: torch.Tensor | None = None,
        output_mask: torch.Tensor | None = None,
        duration_targets: torch.Tensor | None = None,
        pitch_targets: torch.Tensor | None = None,
        energy_targets: torch.Tensor | None = None,
        control: ProsodyControl | None = None,
    ) -> AdaptorOutput:
        """text: [B, T, P]; emo: [B, T, E]; spk: [B, T, S]; mask: bool [B, T]; targets: [B, T].

        Targets (training) replace the predictions downstream; ``control`` edits predictions only.
        """
        control = control or ProsodyControl()
        predictor_in = torch.cat([text, spk, emo], dim=-1)
        pitch = self.pitch_predictor(predictor_in, mask)
        energy = self.energy_predictor(predictor_in, mask)
        pitch_used = pitch_targets if pitch_targets is not None else pitch * control.pitch_scale + control.pitch_shift
        energy_used = energy_targets if energy_targets is not None else energy * control.energy_scale
        text_aug = (
            text
            + self.pitch_emb(pitch_used.unsqueeze(1)).transpose(1, 2)
            + self.energy_emb(energy_used.unsqueeze(1)).transpose(1, 2)
        )
        cond = torch.cat([text_aug, spk, emo], dim=-1)
        if duration_targets is not None:
            prev = F.pad(duration_targets[:, :-1].float(), (1, 0))
            log_durations, _ = self.duration_predictor(torch.log(prev + 1).unsqueeze(-1), cond, mask=mask)
            durations = duration_targets
        else:
            log_durations = self.duration_predictor.infer(cond, mask)
            durations = (torch.exp(log_durations) - 1) * control.duration_scale
        text_lr, lengths = self.length_regulator(text_aug, durations, output_mask)
        emo_lr, _ = self.length_regulator(emo, durations, output_mask)
        spk_lr, _ = self.length_regulator(spk, durations, output_mask)
        text_lr = text_lr + self.dur_position_encoder(durations, output_mask)
        return AdaptorOutput(text_lr, emo_lr, spk_lr, lengths, log_durations, durations, pitch, energy)

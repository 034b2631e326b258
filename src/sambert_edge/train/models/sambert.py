"""SAM-BERT acoustic model (KAN-TTS ``KanTtsSAMBERT``): linguistic features -> mel frames.

encoder -> (+ emotion / speaker embeddings) -> variance adaptor -> LFR grouping -> PNCA decoder
-> FSMN postnet. Parameter names and shapes match KAN-TTS checkpoints (``{"model": state_dict}``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .config import SambertConfig
from .fsmn import FsmnEncoderV2
from .sambert_adaptor import ProsodyControl, VarianceAdaptor
from .sambert_decoder import MelPNCADecoder
from .sambert_encoder import TextFftEncoder


def padding_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """int [B] lengths -> bool [B, max_len], True at padded positions."""
    return torch.arange(max_len, device=lengths.device)[None, :] >= lengths[:, None]


class PostNet(nn.Module):
    """FSMN encoder -> LSTM -> fc, predicting a residual on the decoder mel."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        c = config
        self.fsmn = FsmnEncoderV2(
            c.postnet_filter_size,
            c.postnet_fsmn_num_layers,
            c.num_mels,
            c.postnet_num_memory_units,
            c.postnet_ffn_inner_dim,
            c.postnet_dropout,
            c.postnet_shift,
        )
        self.lstm = nn.LSTM(c.postnet_num_memory_units, c.postnet_lstm_units, batch_first=True)
        self.fc = nn.Linear(c.postnet_lstm_units, c.num_mels)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x: [B, F, num_mels]; mask: bool [B, F]. Returns the residual [B, F, num_mels]."""
        return self.fc(self.lstm(self.fsmn(x, mask))[0])


@dataclass
class SambertOutput:
    """What inference and the training losses need. F' = frames padded to a multiple of r."""

    postnet_outputs: torch.Tensor
    """[B, F', num_mels] final mel (zero beyond ``lengths``)."""
    dec_outputs: torch.Tensor
    """[B, F', num_mels] decoder mel before the postnet residual."""
    lengths: torch.Tensor
    """int64 [B] valid frames (``LR_length_rounded``)."""
    log_duration_predictions: torch.Tensor
    """[B, T] predicted log(d + 1)."""
    pitch_predictions: torch.Tensor
    """[B, T]"""
    energy_predictions: torch.Tensor
    """[B, T]"""
    durations: torch.Tensor
    """[B, T] durations used for length regulation (targets or scaled predictions)."""
    x_band_width: int
    h_band_width: int


class KanTtsSAMBERT(nn.Module):
    """Keys: ``text_encoder``, ``spk_tokenizer`` (absent with SE), ``emo_tokenizer``,
    ``variance_adaptor``, ``mel_decoder.mel_dec``, ``mel_postnet``."""

    def __init__(self, config: SambertConfig):
        super().__init__()
        if config.MAS or config.FP:
            raise NotImplementedError("MAS and FP variants of SAM-BERT are not implemented")
        self.config = config
        self.text_encoder = TextFftEncoder(config)
        if not config.SE:
            self.spk_tokenizer = nn.Embedding(config.speaker, config.speaker_units)
        self.emo_tokenizer = nn.Embedding(config.emotion, config.emotion_units)
        self.variance_adaptor = VarianceAdaptor(config)
        self.mel_decoder = MelPNCADecoder(config)
        self.mel_postnet = PostNet(config)

    def speaker_hidden(self, inputs_speaker: torch.Tensor) -> torch.Tensor:
        """int64 [B, T] ids (or [B, T, S] vectors with SE) -> [B, T, speaker_units]."""
        return inputs_speaker if self.config.SE else self.spk_tokenizer(inputs_speaker)

    def lfr_memory(self, text: torch.Tensor, spk: torch.Tensor, emo: torch.Tensor) -> torch.Tensor:
        """Group r frames: text [B, F', P] -> [B, M, r*P]; spk/emo keep each group's first frame.

        Returns memory [B, M, decoder_memory_dim] = cat[text, spk, emo], M = F' / r.
        """
        r = self.config.outputs_per_step
        batch = text.size(0)
        text_lfr = text.contiguous().view(batch, -1, r * text.size(-1))
        spk_lfr = spk[:, ::r, :]
        emo_lfr = emo[:, ::r, :]
        return torch.cat([text_lfr, spk_lfr, emo_lfr], dim=-1)

    def band_width(self, durations: torch.Tensor) -> int:
        """KAN-TTS band: int(max duration / r + 0.5), the same for x- and h-attention."""
        return int(durations.float().max() / self.config.outputs_per_step + 0.5)

    def forward(
        self,
        inputs_ling: torch.Tensor,
        inputs_emotion: torch.Tensor,
        inputs_speaker: torch.Tensor,
        input_lengths: torch.Tensor | None = None,
        output_lengths: torch.Tensor | None = None,
        mel_targets: torch.Tensor | None = None,
        duration_targets: torch.Tensor | None = None,
        pitch_targets: torch.Tensor | None = None,
        energy_targets: torch.Tensor | None = None,
        duration_scale: float = 1.0,
        pitch_shift: float = 0.0,
        pitch_scale: float = 1.0,
        energy_scale: float = 1.0,
        decoder_feedback: float = 0.0,
        feedback_passes: int = 1,
        free_running: bool = False,
    ) -> SambertOutput:
        """Inference (no targets: AR duration predictor + AR PNCA decoder) or teacher-forced training.

        Args:
            inputs_ling: int64 [B, T, 4] (sy, tone, syllable_flag, word_segment).
            inputs_emotion: int64 [B, T].
            inputs_speaker: int64 [B, T] (or [B, T, speaker_units] with SE).
            input_lengths: int64 [B]; defaults to T for every item.
            output_lengths: int64 [B] valid target frames (training).
            mel_targets: [B, F', num_mels] with F' a multiple of r (training).
            duration_targets: int [B, T] frames per phone, summing to F' (training).
            pitch_targets, energy_targets: [B, T] normalized per-phone values (training).
            duration_scale, pitch_shift, pitch_scale, energy_scale: prosody controls (inference).
            decoder_feedback, feedback_passes: scheduled sampling of the decoder's input (training),
                see :meth:`MelPNCADecoder.forward`.
            free_running: with targets, run the decoder autoregressively on the target durations,
                pitch and energy (a batch of one): the mel the targets' prosody gets at inference,
                to measure exposure bias.
        """
        batch, length = inputs_ling.size(0), inputs_ling.size(1)
        if input_lengths is None:
            input_lengths = torch.full((batch,), length, dtype=torch.long, device=inputs_ling.device)
        input_mask = padding_mask(input_lengths, length)
        text = self.text_encoder(inputs_ling, input_mask)
        emo = self.emo_tokenizer(inputs_emotion)
        spk = self.speaker_hidden(inputs_speaker)
        training = mel_targets is not None
        output_mask = padding_mask(output_lengths, mel_targets.size(1)) if training else None
        control = ProsodyControl(duration_scale, pitch_shift, pitch_scale, energy_scale)
        adapted = self.variance_adaptor(
            text,
            emo,
            spk,
            input_mask,
            output_mask,
            duration_targets,
            pitch_targets,
            energy_targets,
            control,
        )
        r = self.config.outputs_per_step
        if training:
            lfr_lengths = (output_lengths + r - 1) // r
            lfr_mask = padding_mask(lfr_lengths, adapted.text.size(1) // r)
            band = self.band_width(duration_targets.float().masked_fill(input_mask, 0.0))
        else:
            output_mask = padding_mask(adapted.lengths, adapted.text.size(1))
            lfr_mask = None
            # KAN-TTS uses the unrounded predictions; with duration_scale the band follows the
            # scaled durations so the attention window keeps up with the stretched phones.
            band = self.band_width(adapted.durations)
        memory = self.lfr_memory(adapted.text, adapted.spk, adapted.emo)
        if free_running and training:
            if batch != 1:  # the autoregressive loop does not mask padding
                raise ValueError(f"free_running decodes one utterance at a time, got a batch of {batch}")
            dec = self.mel_decoder(memory, band, band)
        else:
            dec = self.mel_decoder(memory, band, band, target=mel_targets, mask=lfr_mask,
                                   feedback=decoder_feedback, feedback_passes=feedback_passes)
        dec = dec.contiguous().view(batch, -1, self.config.num_mels)
        dec = dec.masked_fill(output_mask.unsqueeze(-1), 0.0)
        post = self.mel_postnet(dec, output_mask) + dec
        post = post.masked_fill(output_mask.unsqueeze(-1), 0.0)
        return SambertOutput(
            postnet_outputs=post,
            dec_outputs=dec,
            lengths=adapted.lengths,
            log_duration_predictions=adapted.log_durations,
            pitch_predictions=adapted.pitch,
            energy_predictions=adapted.energy,
            durations=adapted.durations,
            x_band_width=band,
            h_band_width=band,
        )

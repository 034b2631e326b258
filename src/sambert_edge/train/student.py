"""The bundled voice's student: a reduced SAM-BERT with the KAN-TTS structure and zh-cn inventories.

Sized for the targets of the shipped voice (model files <= 15 MB, RTF <= 0.05 on one x86 thread):
``base`` has ~2.2 M acoustic parameters; the decoder step, run ~27 times per second of audio, is 4
layers of width 128. ``deep`` keeps the encoder and variance adaptor of ``base`` and doubles the
decoder (8 layers, FFN 512) and the postnet's FSMN (4 layers, FFN 512): teacher-forced, ``base``
loses much of the teacher's intelligibility (its training and validation losses are equal, so it
underfits), and a ``base`` checkpoint grows into ``deep`` without changing its output
(:mod:`.grow`), so the extra capacity starts from a trained voice.
"""

from __future__ import annotations

import dataclasses

from .models.config import SambertConfig

SPEAKERS = ("F7", "M7")
"""Speaker table of the student (row = index); the voice lists the speakers it was trained on."""
EMOTIONS = ("neutral", "happy", "angry", "sad")
TEACHER_STYLES = {"F7": "jf_gongitsune", "M7": "jm_kumo"}


STUDENT_SIZES: dict[str, dict[str, int]] = {
    "base": {},
    "deep": {"decoder_num_layers": 8, "decoder_ffn_inner_dim": 512,
             "postnet_fsmn_num_layers": 4, "postnet_ffn_inner_dim": 512},
}
"""Named student sizes: the fields each one changes from ``base``."""


def student_am_config(size: str = "base") -> SambertConfig:
    if size not in STUDENT_SIZES:
        raise ValueError(f"unknown student size {size!r}; choose one of {sorted(STUDENT_SIZES)}")
    return dataclasses.replace(_base_am_config(), **STUDENT_SIZES[size])


def _base_am_config() -> SambertConfig:
    return SambertConfig(
        speaker=len(SPEAKERS),
        max_len=800,
        embedding_dim=128,
        encoder_num_layers=4,
        encoder_num_heads=4,
        encoder_num_units=128,
        encoder_ffn_inner_dim=256,
        encoder_projection_units=32,
        speaker_units=16,
        emotion_units=16,
        predictor_filter_size=21,
        predictor_fsmn_num_layers=2,
        predictor_num_memory_units=64,
        predictor_ffn_inner_dim=128,
        predictor_lstm_units=64,
        dur_pred_prenet_units=(64, 64),
        dur_pred_lstm_units=64,
        decoder_prenet_units=(128, 128),
        decoder_num_layers=4,
        decoder_num_heads=4,
        decoder_num_units=128,
        decoder_ffn_inner_dim=256,
        postnet_filter_size=21,
        postnet_fsmn_num_layers=2,
        postnet_num_memory_units=128,
        postnet_ffn_inner_dim=256,
        postnet_shift=8,
        postnet_lstm_units=64,
    )

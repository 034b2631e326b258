"""The bundled voice's student: a reduced SAM-BERT with the KAN-TTS structure and zh-cn inventories.

Sized for the targets of the shipped voice (model files <= 15 MB, RTF <= 0.05 on one x86 thread):
~1.9 M acoustic parameters; the decoder step, run ~27 times per second of audio, is 4 layers of
width 128.
"""

from __future__ import annotations

from .models.config import SambertConfig

SPEAKERS = ("F7", "M7")
"""Speaker table of the student (row = index); the voice lists the speakers it was trained on."""
EMOTIONS = ("neutral", "happy", "angry", "sad")
TEACHER_STYLES = {"F7": "jf_gongitsune", "M7": "jm_kumo"}


def student_am_config() -> SambertConfig:
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

"""The SAM-BERT acoustic model on onnxruntime: linguistic ids -> mel frames (numpy loops, no torch).

Mirrors ``KanTtsSAMBERT`` inference step for step (see :mod:`sambert_edge.contract`): encoder,
autoregressive duration LSTM, length regulator (here, in numpy, with KAN-TTS rounding), decoder
memory, autoregressive PNCA decoder, postnet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import contract as C
from .frontend.symbols import (
    EMOTIONS,
    NONE_EMOTION,
    SY,
    SYLLABLE_FLAGS,
    TONES,
    WORD_SEGMENTS,
    LinguisticUnit,
)
from .voice import VoiceConfig


@dataclass(frozen=True)
class EncodedSentence:
    """One sentence as model ids (T phones, EOS not included)."""

    ling: np.ndarray
    """int64 [T, 4]: sy, tone, syllable_flag, word_segment."""
    emotion: np.ndarray
    """int64 [T]"""
    emotion_ref: np.ndarray
    """int64 [T]: what ``intensity`` 0 would use (neutral on phones)."""
    speaker: np.ndarray
    """int64 [T]"""


@dataclass(frozen=True)
class FrameIndex:
    """Length-regulator output for F valid frames padded to F' (a multiple of r)."""

    phone: np.ndarray
    """int64 [F']: phone of each frame (0 on padding)."""
    valid: np.ndarray
    """float32 [F']: 1 on valid frames."""
    position: np.ndarray
    """float32 [F']: 1-based index within the phone, 0 on padding."""
    frames: int
    """F, the valid frames (KAN-TTS ``LR_length_rounded``)."""
    band_width: int
    """x/h attention band: int(max(durations) / r + 0.5)."""


def regulate_lengths(durations: np.ndarray, r: int) -> FrameIndex:
    """KAN-TTS length regulation of float32 durations [T] (frames, already speed-scaled)."""
    durations = durations.astype(np.float32, copy=False)
    reps = (durations + np.float32(0.5)).astype(np.int64)  # torch .long() truncates; durations >= 0
    frames = int(reps.sum())
    padded = frames + (-frames) % r
    phone = np.repeat(np.arange(len(reps), dtype=np.int64), reps)
    starts = np.cumsum(reps) - reps
    position = (np.arange(frames, dtype=np.int64) - starts[phone] + 1).astype(np.float32)
    pad = padded - frames
    band = int(durations.max() / np.float32(r) + np.float32(0.5)) if len(durations) else 0
    return FrameIndex(
        phone=np.concatenate([phone, np.zeros(pad, np.int64)]),
        valid=np.concatenate([np.ones(frames, np.float32), np.zeros(pad, np.float32)]),
        position=np.concatenate([position, np.zeros(pad, np.float32)]),
        frames=frames,
        band_width=band,
    )


NEUTRAL = "emotion_neutral"
_SY, _TONE, _FLAG, _WS, _EMO = (
    {name: i for i, name in enumerate(inventory)} for inventory in (SY, TONES, SYLLABLE_FLAGS, WORD_SEGMENTS, EMOTIONS)
)


def pace_floor(durations: np.ndarray, neutral: np.ndarray, factors: np.ndarray, phones: np.ndarray) -> np.ndarray:
    """Durations float32 [T] scaled up, when needed, so the sentence lasts at least ``factor`` times
    its neutral reading ``neutral`` [T], where ``factor`` is the per-unit ``factors`` [T] averaged over
    the ``phones`` (bool [T]) weighted by their neutral length. Never shortens anything."""
    weight = neutral * phones
    if weight.sum() <= 0:
        return durations
    floor = float((factors * weight).sum() / weight.sum()) * float(neutral.sum())
    total = float(durations.sum())
    if total <= 0 or total >= floor:
        return durations
    return durations * np.float32(floor / total)


def encode_units(units: list[LinguisticUnit], speakers: tuple[str, ...] | list[str], speaker: str) -> EncodedSentence:
    """KAN-TTS units -> model ids; every unit is spoken by ``speaker`` (an entry of ``speakers``)."""
    if not units:
        raise ValueError("nothing to say: the sentence has no symbols")
    speaker_id = list(speakers).index(speaker)
    ling = np.array([[_SY[u.phone], _TONE[u.tone], _FLAG[u.syllable_flag], _WS[u.word_segment]] for u in units],
                    dtype=np.int64).reshape(-1, 4)
    emotion = np.array([_EMO[u.emotion] for u in units], dtype=np.int64)
    emotion_ref = np.where(emotion == _EMO[NONE_EMOTION], emotion, _EMO[NEUTRAL]).astype(np.int64)
    return EncodedSentence(ling, emotion, emotion_ref, np.full(len(units), speaker_id, np.int64))


def _scalar(value: float) -> np.ndarray:
    return np.array([value], dtype=np.float32)


class AcousticModel:
    """Five ONNX sessions driven like ``KanTtsSAMBERT`` inference (batch 1)."""

    def __init__(self, voice: VoiceConfig, sessions: dict[str, ort.InferenceSession]):
        self.voice = voice
        self.encoder = sessions["encoder"]
        self.duration_step = sessions["duration_step"]
        self.decoder_memory = sessions["decoder_memory"]
        self.decoder_step = sessions["decoder_step"]
        self.postnet = sessions["postnet"]
        h_shape = {i.name: i.shape for i in self.duration_step.get_inputs()}[C.DUR_H]
        self._dur_state_shape = tuple(int(d) for d in h_shape)
        self._pace = np.ones(len(EMOTIONS), np.float32)  # emotion id -> voice.emotion_pace factor
        for name, factor in voice.emotion_pace.items():
            self._pace[_EMO[f"emotion_{name}"]] = factor

    @classmethod
    def load(cls, voice: VoiceConfig, voice_dir: Path, options: ort.SessionOptions) -> AcousticModel:
        roles = ("encoder", "duration_step", "decoder_memory", "decoder_step", "postnet")
        sessions = {
            role: ort.InferenceSession(str(voice_dir / voice.files[role]), options, providers=["CPUExecutionProvider"])
            for role in roles
        }
        return cls(voice, sessions)

    def durations(self, cond: np.ndarray) -> np.ndarray:
        """Autoregressive duration LSTM. cond: float32 [1, T, C] -> log(d + 1) float32 [T]."""
        h = np.zeros(self._dur_state_shape, np.float32)
        c = np.zeros_like(h)
        prev = np.zeros((1, 1, 1), np.float32)
        out = np.empty(cond.shape[1], np.float32)
        for i in range(cond.shape[1]):
            log_d, h, c = self.duration_step.run(
                None, {C.DUR_PREV: prev, C.DUR_COND: cond[:, i : i + 1], C.DUR_H: h, C.DUR_C: c}
            )
            out[i] = log_d[0, 0]
            prev = log_d.reshape(1, 1, 1)
        return out

    def decode(self, memory: np.ndarray, h_k: np.ndarray, h_v: np.ndarray, band: int) -> np.ndarray:
        """Autoregressive PNCA decoder. memory [1, M, Dm]; h_k/h_v [L, H, M, D] -> [M * r, num_mels]."""
        layers, heads, _, d_head = h_k.shape
        x_k = np.zeros((layers, heads, band + 1, d_head), np.float32)
        x_v = np.zeros_like(x_k)
        mels = self.voice.num_mels
        frame = np.zeros((1, 1, mels), np.float32)
        hb = np.array(band, np.int64)
        outputs = []
        for step in range(memory.shape[1]):
            frames, x_k, x_v = self.decoder_step.run(None, {
                C.STEP_PREV_FRAME: frame, C.STEP_MEMORY: memory[:, step : step + 1], C.STEP_H_K: h_k,
                C.STEP_H_V: h_v, C.STEP_X_K: x_k, C.STEP_X_V: x_v, C.STEP_INDEX: np.array(step, np.int64),
                C.STEP_H_BAND: hb,
            })
            outputs.append(frames.reshape(-1, mels))
            frame = frames[:, :, -mels:]
        return np.concatenate(outputs, axis=0)

    def _encode(self, ids: EncodedSentence, intensity: float, pitch: float, energy: float) -> list[np.ndarray]:
        """Encoder outputs: text_aug, speaker_emb, emotion_emb, cond [1, T, C], and two more."""
        return self.encoder.run(None, {
            C.ENC_LING: ids.ling[None], C.ENC_EMOTION: ids.emotion[None], C.ENC_EMOTION_REF: ids.emotion_ref[None],
            C.ENC_SPEAKER: ids.speaker[None], C.ENC_EMOTION_WEIGHT: _scalar(intensity),
            C.ENC_PITCH_SCALE: _scalar(1.0), C.ENC_PITCH_SHIFT: _scalar(pitch), C.ENC_ENERGY_SCALE: _scalar(energy),
        })

    def mel(self, ids: EncodedSentence, *, speed: float, pitch: float, energy: float, intensity: float) -> np.ndarray:
        """ids -> mel float32 [F, num_mels]. ``speed`` divides durations; ``pitch`` shifts and
        ``energy`` scales the normalized predictions; ``intensity`` weighs the emotion embedding.

        An emotion with a ``voice.emotion_pace`` factor f is read no faster than f times the same
        sentence's neutral reading (f scaled by ``intensity``: 1 + w (f - 1)); that takes a second
        encoder and duration pass, made only when such a factor applies, before ``speed``."""
        if len(ids.ling) > self.voice.max_phones:
            raise ValueError(f"sentence has {len(ids.ling)} phones; this voice reads at most {self.voice.max_phones}")
        text_aug, spk, emo, cond, _, _ = self._encode(ids, intensity, pitch, energy)
        durations = np.exp(self.durations(cond)) - np.float32(1.0)
        factors = np.float32(1.0) + np.float32(intensity) * (self._pace[ids.emotion] - np.float32(1.0))
        phones = ids.emotion != _EMO[NONE_EMOTION]
        if np.any(factors[phones] != 1.0):
            neutral_cond = self._encode(ids, 0.0, pitch, energy)[3]
            neutral = np.exp(self.durations(neutral_cond)) - np.float32(1.0)
            durations = pace_floor(durations, neutral, np.maximum(factors, np.float32(0.1)), phones)
        durations = durations * np.float32(1.0 / speed)
        index = regulate_lengths(durations, self.voice.outputs_per_step)
        if index.frames == 0:
            return np.zeros((0, self.voice.num_mels), np.float32)
        memory, h_k, h_v = self.decoder_memory.run(None, {
            C.MEM_TEXT_AUG: text_aug, C.MEM_SPEAKER_EMB: spk, C.MEM_EMOTION_EMB: emo,
            C.MEM_FRAME_PHONE: index.phone, C.MEM_FRAME_VALID: index.valid, C.MEM_FRAME_POS: index.position,
        })
        dec = self.decode(memory, h_k, h_v, index.band_width)[: index.frames]
        (mel,) = self.postnet.run(None, {C.POST_DEC: dec[None]})
        return mel[0]

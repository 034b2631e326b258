"""Acoustic features of training audio, as KAN-TTS computes them (16 kHz voices).

Mel ([K] ``preprocess/audio_processor/core/dsp.py``): librosa STFT (n_fft 2048, hop 200, win 1000,
Hann, centred with zero padding) -> |S| -> slaney mel (80 bands, 0-8000 Hz) -> 20 log10(max(1e-5, x))
- 20 -> clip((x + 100) / 100, 0, 1). Frames: ``len(audio) // hop`` (the last, half-padded frame
of librosa is dropped so that F frames cover exactly F * hop samples).
Energy: L2 norm of each |S| frame. F0: WORLD DIO + StoneMask at the mel frame period.
Per-phone pitch and energy are frame averages over each phone (f0 over voiced frames, with
unvoiced phones interpolated from their neighbours); the model sees them z-scored with the
corpus statistics (pitch in log Hz, so a shift is a musical interval).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MelSettings:
    sample_rate: int = 16000
    n_fft: int = 2048
    hop_length: int = 200
    win_length: int = 1000
    num_mels: int = 80
    fmin: float = 0.0
    fmax: float = 8000.0
    ref_level_db: float = 20.0
    min_level_db: float = -100.0
    f0_floor: float = 60.0
    f0_ceil: float = 700.0

    def to_json(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=4)
def mel_basis(settings: MelSettings) -> np.ndarray:
    """float32 [num_mels, n_fft // 2 + 1] slaney mel filterbank (librosa's defaults)."""
    import librosa

    return librosa.filters.mel(sr=settings.sample_rate, n_fft=settings.n_fft, n_mels=settings.num_mels,
                               fmin=settings.fmin, fmax=settings.fmax).astype(np.float32)


def magnitude(audio: np.ndarray, settings: MelSettings) -> np.ndarray:
    """audio float [N] -> |STFT| float32 [N // hop, n_fft // 2 + 1]."""
    import librosa

    frames = len(audio) // settings.hop_length
    spec = librosa.stft(np.asarray(audio, np.float32), n_fft=settings.n_fft, hop_length=settings.hop_length,
                        win_length=settings.win_length, window="hann", center=True, pad_mode="constant")
    return np.abs(spec[:, :frames]).T.astype(np.float32)


def mel_from_magnitude(mag: np.ndarray, settings: MelSettings) -> np.ndarray:
    """|S| [F, bins] -> KAN-TTS mel in [0, 1], float32 [F, num_mels]."""
    mel = mag @ mel_basis(settings).T
    db = 20.0 * np.log10(np.maximum(1e-5, mel)) - settings.ref_level_db
    return np.clip((db - settings.min_level_db) / -settings.min_level_db, 0.0, 1.0).astype(np.float32)


def f0_track(audio: np.ndarray, settings: MelSettings, frames: int) -> np.ndarray:
    """WORLD f0 in Hz per mel frame (0 = unvoiced), float32 [frames]."""
    import pyworld

    x = np.asarray(audio, np.float64)
    period = 1000.0 * settings.hop_length / settings.sample_rate
    f0, t = pyworld.dio(x, settings.sample_rate, f0_floor=settings.f0_floor, f0_ceil=settings.f0_ceil,
                        frame_period=period)
    f0 = pyworld.stonemask(x, f0, t, settings.sample_rate)
    out = np.zeros(frames, np.float32)
    n = min(frames, len(f0))
    out[:n] = f0[:n]
    return out


SILENCE_FLOOR_DB = -45.0
"""A frame this far or further below the utterance's loudest frame is silence."""
MAX_ONSET_FRAMES = 8
"""How far :func:`onset_start` may move a first unit's start back (100 ms at hop 200 / 16 kHz)."""


def frame_energy(mag: np.ndarray) -> np.ndarray:
    """L2 norm of each |STFT| frame [F, bins] -> float32 [F] (the ``energy`` the features store)."""
    return np.sqrt((mag.astype(np.float64) ** 2).sum(axis=1)).astype(np.float32)


def silent_frames(energy: np.ndarray, floor_db: float = SILENCE_FLOOR_DB) -> np.ndarray:
    """bool [F]: frames whose :func:`frame_energy` is ``floor_db`` or more below the loudest frame's."""
    energy = np.asarray(energy, np.float64) + 1e-9
    return 20.0 * np.log10(energy / energy.max()) < floor_db


def onset_start(energy: np.ndarray, start: int, max_frames: int = MAX_ONSET_FRAMES) -> int:
    """``start`` (the first unit's first frame) moved back over the sounding frames before it, to
    the first frame of the first consonant's sound; at most ``max_frames``.

    The teacher starts that sound inside its start pad: over the corpus the three frames before the
    first token held a median frame energy of 12, 8 and 4 against 0.1 in silence. Cut at the token,
    every training mel began mid-consonant, and the student learned clipped first syllables (the
    judge heard 这 as 德, 关 as 往, 图 as 读 at the start of dev sentences).
    """
    silent = silent_frames(energy)
    begin = start
    while begin > 0 and start - begin < max_frames and not silent[begin - 1]:
        begin -= 1
    return begin


def widen_to_onset(start: int, durations: np.ndarray, energy: np.ndarray) -> tuple[int, np.ndarray]:
    """(start, durations int64 [T]) with the first unit widened back to :func:`onset_start`;
    unchanged when the frame before ``start`` is already silent."""
    durations = np.asarray(durations, np.int64)
    begin = onset_start(energy, start)
    if begin != start and len(durations):
        durations = durations.copy()
        durations[0] += start - begin
    return begin, durations


def aligned_span(z: Any) -> tuple[int, np.ndarray]:
    """:func:`widen_to_onset` of a features file (an open ``np.load``): files written since
    2026-12-04 already hold the widened span (then nothing moves)."""
    return widen_to_onset(int(z["start"]), z["durations"], z["energy"])


def phone_means(values: np.ndarray, durations: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Average of frame ``values`` [F] over each phone's frames -> float32 [T] (NaN where no weight)."""
    durations = np.asarray(durations, np.int64)
    w = np.ones_like(values, dtype=np.float64) if weights is None else weights.astype(np.float64)
    edges = np.concatenate([[0], np.cumsum(durations)])
    csum_v = np.concatenate([[0.0], np.cumsum(values * w)])
    csum_w = np.concatenate([[0.0], np.cumsum(w)])
    num = csum_v[edges[1:]] - csum_v[edges[:-1]]
    den = csum_w[edges[1:]] - csum_w[edges[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.maximum(den, 1e-12), np.nan).astype(np.float32)


def fill_gaps(values: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaNs (edges take the nearest value); all-NaN -> zeros."""
    values = values.astype(np.float32).copy()
    ok = ~np.isnan(values)
    if not ok.any():
        return np.zeros_like(values)
    idx = np.arange(len(values))
    values[~ok] = np.interp(idx[~ok], idx[ok], values[ok])
    return values


def phone_log_f0(f0: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Per-phone mean log f0 over voiced frames, gaps interpolated -> float32 [T]."""
    voiced = f0 > 0
    log_f0 = np.where(voiced, np.log(np.maximum(f0, 1.0)), 0.0)
    return fill_gaps(phone_means(log_f0, durations, voiced))


def phone_energy(energy: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Per-phone mean frame energy (0 for zero-length units) -> float32 [T]."""
    return np.nan_to_num(phone_means(energy, durations), nan=0.0)

"""Prosodic emotion renderings of neutral teacher audio (the ``emotions`` stage).

The teacher has no emotions, so the emotional corpus is made by rule from its neutral audio, after
the classic findings on emotional speech (Murray & Arnott 1993; Scherer 2003; Schröder 2001):

=========  ==============  ===============  ===============  =========  ===================
emotion    f0 mean         f0 range         phone durations  pauses     loudness / timbre
=========  ==============  ===============  ===============  =========  ===================
happy      +16 %           x1.5             x0.93            x0.85      +1 dB
sad        -10 %           x0.55            x1.18            x1.5       -4 dB, darker
angry      +6 %            x1.5             x0.88            x0.75      +4.5 dB, brighter
=========  ==============  ===============  ===============  =========  ===================

Tool: WORLD (``pyworld``) analysis at the mel frame period (12.5 ms), so WORLD frame i is mel
frame i and the unit durations stay exact: every unit's frames are resampled to its new length,
f0 is moved in the log domain around the utterance's mean, the spectral envelope gets a
frequency tilt, and the waveform is resynthesised and scaled. These are prosodic renderings
only -- no voice quality changes beyond the tilt; recorded emotions need a real emotional voice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RENDERING_SEP = "__"  # a rendering's stem in emotion_wavs/ and features/: <utt>__<emotion>


def rendering_stem(utt_id: str, emotion: str) -> str:
    return f"{utt_id}{RENDERING_SEP}{emotion}"


def source_utterance(stem: str) -> str | None:
    """The neutral utterance a rendering's stem was made from; ``None`` for a neutral stem."""
    return stem.split(RENDERING_SEP, 1)[0] if RENDERING_SEP in stem else None


@dataclass(frozen=True)
class EmotionRule:
    f0_mean: float       # factor on the mean f0
    f0_range: float      # factor on log-f0 deviations from the utterance mean
    phone_speed: float   # factor on phone durations
    pause_speed: float   # factor on boundary-unit (#1-#4) durations
    gain_db: float
    tilt_db_per_octave: float  # spectral envelope tilt above 1 kHz


RULES: dict[str, EmotionRule] = {
    "happy": EmotionRule(1.16, 1.5, 0.93, 0.85, 1.0, 0.5),
    "sad": EmotionRule(0.90, 0.55, 1.18, 1.5, -4.0, -1.5),
    "angry": EmotionRule(1.06, 1.5, 0.88, 0.75, 4.5, 2.5),
}
PEAK = 0.97
TILT_PIVOT_HZ = 1000.0


def new_durations(durations: np.ndarray, is_boundary: np.ndarray, rule: EmotionRule) -> np.ndarray:
    """int [T] -> int [T]: phones keep >= 1 frame; rounding error carried so totals follow the factors."""
    factors = np.where(is_boundary, rule.pause_speed, rule.phone_speed)
    out = np.zeros_like(durations)
    carry = 0.0
    for i, (d, f) in enumerate(zip(durations, factors)):
        want = d * f + carry
        n = int(round(want))
        if not is_boundary[i] and d > 0:
            n = max(1, n)
        n = max(0, n)
        carry = want - n
        out[i] = n
    return out


def frame_map(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Index of the source frame for every target frame, each unit stretched linearly."""
    idx = []
    start = 0
    for d_old, d_new in zip(old, new):
        if d_new > 0:
            if d_old > 0:
                pos = start + (np.arange(d_new) + 0.5) * d_old / d_new - 0.5
                idx.append(np.clip(np.round(pos), start, start + d_old - 1).astype(np.int64))
            else:  # a unit that had no frame (zero-length boundary) repeats its neighbour
                idx.append(np.full(d_new, max(start - 1, 0), np.int64))
        start += d_old
    return np.concatenate(idx) if idx else np.zeros(0, np.int64)


def shift_f0(f0: np.ndarray, rule: EmotionRule) -> np.ndarray:
    voiced = f0 > 0
    if not voiced.any():
        return f0
    log_f0 = np.log(f0[voiced])
    mean = log_f0.mean()
    out = f0.copy()
    out[voiced] = np.exp(mean + np.log(rule.f0_mean) + rule.f0_range * (log_f0 - mean))
    return out


def tilt(sp: np.ndarray, sample_rate: int, db_per_octave: float) -> np.ndarray:
    """Spectral envelope [N, bins] (power) times a tilt above ``TILT_PIVOT_HZ`` (capped at 3 octaves)."""
    freqs = np.linspace(0, sample_rate / 2, sp.shape[1])
    octaves = np.clip(np.log2(np.maximum(freqs, 1.0) / TILT_PIVOT_HZ), 0.0, 3.0)
    gain_power = 10 ** (db_per_octave * octaves / 10.0)
    return sp * gain_power[None, :]


def render(audio: np.ndarray, sample_rate: int, hop: int, start: int, durations: np.ndarray,
           is_boundary: np.ndarray, rule: EmotionRule) -> tuple[np.ndarray, np.ndarray]:
    """Neutral audio + its unit durations (from mel frame ``start``) -> (emotional audio, new durations).

    The returned audio begins at the first unit (frames before ``start`` are dropped) and holds
    exactly ``new_durations.sum() * hop`` samples.
    """
    import pyworld

    x = np.asarray(audio, np.float64)
    period = 1000.0 * hop / sample_rate
    f0, t = pyworld.dio(x, sample_rate, f0_floor=60.0, f0_ceil=700.0, frame_period=period)
    f0 = pyworld.stonemask(x, f0, t, sample_rate)
    sp = pyworld.cheaptrick(x, f0, t, sample_rate)
    ap = pyworld.d4c(x, f0, t, sample_rate)
    total = int(durations.sum())
    frames = slice(start, start + total)
    f0, sp, ap = f0[frames], sp[frames], ap[frames]
    if len(f0) < total:  # WORLD has len // hop + 1 frames; the mel has len // hop: pad the edge
        pad = total - len(f0)
        f0, sp, ap = (np.concatenate([a, np.repeat(a[-1:], pad, axis=0)]) for a in (f0, sp, ap))
    durations_new = new_durations(durations, is_boundary, rule)
    index = frame_map(durations, durations_new)
    f0_new = shift_f0(f0[index], rule)
    sp_new = tilt(sp[index], sample_rate, rule.tilt_db_per_octave)
    ap_new = np.ascontiguousarray(ap[index])
    # one extra frame so WORLD's output covers the last mel frame fully
    f0_new, sp_new, ap_new = (np.concatenate([a, a[-1:]]) for a in (f0_new, sp_new, ap_new))
    y = pyworld.synthesize(np.ascontiguousarray(f0_new), np.ascontiguousarray(sp_new), ap_new, sample_rate, period)
    length = int(durations_new.sum()) * hop
    y = np.pad(y, (0, max(0, length - len(y))))[:length]
    y *= 10 ** (rule.gain_db / 20.0)
    peak = np.abs(y).max()
    if peak > PEAK:
        y *= PEAK / peak
    return y.astype(np.float32), durations_new

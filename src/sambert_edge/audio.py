"""``Audio``: synthesized samples plus what produced them; WAV encoding with the stdlib (numpy only)."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

PCM_MAX = 32767
"""Full scale of 16-bit PCM."""


@dataclass(frozen=True)
class Audio:
    """Mono float audio in [-1, 1]."""

    samples: np.ndarray
    """float32 [N]"""
    sample_rate: int
    mel: np.ndarray | None = None
    """float32 [F, mel bins] acoustic-model mel that was vocoded (sentences concatenated), or None.
    NSF voices: the mel rows only; their f0 and voicing are in ``f0`` and ``uv``."""
    f0: np.ndarray | None = None
    """NSF voices: float32 [F] f0 in Hz as the vocoder read it (de-normalized, floored); else None."""
    uv: np.ndarray | None = None
    """NSF voices: float32 [F] voicing, 0 or 1, as the vocoder read it; else None."""

    @property
    def duration(self) -> float:
        """Seconds."""
        return len(self.samples) / self.sample_rate

    def to_pcm16(self) -> np.ndarray:
        """int16 [N], clipped to full scale."""
        return np.round(np.clip(self.samples, -1.0, 1.0) * PCM_MAX).astype(np.int16)

    def to_wav_bytes(self) -> bytes:
        """A complete 16-bit mono WAV file."""
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self.sample_rate)
            wav.writeframes(self.to_pcm16().astype("<i2").tobytes())
        return buffer.getvalue()

    @classmethod
    def silence(cls, seconds: float, sample_rate: int) -> Audio:
        return cls(np.zeros(int(round(seconds * sample_rate)), np.float32), sample_rate)

    @classmethod
    def concat(cls, parts: list[Audio], gap_s: float = 0.0) -> Audio:
        """Join ``parts`` (same sample rate) with ``gap_s`` seconds of silence between them."""
        if not parts:
            raise ValueError("nothing to concatenate")
        rate = parts[0].sample_rate
        if any(p.sample_rate != rate for p in parts):
            raise ValueError("cannot join audio of different sample rates")
        gap = np.zeros(int(round(gap_s * rate)), np.float32)
        pieces: list[np.ndarray] = []
        for i, part in enumerate(parts):
            if i:
                pieces.append(gap)
            pieces.append(part.samples)
        mels = [p.mel for p in parts if p.mel is not None]
        mel = np.concatenate(mels, axis=0) if len(mels) == len(parts) else None
        samples = np.concatenate(pieces).astype(np.float32, copy=False)
        if mel is None or any(p.f0 is None or p.uv is None for p in parts):
            return cls(samples, rate, mel)
        f0 = np.concatenate([p.f0 for p in parts])
        uv = np.concatenate([p.uv for p in parts])
        return cls(samples, rate, mel, f0, uv)

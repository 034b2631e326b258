"""Audio formats the service answers in: float samples -> wav, pcm, flac, mp3 or opus bytes.

WAV and raw PCM are written with the stdlib; FLAC, MP3 and Ogg/Opus with ``soundfile`` (a core
dependency), whose libsndfile must be >= 1.1 for MP3 and built with Opus for Ogg/Opus.
``available_formats`` asks the installed libsndfile, so a missing codec gives a 400 naming what
is there instead of a 500. Volume is applied here, to the waveform, never through the model.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np

from ..audio import PCM_MAX


@dataclass(frozen=True)
class AudioFormat:
    """One answer format: its MIME type and how soundfile writes it (None: written here)."""

    name: str
    mimetype: str
    sf_format: str | None = None
    sf_subtype: str | None = None


FORMATS: dict[str, AudioFormat] = {
    "wav": AudioFormat("wav", "audio/wav"),
    "pcm": AudioFormat("pcm", "audio/L16"),  # raw s16le mono at the voice's sample rate
    "flac": AudioFormat("flac", "audio/flac", "FLAC", "PCM_16"),
    "mp3": AudioFormat("mp3", "audio/mpeg", "MP3", "MPEG_LAYER_III"),
    "opus": AudioFormat("opus", "audio/ogg", "OGG", "OPUS"),
}
"""Every format the code knows; ``available_formats()`` is the subset this install can write."""

STREAM_FORMATS = ("wav", "pcm")
"""Formats that can be sent sentence by sentence (a header that needs no total length)."""

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
"""The only sample rates Opus encodes; other voices are resampled to 48 kHz for it."""

STREAM_SIZE = 0xFFFFFFFF
"""RIFF/data size written in a streamed WAV header: "unknown", as ffmpeg and browsers read it."""


def available_formats() -> tuple[str, ...]:
    """Names of ``FORMATS`` the installed libsndfile can write, in ``FORMATS`` order.

    Asked once by ``create_app`` (the answer is kept in the app's state), not per request.
    """
    try:
        import soundfile as sf
    except (ImportError, OSError):  # OSError: the libsndfile shared library is missing
        return tuple(name for name, f in FORMATS.items() if f.sf_format is None)
    out = []
    for name, fmt in FORMATS.items():
        if fmt.sf_format is None:
            out.append(name)
            continue
        try:
            if fmt.sf_subtype in sf.available_subtypes(fmt.sf_format):
                out.append(name)
        except (ValueError, TypeError):
            continue
    return tuple(out)


def apply_volume(samples: np.ndarray, volume: float) -> np.ndarray:
    """float32 [N] scaled by ``volume`` and clipped to [-1, 1] (no wrap-around in int16)."""
    if volume == 1.0:
        return samples
    return np.clip(samples * np.float32(volume), -1.0, 1.0).astype(np.float32, copy=False)


def pcm16_bytes(samples: np.ndarray) -> bytes:
    """float32 [N] -> little-endian signed 16-bit bytes, clipped to full scale."""
    return np.round(np.clip(samples, -1.0, 1.0) * PCM_MAX).astype("<i2").tobytes()


def wav_header(sample_rate: int, data_bytes: int = STREAM_SIZE) -> bytes:
    """A 44-byte 16-bit mono PCM WAV header; the default size means "streamed, length unknown"."""
    riff_size = STREAM_SIZE if data_bytes == STREAM_SIZE else 36 + data_bytes
    return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    # Linear interpolation is enough for speech going into a lossy codec at a higher rate.
    n = int(round(len(samples) * target / rate))
    if n == 0:
        return np.zeros(0, np.float32)
    positions = np.arange(n, dtype=np.float64) * (rate / target)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def encode(samples: np.ndarray, sample_rate: int, fmt: str) -> bytes:
    """float32 [N] in [-1, 1] -> the bytes of a complete file in ``fmt`` (a key of ``FORMATS``).

    The caller checks ``fmt`` against ``available_formats()``; raises ValueError for a name not
    in ``FORMATS``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}")
    pcm = pcm16_bytes(samples)
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        return wav_header(sample_rate, len(pcm)) + pcm
    import soundfile as sf

    spec = FORMATS[fmt]
    if fmt == "opus" and sample_rate not in OPUS_RATES:
        samples, sample_rate = _resample(samples, sample_rate, 48000), 48000
    buffer = io.BytesIO()
    sf.write(buffer, np.clip(samples, -1.0, 1.0), sample_rate, format=spec.sf_format, subtype=spec.sf_subtype)
    return buffer.getvalue()

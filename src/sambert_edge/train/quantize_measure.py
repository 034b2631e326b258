"""What ``sambert-edge quantize`` measures: each graph's own time inside full syntheses, and how far a
variant's mel and audio land from fp32's.

A synthesis pass runs the calibration sentences through a :class:`~sambert_edge.engine.Synthesizer`
whose sessions are wrapped to add up their ``run`` time per graph role (and to keep the vocoder's
feeds as calibration data for static quantization). The distances compare the passes of two
folders: mel error relative to the fp32 mel's spread, absolute mel error, and the log-spectral
distance of the audio.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ACOUSTIC_ROLES = ("encoder", "duration_step", "decoder_memory", "decoder_step", "postnet")
ROLES = ACOUSTIC_ROLES + ("vocoder",)


@dataclass
class Run:
    """One synthesis pass over the calibration sentences."""

    mels: list[np.ndarray]
    audios: list[np.ndarray]
    seconds: dict[str, float] = field(default_factory=dict)
    """Graph role -> time spent in its session.run, summed over the sentences."""
    vocoder_feeds: list[dict[str, np.ndarray]] = field(default_factory=list)
    """The vocoder's input feeds of one pass (calibration data for static quantization)."""


class _TimedSession:
    """Proxy of an ``InferenceSession`` that adds up the wall time of ``run`` (and can keep its feeds)."""

    def __init__(self, session: Any, totals: dict[str, float], role: str, feeds: list | None = None):
        self._session, self._totals, self._role, self._feeds = session, totals, role, feeds

    def run(self, output_names: Any, feed: dict[str, np.ndarray], *args: Any, **kwargs: Any) -> Any:
        if self._feeds is not None:
            self._feeds.append(dict(feed))
        start = time.perf_counter()
        try:
            return self._session.run(output_names, feed, *args, **kwargs)
        finally:
            self._totals[self._role] = self._totals.get(self._role, 0.0) + time.perf_counter() - start

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _TimedVoice:
    """A Synthesizer whose sessions add their ``run`` time into ``totals``; the vocoder's feeds are kept."""

    def __init__(self, voice_dir: Path, sentences: tuple[str, ...], threads: int, frontend: Any):
        from ..engine import Synthesizer

        synth = Synthesizer.load(voice_dir, threads=threads, frontend=frontend)
        self.totals: dict[str, float] = {}
        self.feeds: list[dict[str, np.ndarray]] = []
        for role in ACOUSTIC_ROLES:
            setattr(synth.acoustic, role, _TimedSession(getattr(synth.acoustic, role), self.totals, role))
        synth.vocoder = _TimedSession(synth.vocoder, self.totals, "vocoder", self.feeds)
        voice = synth.voice
        self.synth = synth
        self.encoded = [synth.encode_units(s.units(voice.default_emotion, voice.default_speaker), None)
                        for text in sentences for s in frontend.analyze(text).sentences]
        self.passes: list[dict[str, float]] = []

    def one_pass(self, timed: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Mels [F, num_mels] and samples [F * hop] of every sentence; per-role seconds kept if ``timed``."""
        self.totals.clear()
        self.feeds.clear()
        mels = [self.synth.acoustic.mel(ids, speed=1.0, pitch=0.0, energy=1.0, intensity=1.0) for ids in self.encoded]
        audios = [self.synth.vocode(mel) for mel in mels]
        if timed:
            self.passes.append(dict(self.totals))
        return mels, audios


def synthesize_sets(voice_dirs: list[Path], sentences: tuple[str, ...], threads: int, runs: int,
                    frontend: Any) -> list[Run]:
    """One :class:`Run` per folder; per-graph seconds = median over ``runs`` timed passes.

    The folders' passes are interleaved (A B, B A, A B, ...) after one untimed warm-up pass each,
    so that a load change on a shared machine hits fp32 and int8 alike instead of whichever was
    timed during it; comparing timings taken minutes apart decided choices by noise here.
    """
    voices = [_TimedVoice(d, sentences, threads, frontend) for d in voice_dirs]
    outputs = [v.one_pass(timed=False) for v in voices]
    for i in range(runs):
        for k in (range(len(voices)) if i % 2 == 0 else reversed(range(len(voices)))):
            outputs[k] = voices[k].one_pass(timed=True)
    return [Run(mels, audios, {r: statistics.median(p.get(r, 0.0) for p in v.passes) for r in ROLES},
                list(v.feeds)) for v, (mels, audios) in zip(voices, outputs)]


def synthesize_set(voice_dir: Path, sentences: tuple[str, ...], threads: int, runs: int, frontend: Any) -> Run:
    """:func:`synthesize_sets` of one folder."""
    return synthesize_sets([voice_dir], sentences, threads, runs, frontend)[0]


def rel_mel_error(reference: list[np.ndarray], other: list[np.ndarray]) -> float:
    """Mean absolute difference over the frames both have, divided by the reference's std."""
    diffs, ref_values = [], []
    for a, b in zip(reference, other):
        n = min(len(a), len(b))
        diffs.append(np.abs(a[:n] - b[:n]).ravel())
        ref_values.append(a.ravel())
    spread = float(np.concatenate(ref_values).std()) or 1.0
    return float(np.concatenate(diffs).mean() / spread)


def abs_mel_error(reference: list[np.ndarray], other: list[np.ndarray]) -> tuple[float, float]:
    """(max, mean) |other - reference| over the frames both have (mel units, log magnitude)."""
    diffs = [np.abs(a[:min(len(a), len(b))] - b[:min(len(a), len(b))]).ravel() for a, b in zip(reference, other)]
    flat = np.concatenate(diffs) if diffs else np.zeros(0)
    return (float(flat.max()), float(flat.mean())) if flat.size else (0.0, 0.0)


def log_spectral_distance(reference: list[np.ndarray], other: list[np.ndarray], n_fft: int = 512) -> float:
    """Mean over frames of the RMS difference (dB) of the power spectra, on the samples both have."""
    window = np.hanning(n_fft)
    hop = n_fft // 4
    values = []
    for a, b in zip(reference, other):
        n = min(len(a), len(b))
        for start in range(0, n - n_fft + 1, hop):
            pa = np.abs(np.fft.rfft(a[start:start + n_fft] * window)) ** 2 + 1e-10
            pb = np.abs(np.fft.rfft(b[start:start + n_fft] * window)) ** 2 + 1e-10
            values.append(np.sqrt(np.mean((10 * np.log10(pa / pb)) ** 2)))
    return float(np.mean(values)) if values else 0.0

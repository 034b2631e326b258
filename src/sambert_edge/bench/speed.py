"""Speed of a voice in this process: real-time factor by thread count, time to first streamed audio.

RTF = synthesis time / audio duration over ``RTF_SET`` (frontend included: it is part of every
request), warm (one untimed pass first), median over ``runs`` passes. First audio = time from
``Synthesizer.stream(text)`` to its first sentence's audio, median over ``runs``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..voice import VoiceConfig


def model_mb(voice_dir: str | Path) -> float:
    """Size of the ONNX files a voice folder's ``voice.json`` names, in MB (10^6 bytes)."""
    voice = VoiceConfig.load(voice_dir)
    return sum((Path(voice_dir) / name).stat().st_size for name in voice.files.values()) / 1e6


def time_rtf(speak: Any, sentences: Sequence[str], runs: int) -> dict[str, Any]:
    """RTF of ``speak(text) -> (samples, sample_rate)`` over ``sentences``: warm, median of ``runs``.

    Returns {"rtf": median, "runs": [rtf per run], "audio_s": seconds of audio per run}.
    """
    for text in sentences[:1]:
        speak(text)  # warm-up: lazy frontend, onnxruntime's first-run allocations
    per_run, audio_s = [], 0.0
    for _ in range(max(1, runs)):
        elapsed = audio_s = 0.0
        for text in sentences:
            start = time.perf_counter()
            samples, rate = speak(text)
            elapsed += time.perf_counter() - start
            audio_s += len(samples) / rate
        if audio_s <= 0:
            raise ValueError("the engine produced no audio for the benchmark sentences")
        per_run.append(elapsed / audio_s)
    return {"rtf": statistics.median(per_run), "runs": per_run, "audio_s": audio_s}


def voice_rtf(voice_dir: str | Path, threads: int, sentences: Sequence[str], runs: int,
              frontend: Any = None, emotion: str | None = None) -> dict[str, Any]:
    """``time_rtf`` of our engine on ``voice_dir`` with ``threads`` intra-op threads, reading in
    ``emotion`` (default: the voice's)."""
    from ..engine import Synthesizer

    synth = Synthesizer.load(voice_dir, threads=threads, frontend=frontend)

    def speak(text: str) -> tuple[Any, int]:
        audio = synth.synthesize(text, emotion=emotion)
        return audio.samples, audio.sample_rate

    result = time_rtf(speak, sentences, runs)
    result["threads"] = threads
    return result


def first_audio_ms(voice_dir: str | Path, text: str, runs: int, threads: int = 1, frontend: Any = None) -> float:
    """Median milliseconds from ``stream(text)`` to the first sentence's audio (warm)."""
    from ..engine import Synthesizer

    synth = Synthesizer.load(voice_dir, threads=threads, frontend=frontend)
    next(iter(synth.stream(text)))  # warm-up
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        first = next(iter(synth.stream(text)))
        times.append((time.perf_counter() - start) * 1000)
        if len(first.samples) == 0:
            raise ValueError("the first streamed sentence has no audio")
    return statistics.median(times)

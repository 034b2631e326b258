"""From a checked ``TtsRequest`` to audio bytes: cache lookup, admitted synthesis, encoding, caching.

Shared by ``/api/tts`` and the OpenAI route, so both answer the same bytes for the same request
and share cache entries. Streaming (``wav_stream``) bypasses the cache: its point is the first
sentence early, not the whole file.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..frontend import FrontendError
from .cache import cache_key
from .encoding import apply_volume, encode, pcm16_bytes, wav_header
from .errors import bad_request
from .options import TtsRequest
from .state import ServiceState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """Audio of one request, ready to send."""

    key: str
    """Cache key; also the ETag and the file name under ``/api/audio/``."""
    data: bytes
    path: Path | None
    """The cache file holding ``data``, or None when it could not be cached (full disk, cache off)."""
    cached: bool
    """True when the bytes came from the cache without synthesis."""
    duration_s: float | None
    sample_rate: int


def _synthesize(synth, req: TtsRequest):
    return synth.synthesize(req.text, emotion=req.emotion, speaker=req.speaker, speed=req.speed,
                            pitch=req.pitch, energy=req.energy, intensity=req.intensity)


def _duration_of(data: bytes, fmt: str, sample_rate: int) -> float | None:
    # Cached bytes carry no metadata of ours; the container knows its own length.
    if fmt == "pcm":
        return len(data) / 2 / sample_rate
    if fmt == "wav":
        return max(0, len(data) - 44) / 2 / sample_rate
    try:
        import soundfile as sf

        return float(sf.info(io.BytesIO(data)).duration)
    except (RuntimeError, ValueError, TypeError, ImportError):
        return None


def render(state: ServiceState, req: TtsRequest) -> Rendered:
    """The bytes for ``req``, from the cache or synthesized now (ApiError 400/503/504 otherwise)."""
    synth = state.voices.get(req.voice)
    rate = synth.voice.sample_rate
    key = cache_key(**req.cache_fields(synth.voice.model_version), voice_settings=synth.voice.settings_fingerprint,
                    reading=state.frontend.fingerprint)
    cache = state.cache
    if cache is not None:
        path = cache.get(key, req.format)
        if path is not None:
            try:
                data = path.read_bytes()
            except OSError:
                pass  # evicted by another worker since get(): synthesize again
            else:
                return Rendered(key, data, path, True, _duration_of(data, req.format, rate), rate)

    def job() -> tuple[bytes, float, float]:
        start = time.perf_counter()
        audio = _synthesize(synth, req)
        data = encode(apply_volume(audio.samples, req.volume), audio.sample_rate, req.format)
        return data, audio.duration, time.perf_counter() - start

    try:
        data, duration, compute = state.admission.run(job)
    except FrontendError as e:
        raise bad_request(str(e), "text") from None
    except ValueError as e:  # options the engine refused (kept in step with options.RANGES)
        raise bad_request(str(e)) from None
    state.metrics.observe_synthesis(compute, duration)
    path = cache.put(key, req.format, data) if cache is not None else None
    return Rendered(key, data, path, False, duration, rate)


def open_stream(state: ServiceState, req: TtsRequest) -> tuple[Iterator[bytes], Callable[[], None]]:
    """Start streaming ``req`` as WAV (or raw PCM): (chunks, release).

    Text and options are checked here, before the answer starts, so they can still get a 400;
    a full queue gets 503 here too. The first chunk is the header (length "unknown"), then the
    PCM of each sentence as soon as it is synthesized. ``release`` must be called when the
    response closes (Flask's ``call_on_close``); the chunk generator calls it too when done.
    """
    synth = state.voices.get(req.voice)
    try:
        sentences = synth.stream(req.text, emotion=req.emotion, speaker=req.speaker, speed=req.speed,
                                 pitch=req.pitch, energy=req.energy, intensity=req.intensity)
    except FrontendError as e:
        raise bad_request(str(e), "text") from None
    except ValueError as e:
        raise bad_request(str(e)) from None
    ticket = state.admission.admit_stream()
    rate = synth.voice.sample_rate
    gap = pcm16_bytes(np.zeros(int(round(synth.voice.sentence_silence_s * rate)), np.float32))

    def next_sentence():
        start = time.perf_counter()
        audio = next(sentences, None)
        return audio, time.perf_counter() - start

    def chunks() -> Iterator[bytes]:
        try:
            if req.format == "wav":
                yield wav_header(rate)
            first = True
            while True:
                try:
                    audio, compute = ticket.step(next_sentence)
                except Exception as e:  # noqa: BLE001 - the status line is gone; end the stream cleanly
                    log.warning("stream stopped early: %s", e)
                    return
                if audio is None:
                    return
                state.metrics.observe_synthesis(compute, audio.duration)
                if not first:
                    yield gap
                first = False
                yield pcm16_bytes(apply_volume(audio.samples, req.volume))
        finally:
            ticket.release()

    return chunks(), ticket.release

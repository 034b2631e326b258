"""``run_bench``: every measurement of one voice, collected into the benchmark's JSON object.

    {"voice", "onnx_variant", "model_mb", "cold_start_s", "rtf": {"1": r1, "2": r2},
     "rtf_by_emotion": {"neutral": r, ...}, "first_audio_ms", "peak_rss_mb", "cache_hit_ms_p50",
     "http": {"rps", "p50_ms", "p99_ms", "errors", "levels": [...]}, "peers": {...}, "cpu", "date",
     "settings"}

``rtf_by_emotion`` is one thread's RTF in each emotion the voice offers (the default emotion's is
``rtf["1"]`` when that was timed): an emotion with an ``emotion_pace`` costs a second encoder and
duration pass. ``http`` summarises the highest concurrency's cache misses (rps, p50, p99) and
counts errors over every level; ``levels`` holds each concurrency's misses and hits.
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..voice import VoiceConfig
from . import http_load, memory, peers, speed
from .report import cpu_model
from .sentences import FIRST_AUDIO, HTTP_TEXTS, RTF_SET

log = logging.getLogger(__name__)


@dataclass
class BenchOptions:
    voice: str
    """Voice folder."""
    threads: tuple[int, ...] = (1, 2)
    runs: int = 3
    http: bool = True
    http_workers: int = 1
    http_threads: int = 4
    concurrency: tuple[int, ...] = (1, 4, 16)
    requests_per_level: int = 32
    peers: tuple[str, ...] = ("torch", "kokoro", "piper")
    compare: tuple[str, ...] = ()
    """Other voice folders of ours to time (e.g. the fp32 export of an int8 voice)."""
    torch_am: str | None = None
    torch_vocoder: str | None = None
    sentences: tuple[str, ...] = field(default=RTF_SET)


def run_bench(o: BenchOptions) -> dict[str, Any]:
    from ..frontend import Frontend

    voice = VoiceConfig.load(o.voice)
    frontend = Frontend()
    result: dict[str, Any] = {
        "voice": voice.name,
        "onnx_variant": voice.precision,
        "model_mb": speed.model_mb(o.voice),
        "cpu": cpu_model(),
        "date": _dt.date.today().isoformat(),
        "settings": {k: v for k, v in asdict(o).items() if k != "sentences"},
    }
    log.info("RTF by threads %s", o.threads)
    runs = {str(t): speed.voice_rtf(o.voice, t, o.sentences, o.runs, frontend=frontend) for t in o.threads}
    result["rtf"] = {t: r["rtf"] for t, r in runs.items()}
    result["audio_s"] = next(iter(runs.values()))["audio_s"]
    result["rtf_by_emotion"] = {
        e: runs["1"]["rtf"] if e == voice.default_emotion and "1" in runs
        else speed.voice_rtf(o.voice, 1, o.sentences, o.runs, frontend=frontend, emotion=e)["rtf"]
        for e in voice.emotions
    }
    result["first_audio_ms"] = speed.first_audio_ms(o.voice, FIRST_AUDIO, o.runs, frontend=frontend)
    log.info("peak RSS of say")
    rss = memory.say_peak_rss(o.voice, text="".join(o.sentences))
    if rss.returncode != 0:
        raise RuntimeError(f"sambert-edge say failed ({rss.returncode}): {rss.stderr[-1000:]}")
    result["peak_rss_mb"] = rss.mb
    result["cold_start_s"] = result["cache_hit_ms_p50"] = None
    result["http"] = None
    if o.http:
        result.update(_http(o))
    result["peers"] = _peers(o, frontend, result["rtf"].get("1"))
    return result


def _http(o: BenchOptions) -> dict[str, Any]:
    log.info("HTTP service: %d worker(s) x %d thread(s)", o.http_workers, o.http_threads)
    with http_load.running_service(o.voice, o.http_workers, o.http_threads) as (base, cold):
        hit = http_load.cache_hit_ms(base, FIRST_AUDIO)
        levels = http_load.load_test(base, HTTP_TEXTS, o.concurrency, o.requests_per_level)["levels"]
    top = levels[-1]["miss"] if levels else {}
    return {
        "cold_start_s": cold,
        "cache_hit_ms_p50": hit,
        "http": {
            "rps": top.get("rps"), "p50_ms": top.get("p50_ms"), "p99_ms": top.get("p99_ms"),
            "errors": sum(lv[k]["errors"] for lv in levels for k in ("miss", "hit")),
            "levels": levels,
        },
    }


def _peers(o: BenchOptions, frontend: Any, ours: float | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for folder in o.compare:
        found[f"onnx:{Path(folder).name}"] = peers.onnx_peer(folder, o.sentences, o.runs, frontend)
    if "torch" in o.peers:
        found["torch"] = peers.torch_peer(o.torch_am, o.torch_vocoder, o.sentences, o.runs, frontend)
    if "kokoro" in o.peers:
        found["kokoro"] = peers.kokoro_peer(o.sentences, o.runs, frontend)
    if "piper" in o.peers:
        found["piper"] = peers.piper_peer(o.runs)
    for peer in found.values():
        if ours is not None and peer.get("rtf"):
            peer["ratio"] = ours / peer["rtf"]
    return found

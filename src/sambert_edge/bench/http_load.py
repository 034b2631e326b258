"""The HTTP service under measurement: cold start, cache hits, and a bounded load test on loopback.

``sambert-edge serve`` runs as a child process (Gunicorn, the settings the README recommends),
with a fresh cache folder so the first request of each text is a miss. A request is
``POST /api/tts`` followed by ``GET`` of the returned ``audio_url`` (the client has the audio only
then). 503 answers are the admission control working as designed and are counted apart from
errors; an error is any other non-2xx answer or a failed connection.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int
    """HTTP status, or 0 when the connection failed."""
    seconds: float
    cached: bool = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tts_request(base: str, text: str, timeout: float = 120.0) -> Reply:
    """POST /api/tts then GET its audio; the time covers both."""
    start = time.perf_counter()
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(f"{base}/api/tts", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            answer = json.loads(r.read())
        with urllib.request.urlopen(base + answer["audio_url"], timeout=timeout) as r:
            r.read()
    except urllib.error.HTTPError as e:
        return Reply(e.code, time.perf_counter() - start)
    except (OSError, ValueError, KeyError):
        return Reply(0, time.perf_counter() - start)
    return Reply(200, time.perf_counter() - start, bool(answer.get("cached")))


@contextmanager
def running_service(voice_dir: str | Path, workers: int = 1, threads: int = 4, inference_threads: int = 1,
                    startup_timeout: float = 120.0) -> Iterator[tuple[str, float]]:
    """Start ``sambert-edge serve`` on a free port; yields (base URL, cold start seconds).

    Cold start = from process start to the first audio of a short text returned over HTTP.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="sambert-bench-cache-") as cache:
        command = [sys.executable, "-m", "sambert_edge", "serve", "--voice", str(voice_dir),
                   "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
                   "--inference-threads", str(inference_threads), "--cache-dir", cache]
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            cold = _first_audio(base, proc, start, startup_timeout)
            yield base, cold
        finally:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def _first_audio(base: str, proc: subprocess.Popen, start: float, timeout: float) -> float:
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise RuntimeError(f"the service exited with status {proc.returncode}: {err[-2000:]}")
        if tts_request(base, "你好。", timeout=timeout).status == 200:
            return time.perf_counter() - start
        time.sleep(0.02)
    raise TimeoutError(f"the service gave no audio within {timeout:.0f} s")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def load(base: str, texts: Sequence[str], concurrency: int) -> dict[str, Any]:
    """Send one request per text with ``concurrency`` clients; throughput and latency of the 2xx."""
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        replies = list(pool.map(lambda t: tts_request(base, t), texts))
    wall = time.perf_counter() - start
    ok = [r.seconds * 1000 for r in replies if r.status == 200]
    return {
        "concurrency": concurrency,
        "requests": len(replies),
        "rps": len(ok) / wall if wall > 0 else float("nan"),
        "p50_ms": percentile(ok, 50),
        "p99_ms": percentile(ok, 99),
        "errors": sum(1 for r in replies if r.status not in (200, 503)),
        "rejected_503": sum(1 for r in replies if r.status == 503),
        "cached": sum(1 for r in replies if r.cached),
    }


def load_test(base: str, texts: Sequence[str], concurrencies: Sequence[int], per_level: int) -> dict[str, Any]:
    """Misses (texts never asked before) then hits (the same texts again) at each concurrency."""
    levels, used = [], 0
    for c in concurrencies:
        batch = list(texts[used: used + per_level])
        used += per_level
        if len(batch) < per_level:
            raise ValueError(f"need {used} distinct texts for the load test, have {len(texts)}")
        levels.append({"miss": load(base, batch, c), "hit": load(base, batch, c)})
    return {"levels": levels}


def cache_hit_ms(base: str, text: str, runs: int = 50) -> float:
    """Median ms of ``POST /api/tts`` answered from the cache (the text is synthesized first)."""
    tts_request(base, text)
    times = []
    body = json.dumps({"text": text}).encode()
    for _ in range(runs):
        request = urllib.request.Request(f"{base}/api/tts", body, {"Content-Type": "application/json"})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as r:
            answer = json.loads(r.read())
        times.append((time.perf_counter() - start) * 1000)
        if not answer.get("cached"):
            raise RuntimeError("a repeated request was not answered from the cache")
    return statistics.median(times)

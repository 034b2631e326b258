"""Prometheus metrics in the text exposition format, written by hand (no prometheus_client).

Counted per worker process: requests by route and status, request latency, synthesis real-time
factor (compute seconds / audio seconds), audio seconds made, cache hits and misses (and Redis's), the
synthesis queue depth and 503 refusals. With several Gunicorn workers a scrape reaches one of
them (its ``pid`` label says which); run one worker with more threads where exact totals matter.
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left
from collections import defaultdict

from flask import Blueprint, Flask, Response, current_app, g, request

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class _Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # the last one is +Inf
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.buckets, value)] += 1
        self.total += value

    def lines(self, name: str, labels: str) -> list[str]:
        sep = "," if labels else ""
        out, running = [], 0
        for bound, count in zip((*self.buckets, float("inf")), self.counts):
            running += count
            le = "+Inf" if bound == float("inf") else f"{bound:g}"
            out.append(f'{name}_bucket{{{labels}{sep}le="{le}"}} {running}')
        out.append(f"{name}_sum{{{labels}}} {self.total:.6f}")
        out.append(f"{name}_count{{{labels}}} {running}")
        return out


class Metrics:
    """Counters and histograms of one process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, _Histogram] = {}
        self.rtf = _Histogram(RTF_BUCKETS)
        self.audio_seconds = 0.0

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(route, method, status)] += 1
            self.latency.setdefault(route, _Histogram(LATENCY_BUCKETS)).observe(seconds)

    def observe_synthesis(self, compute_s: float, audio_s: float) -> None:
        """One synthesis (or streamed sentence): ``compute_s`` spent for ``audio_s`` of audio."""
        with self._lock:
            self.audio_seconds += audio_s
            if audio_s > 0:
                self.rtf.observe(compute_s / audio_s)

    def render(self, state) -> str:
        """The exposition text; ``state`` (ServiceState) supplies cache and queue gauges."""
        pid = f'pid="{os.getpid()}"'
        lines = ["# HELP sambert_http_requests_total HTTP requests by route, method and status.",
                 "# TYPE sambert_http_requests_total counter"]
        with self._lock:
            for (route, method, status), count in sorted(self.requests.items()):
                lines.append(f'sambert_http_requests_total{{{pid},route="{_esc(route)}",method="{method}",'
                             f'status="{status}"}} {count}')
            lines += ["# HELP sambert_http_request_duration_seconds Time to the response headers.",
                      "# TYPE sambert_http_request_duration_seconds histogram"]
            for route, hist in sorted(self.latency.items()):
                lines += hist.lines("sambert_http_request_duration_seconds", f'{pid},route="{_esc(route)}"')
            lines += ["# HELP sambert_synthesis_rtf Compute seconds per second of audio.",
                      "# TYPE sambert_synthesis_rtf histogram", *self.rtf.lines("sambert_synthesis_rtf", pid),
                      "# HELP sambert_audio_seconds_total Seconds of audio synthesized.",
                      "# TYPE sambert_audio_seconds_total counter",
                      f"sambert_audio_seconds_total{{{pid}}} {self.audio_seconds:.3f}"]
        admission = state.admission
        lines += ["# HELP sambert_queue_depth Syntheses admitted and not finished in this worker.",
                  "# TYPE sambert_queue_depth gauge", f"sambert_queue_depth{{{pid}}} {admission.depth}",
                  "# HELP sambert_queue_rejected_total Requests refused with 503 (queue full).",
                  "# TYPE sambert_queue_rejected_total counter",
                  f"sambert_queue_rejected_total{{{pid}}} {admission.rejected}"]
        if state.cache is not None:
            stats = state.cache.stats()
            for name, kind, help_text in (("hits", "counter", "Cache hits in this worker."),
                                          ("misses", "counter", "Cache misses in this worker."),
                                          ("entries", "gauge", "Entries in the cache folder."),
                                          ("bytes", "gauge", "Bytes in the cache folder.")):
                metric = f"sambert_cache_{name}" + ("_total" if kind == "counter" else "")
                lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} {kind}",
                          f"{metric}{{{pid}}} {stats[name]}"]
            # With REDIS_URL (service.redis_cache.TieredCache): the shared second level.
            for name, kind, help_text in (("redis_hits", "counter", "Local misses found in Redis."),
                                          ("redis_misses", "counter", "Local misses Redis did not have."),
                                          ("redis_errors", "counter", "Redis calls that failed (down, timeout)."),
                                          ("redis_corrupt", "counter", "Redis values that failed the check."),
                                          ("redis_up", "gauge", "1 when the last Redis call worked.")):
                if name in stats:
                    metric = f"sambert_cache_{name}" + ("_total" if kind == "counter" else "")
                    lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} {kind}",
                              f"{metric}{{{pid}}} {stats[name]}"]
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _start_timer() -> None:
    g.metrics_start = time.perf_counter()


def _record(response):
    start = g.pop("metrics_start", None)
    if start is not None:
        # The URL rule, not the path: /api/audio/<name> must not make one series per file.
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        current_app.extensions["sambert_edge"].metrics.observe_request(
            route, request.method, response.status_code, time.perf_counter() - start)
    return response


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics_text():
    """Prometheus text format 0.0.4."""
    state = current_app.extensions["sambert_edge"]
    return Response(state.metrics.render(state), mimetype="text/plain; version=0.0.4")


def register(app: Flask) -> None:
    """Time every request and serve ``GET /metrics``."""
    app.before_request(_start_timer)
    app.after_request(_record)
    app.register_blueprint(bp)

"""The benchmark's outputs: the JSON object, a text table with the targets, a plot."""

from __future__ import annotations

import math
import platform
from pathlib import Path
from typing import Any

TARGETS: dict[str, tuple[str, float]] = {
    "rtf_1": ("<=", 0.05),
    "first_audio_ms": ("<=", 100.0),
    "peak_rss_mb": ("<=", 150.0),
    "cold_start_s": ("<=", 2.0),
    "cache_hit_ms_p50": ("<=", 5.0),
}
"""The default voice's targets on an x86 CPU (the benchmark issue); checked in the table."""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.{digits}g}"
    return str(value)


def _verdict(key: str, value: Any) -> str:
    if key not in TARGETS or not isinstance(value, (int, float)) or math.isnan(value):
        return ""
    op, bound = TARGETS[key]
    met = value <= bound if op == "<=" else value >= bound
    return f"target {op} {bound:g}: {'met' if met else 'MISSED'}"


def table(result: dict[str, Any]) -> str:
    """A human-readable summary of ``result`` (the JSON object)."""
    rows = [("voice", result["voice"], ""), ("onnx variant", result["onnx_variant"], ""),
            ("model MB", _fmt(result["model_mb"]), "")]
    for threads, rtf in result["rtf"].items():
        rows.append((f"RTF, {threads} thread(s)", _fmt(rtf), _verdict("rtf_1", rtf) if threads == "1" else ""))
    for emotion, rtf in (result.get("rtf_by_emotion") or {}).items():
        rows.append((f"RTF, 1 thread, {emotion}", _fmt(rtf), _verdict("rtf_1", rtf)))
    for key, label in (("first_audio_ms", "first audio ms"), ("peak_rss_mb", "peak RSS MB (say)"),
                       ("cold_start_s", "cold start s"), ("cache_hit_ms_p50", "cache hit ms p50")):
        rows.append((label, _fmt(result.get(key)), _verdict(key, result.get(key))))
    http = result.get("http") or {}
    for level in http.get("levels", []):
        for kind in ("miss", "hit"):
            m = level[kind]
            rows.append((f"HTTP c={m['concurrency']} {kind}",
                         f"{_fmt(m['rps'])} req/s, p50 {_fmt(m['p50_ms'])} ms, p99 {_fmt(m['p99_ms'])} ms",
                         f"errors {m['errors']}, 503s {m['rejected_503']}"))
    for name, peer in (result.get("peers") or {}).items():
        if peer.get("available") is False:
            rows.append((f"peer {name}", "unavailable", peer["reason"]))
        else:
            rows.append((f"peer {name}", f"RTF {_fmt(peer['rtf'])}", f"ours/peer {_fmt(peer.get('ratio'))}"))
    width = max(len(r[0]) for r in rows)
    lines = [f"{result.get('cpu', '')} | {result.get('date', '')}"]
    lines += [f"{label:<{width}}  {value}  {note}".rstrip() for label, value, note in rows]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: str | Path) -> Path:
    """RTF by thread count and HTTP latency percentiles by concurrency, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    threads = sorted(result["rtf"], key=int)
    ax1.plot([int(t) for t in threads], [result["rtf"][t] for t in threads], "o-", label=result["voice"])
    timed = [(name, peer) for name, peer in (result.get("peers") or {}).items() if peer.get("rtf") is not None]
    for i, (name, peer) in enumerate(timed, start=1):
        ax1.axhline(peer["rtf"], linestyle="--", linewidth=1, color=f"C{i}", label=f"{name} (1 thread)")
    ax1.set_xticks([int(t) for t in threads])
    ax1.set_xlabel("intra-op threads")
    ax1.set_ylabel("RTF (lower is faster)")
    ax1.set_yscale("log")
    ax1.legend(fontsize=7)
    levels = (result.get("http") or {}).get("levels", [])
    if levels:
        cs = [lv["miss"]["concurrency"] for lv in levels]
        for kind, style in (("miss", "o-"), ("hit", "s--")):
            ax2.plot(cs, [lv[kind]["p50_ms"] for lv in levels], style, label=f"{kind} p50")
            ax2.plot(cs, [lv[kind]["p99_ms"] for lv in levels], style, alpha=0.5, label=f"{kind} p99")
        ax2.set_xscale("log", base=2)
        ax2.set_yscale("log")
        ax2.set_xlabel("concurrent clients")
        ax2.set_ylabel("latency ms (POST + GET audio)")
        ax2.legend(fontsize=7)
    fig.suptitle(f"sambert-edge bench, {result.get('cpu', '')}, {result.get('date', '')}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

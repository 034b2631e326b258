"""The ``evaluate`` stage: a voice folder on the dev sentences -- judge CER and prosody per emotion.

For every emotion the voice offers, every dev sentence is synthesised by the torch-free engine and
transcribed by the judge (Whisper base). Prosody is measured on the same audio: f0 (WORLD DIO +
StoneMask, voiced frames pooled over all sentences) mean and standard deviation, total duration,
and RMS level; each emotion is reported relative to neutral, next to the issue's bars.

With ``dither=N`` the judge also hears every recording N more times with one 16-bit step of
Gaussian noise added (a fixed seed per run and sentence). The audio is the same to the ear, but
Whisper base changes its transcript of some sentences. The step-24,000 voice (2026-12-04, 30 dev
sentences x 4 emotions) scored 0.186 clean and 0.192-0.201 over four dithered runs (mean 0.198);
its 16-bit WAV files scored 0.192, and the same files judged with CTranslate2's AVX and generic
kernels (``CT2_FORCE_CPU_ISA``) instead of AVX-512 0.204 and 0.201: the spread a folder's CER shows
between machines. The dithered mean is the figure to hold against a bar (``check_bars`` reads the
clean CERs); ``compare`` pairs the mean of all readings when both reports are dithered alike.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: (metric, emotion) -> (comparison, bar): the shipped voice's targets (issue: bundled voice).
BARS: dict[tuple[str, str], tuple[str, float]] = {
    ("f0_mean_pct", "happy"): (">=", 8.0), ("f0_std_pct", "happy"): (">=", 20.0),
    ("f0_mean_pct", "sad"): ("<=", -5.0), ("duration_pct", "sad"): (">=", 10.0), ("rms_db", "sad"): ("<=", -2.0),
    ("rms_db", "angry"): (">=", 2.0), ("duration_pct", "angry"): ("<=", -5.0), ("f0_std_pct", "angry"): (">=", 15.0),
}
CER_MARGIN = 0.05  # every emotion's CER <= neutral CER + this
DITHER_LEVEL = 1 / 32768
"""Standard deviation of the judge's dither: one step of 16-bit audio."""


def dithered(samples: np.ndarray, run: int, index: int) -> np.ndarray:
    """samples float32 [N] plus Gaussian noise of ``DITHER_LEVEL``, seeded by (run, sentence index)."""
    rng = np.random.default_rng([run, index])
    return (samples + rng.normal(0.0, DITHER_LEVEL, samples.shape)).astype(np.float32)


def prosody(audios: list[np.ndarray], sample_rate: int) -> dict[str, float]:
    """Pooled voiced-f0 mean/std (Hz), total seconds and RMS (dBFS) of a list of float waveforms."""
    import pyworld

    f0s = []
    for a in audios:
        x = a.astype(np.float64)
        f0, t = pyworld.dio(x, sample_rate, f0_floor=60.0, f0_ceil=700.0, frame_period=10.0)
        f0 = pyworld.stonemask(x, f0, t, sample_rate)
        f0s.append(f0[f0 > 0])
    voiced = np.concatenate(f0s) if f0s else np.zeros(0)
    joined = np.concatenate(audios).astype(np.float64)
    return {
        "f0_mean": float(voiced.mean()) if len(voiced) else 0.0,
        "f0_std": float(voiced.std()) if len(voiced) else 0.0,
        "seconds": len(joined) / sample_rate,
        "rms_dbfs": float(20 * np.log10(np.sqrt((joined ** 2).mean()) + 1e-12)),
    }


def relative(emotion: dict[str, float], neutral: dict[str, float]) -> dict[str, float]:
    """Percent (f0, duration) and dB (level) change against neutral; NaN where neutral has nothing
    to compare with (no voiced frame, no audio): a broken voice must not crash the report."""
    def pct(key: str) -> float:
        return 100 * (emotion[key] / neutral[key] - 1) if neutral[key] > 0 else float("nan")

    return {
        "f0_mean_pct": pct("f0_mean"),
        "f0_std_pct": pct("f0_std"),
        "duration_pct": pct("seconds"),
        "rms_db": emotion["rms_dbfs"] - neutral["rms_dbfs"],
    }


def check_bars(report: dict[str, Any]) -> list[str]:
    """Human-readable list of the bars a report misses (empty = all met)."""
    misses = []
    per = report["emotions"]
    neutral_cer = per["neutral"]["cer"]
    for emotion, row in per.items():
        if row["cer"] > neutral_cer + CER_MARGIN:
            misses.append(f"{emotion}: CER {row['cer']:.3f} > neutral {neutral_cer:.3f} + {CER_MARGIN}")
    for (metric, emotion), (op, bar) in BARS.items():
        if emotion not in per:
            continue
        value = per[emotion]["relative"][metric]
        if not np.isfinite(value) or (op == ">=" and value < bar) or (op == "<=" and value > bar):
            misses.append(f"{emotion}: {metric} {value:+.1f} (bar {op} {bar:+.1f})")
    return misses


def evaluate_voice(voice_dir: Path, sentences: list[str], judge: Any, threads: int = 1,
                   audio_out: Path | None = None, emotions: tuple[str, ...] | None = None,
                   dither: int = 0) -> dict[str, Any]:
    """``emotions``: a subset of the voice's emotions to evaluate (default: all it offers); the
    prosody columns and bars need ``neutral`` among them. ``dither``: judge each recording this
    many more times with inaudible noise added (module docstring); rows then carry ``dithered``
    (one CER per run) and each emotion ``cer_runs`` (the mean CER of each dithered run)."""
    if dither < 0:
        raise ValueError(f"dither must be 0 or more runs, not {dither}")
    import soundfile as sf

    from ..engine import Synthesizer
    from .judge import cer

    synth = Synthesizer.load(voice_dir, threads=threads)
    rate = synth.voice.sample_rate
    if rate != 16000:
        raise ValueError(f"the judge reads 16 kHz audio; {voice_dir} speaks at {rate} Hz")
    unknown = sorted(set(emotions or ()) - set(synth.voice.emotions))
    if unknown:
        raise ValueError(f"{voice_dir} offers no emotion {unknown}; it has {list(synth.voice.emotions)}")
    report: dict[str, Any] = {"voice": str(voice_dir), "model_version": synth.voice.model_version,
                              "sentences": len(sentences), "emotions": {}}
    raw: dict[str, dict[str, float]] = {}
    for emotion in [e for e in synth.voice.emotions if emotions is None or e in emotions]:
        audios, rows, synth_s = [], [], 0.0
        for i, text in enumerate(sentences):
            t0 = time.perf_counter()
            audio = synth.synthesize(text, emotion=emotion)
            synth_s += time.perf_counter() - t0
            audios.append(audio.samples)
            if audio_out is not None:
                audio_out.mkdir(parents=True, exist_ok=True)
                sf.write(str(audio_out / f"{emotion}_{i:03d}.wav"), audio.samples, rate)
            hyp = judge.transcribe(audio.samples)
            row = {"text": text, "hyp": hyp, "cer": round(cer(text, hyp), 4)}
            if dither:
                row["dithered"] = [round(cer(text, judge.transcribe(dithered(audio.samples, run, i))), 4)
                                   for run in range(1, dither + 1)]
            rows.append(row)
        raw[emotion] = prosody(audios, rate)
        report["emotions"][emotion] = {
            "cer": float(np.mean([r["cer"] for r in rows])),
            "rtf": synth_s / max(raw[emotion]["seconds"], 1e-9),
            "prosody": raw[emotion],
            "rows": rows,
        }
        if dither:
            report["emotions"][emotion]["cer_runs"] = [
                float(np.mean([r["dithered"][k] for r in rows])) for k in range(dither)]
        log.info("%s: CER %.3f, RTF %.3f", emotion, report["emotions"][emotion]["cer"],
                 report["emotions"][emotion]["rtf"])
    if "neutral" in raw:
        for emotion in raw:
            report["emotions"][emotion]["relative"] = relative(raw[emotion], raw["neutral"])
        report["misses"] = check_bars(report)
    return report


def summary(report: dict[str, Any]) -> str:
    lines = [f"{'emotion':8} {'CER':>6} {'RTF':>6} {'f0 mean':>8} {'f0 std':>8} {'dur':>7} {'RMS':>7}"]
    for emotion, row in report["emotions"].items():
        rel = row.get("relative", {})
        lines.append(f"{emotion:8} {row['cer']:6.3f} {row['rtf']:6.3f} {rel.get('f0_mean_pct', 0):+7.1f}% "
                     f"{rel.get('f0_std_pct', 0):+7.1f}% {rel.get('duration_pct', 0):+6.1f}% {rel.get('rms_db', 0):+5.1f}dB")
    runs = [row["cer_runs"] for row in report["emotions"].values() if "cer_runs" in row]
    if runs:
        per_run = np.mean(runs, axis=0)  # [dither runs]: mean CER over the emotions of each run
        clean = np.mean([row["cer"] for row in report["emotions"].values()])
        lines.append(f"mean CER over emotions: clean {clean:.3f}, {len(per_run)} dithered runs "
                     f"{per_run.mean():.3f} (from {per_run.min():.3f} to {per_run.max():.3f})")
        for emotion, row in report["emotions"].items():
            lines.append(f"  {emotion:8} dithered {np.mean(row['cer_runs']):.3f} "
                         f"({min(row['cer_runs']):.3f}..{max(row['cer_runs']):.3f})")
    misses = report.get("misses")
    lines.append("all bars met" if misses == [] else "misses: " + "; ".join(misses or ["(no neutral)"]))
    return "\n".join(lines)


def write_report(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

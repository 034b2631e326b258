"""Where a voice's CER comes from, on sentences it was not trained on (``train error-budget``).

For every sentence three recordings go to the judge: the reference (the teacher's audio), the
reference's own mel through the voice's vocoder (copy synthesis), and the voice reading the text.
Their mean CERs split the student's loss into what the vocoder costs (copy - reference) and what
the acoustic model costs (student - copy). The report also gives the student's length against the
reference's, to see whether the duration predictor reads unseen text at the teacher's rate.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .am_data import Normaliser
from .features import MelSettings, magnitude, mel_from_magnitude

log = logging.getLogger(__name__)

SOURCES = ("reference", "copy", "student")


def analysis_mel(audio: np.ndarray, settings: MelSettings, norm: Normaliser) -> np.ndarray:
    """audio float32 [N] -> the normalized mel the vocoder was trained on, float32 [N // hop, num_mels]."""
    mel = mel_from_magnitude(magnitude(audio, settings), settings)
    return ((mel - norm.mel_mean) / norm.mel_std).astype(np.float32)


def error_budget(voice_dir: Path, sentences: list[str], reference: Callable[[str], np.ndarray], judge: Any,
                 norm: Normaliser, edge_silence_s: float = 0.0, threads: int = 1) -> dict[str, Any]:
    """Judge CER of reference / copy synthesis / student per sentence, and their means.

    ``reference(text)`` gives the reference audio at the voice's rate (float32 [N]) with
    ``edge_silence_s`` of silence kept at each end (taken off its length for the length ratio).
    Only mel voices: an NSF vocoder would also need the reference's f0.
    """
    from ..engine import Synthesizer
    from .judge import cer

    synth = Synthesizer.load(voice_dir, threads=threads)
    voice = synth.voice
    if voice.nsf:
        raise ValueError(f"{voice_dir} is an NSF voice; error-budget copies mels through mel vocoders only")
    if len(norm.mel_mean) != voice.num_mels:
        raise ValueError(f"the stats have {len(norm.mel_mean)} mel bins; {voice_dir} has {voice.num_mels}")
    settings = MelSettings(sample_rate=voice.sample_rate, hop_length=voice.hop_length, num_mels=voice.num_mels)
    rows = []
    for text in sentences:
        ref = np.asarray(reference(text), np.float32)
        audio = {"reference": ref, "copy": synth.vocode(analysis_mel(ref, settings, norm)),
                 "student": synth.synthesize(text).samples}
        row: dict[str, Any] = {"text": text}
        for source in SOURCES:
            hyp = judge.transcribe(audio[source])
            row[source] = {"hyp": hyp, "cer": round(cer(text, hyp), 4)}
        ref_s = max(len(ref) / voice.sample_rate - 2 * edge_silence_s, 1e-3)
        row["length_ratio"] = round(len(audio["student"]) / voice.sample_rate / ref_s, 4)
        log.info("%s reference %.3f copy %.3f student %.3f length %.3f", text, row["reference"]["cer"],
                 row["copy"]["cer"], row["student"]["cer"], row["length_ratio"])
        rows.append(row)
    means = {s: float(np.mean([r[s]["cer"] for r in rows])) if rows else float("nan") for s in SOURCES}
    return {"voice": str(voice_dir), "model_version": voice.model_version, "sentences": len(rows),
            "cer": means, "vocoder_cost": means["copy"] - means["reference"],
            "acoustic_cost": means["student"] - means["copy"],
            "length_ratio": float(np.median([r["length_ratio"] for r in rows])) if rows else float("nan"),
            "rows": rows}


def summary(report: dict[str, Any]) -> str:
    c = report["cer"]
    return (f"{report['sentences']} sentences: CER reference {c['reference']:.3f}, copy synthesis "
            f"{c['copy']:.3f} (vocoder {report['vocoder_cost']:+.3f}), student {c['student']:.3f} "
            f"(acoustic model {report['acoustic_cost']:+.3f}); student/reference length, median "
            f"{report['length_ratio']:.3f}")

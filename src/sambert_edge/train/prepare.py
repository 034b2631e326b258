"""The ``align`` stage: teacher audio + manifest -> per-utterance training features.

For each utterance of ``manifest.jsonl`` (with teacher durations) it writes
``features/<utt_id>.npz`` holding:

- ``symbols``: the KAN-TTS units (one string, :func:`format_symbols`), ``durations`` int [T];
- ``start``: first mel frame of the trimmed audio that the units cover (the first unit begins
  where its consonant starts to sound, :func:`~.features.onset_start`, not at the teacher's
  first token; files written before 2026-12-04 are widened the same way when read);
- ``mel`` float16 [F, 80] in [0, 1] (KAN-TTS mel, before mean/std), ``f0`` float32 [F] Hz,
  ``energy`` float32 [F];
- ``log_f0`` and ``phone_energy`` float32 [T] (per-unit, before z-scoring);
- ``emotion``: the emotion name the audio renders.

then ``features/stats.json`` (mel mean/std per bin, log-f0 and energy mean/std over phones).
Files are written atomically and skipped when present, so the stage resumes and can be rerun
while the corpus grows.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..frontend.symbols import format_symbols, parse_symbols
from .align import AlignmentError, align_entry, move_pauses
from .features import (
    MelSettings,
    aligned_span,
    f0_track,
    frame_energy,
    magnitude,
    mel_from_magnitude,
    phone_energy,
    phone_log_f0,
    silent_frames,
    widen_to_onset,
)

log = logging.getLogger(__name__)


def save_npz_atomic(path: Path, **arrays: Any) -> None:
    """Write ``path`` via a temp file in the same folder + rename (never a half file)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def utterance_features(audio: np.ndarray, analysis: Any, entry: dict, settings: MelSettings,
                       emotion: str = "neutral") -> dict[str, Any]:
    """One utterance's arrays (see the module docstring)."""
    frames = len(audio) // settings.hop_length
    mag = magnitude(audio, settings)
    alignment = align_entry(analysis, entry, frames, settings.hop_length, settings.sample_rate)
    energy = frame_energy(mag)
    alignment = move_pauses(alignment, silent_frames(energy))
    start, durations = widen_to_onset(alignment.start_frame, alignment.durations, energy)
    mel = mel_from_magnitude(mag, settings)
    f0 = f0_track(audio, settings, frames)
    return {
        "symbols": np.array(format_symbols(alignment.units)),
        "durations": durations.astype(np.int32),
        "start": np.array(start, np.int32),
        "mel": mel.astype(np.float16),
        "f0": f0,
        "energy": energy,
        "log_f0": phone_log_f0(f0[start:], durations),
        "phone_energy": phone_energy(energy[start:], durations),
        "emotion": np.array(emotion),
    }


def run_align(workdir: Path, frontend: Any, settings: MelSettings = MelSettings(), limit: int | None = None,
              progress: bool = True, recompute_stats: bool = False) -> dict[str, int]:
    """Write missing ``features/*.npz`` for the manifest's utterances, then ``stats.json``.

    ``stats.json`` is written only when absent (or with ``recompute_stats``): models trained on
    one normalisation must keep seeing it as the corpus grows.
    """
    import soundfile as sf
    from tqdm import tqdm

    from .corpus import read_manifest
    from .teacher import frontend_phonemes

    out = workdir / "features"
    out.mkdir(parents=True, exist_ok=True)
    entries = [e for e in read_manifest(workdir / "manifest.jsonl").values() if "token_frames" in e]
    counts = {"total": len(entries), "made": 0, "present": 0, "changed": 0, "failed": 0}
    for entry in tqdm(entries[:limit], desc="align", disable=not progress):
        target = out / f"{entry['utt_id']}.npz"
        if target.exists():
            counts["present"] += 1
            continue
        analysis = frontend.analyze(entry["text"])
        if frontend_phonemes(analysis) != entry["phonemes"]:
            counts["changed"] += 1  # the frontend reads it differently now: the audio no longer matches
            continue
        audio, sr = sf.read(str(workdir / "wavs" / f"{entry['utt_id']}.flac"), dtype="float32")
        if sr != settings.sample_rate:
            raise ValueError(f"{entry['utt_id']}: {sr} Hz audio, expected {settings.sample_rate}")
        try:
            arrays = utterance_features(audio, analysis, entry, settings)
        except AlignmentError as exc:
            counts["failed"] += 1
            log.warning("%s: %s", entry["utt_id"], exc)
            continue
        save_npz_atomic(target, **arrays)
        counts["made"] += 1
    if recompute_stats or not (out / "stats.json").exists():
        stats = corpus_stats(out, settings)
        tmp = out / "stats.json.tmp"
        tmp.write_text(json.dumps(stats, indent=1))
        os.replace(tmp, out / "stats.json")
        log.info("align: %s; stats over %d utterances, %.2f h", counts, stats["utterances"], stats["hours"])
    else:
        log.info("align: %s; stats.json kept (--recompute-stats to rewrite it)", counts)
    return counts


def corpus_stats(folder: Path, settings: MelSettings) -> dict[str, Any]:
    """Normalisation statistics over every neutral ``*.npz`` in ``folder``."""
    mel_sum = np.zeros(settings.num_mels)
    mel_sq = np.zeros(settings.num_mels)
    frames = 0
    log_f0: list[np.ndarray] = []
    energy: list[np.ndarray] = []
    utterances = 0
    for path in sorted(folder.glob("*.npz")):
        with np.load(path) as z:
            if str(z["emotion"]) != "neutral":
                continue
            mel = z["mel"].astype(np.float64)
            units = parse_symbols(str(z["symbols"]))
            phones = np.array([not u.is_boundary for u in units])
            log_f0.append(z["log_f0"][phones])
            energy.append(z["phone_energy"][phones])
        mel_sum += mel.sum(0)
        mel_sq += (mel ** 2).sum(0)
        frames += len(mel)
        utterances += 1
    if not utterances:
        raise ValueError(f"no features in {folder}")
    mean = mel_sum / frames
    std = np.sqrt(np.maximum(mel_sq / frames - mean ** 2, 1e-8))
    lf, en = np.concatenate(log_f0), np.concatenate(energy)
    return {
        "utterances": utterances,
        "hours": frames * settings.hop_length / settings.sample_rate / 3600,
        "mel_settings": settings.to_json(),
        "mel_mean": mean.round(6).tolist(),
        "mel_std": std.round(6).tolist(),
        "log_f0_mean": float(lf.mean()),
        "log_f0_std": float(lf.std()),
        "energy_mean": float(en.mean()),
        "energy_std": float(en.std()),
    }


def rendered_features(audio: np.ndarray, symbols: str, durations: np.ndarray, settings: MelSettings,
                      emotion: str) -> dict[str, Any]:
    """Features of audio whose unit durations are known exactly (start at frame 0)."""
    frames = len(audio) // settings.hop_length
    if frames != int(durations.sum()):
        raise ValueError(f"{frames} frames of audio for {int(durations.sum())} frames of units")
    mag = magnitude(audio, settings)
    f0 = f0_track(audio, settings, frames)
    energy = frame_energy(mag)
    return {
        "symbols": np.array(symbols),
        "durations": durations.astype(np.int32),
        "start": np.array(0, np.int32),
        "mel": mel_from_magnitude(mag, settings).astype(np.float16),
        "f0": f0,
        "energy": energy,
        "log_f0": phone_log_f0(f0, durations),
        "phone_energy": phone_energy(energy, durations),
        "emotion": np.array(emotion),
    }


def run_emotions(workdir: Path, emotions: tuple[str, ...], settings: MelSettings = MelSettings(),
                 limit: int | None = None, progress: bool = True, shard: tuple[int, int] = (0, 1)) -> dict[str, int]:
    """Render every neutral utterance of ``features/`` in ``emotions`` (see :mod:`.emotion`):
    ``emotion_wavs/<utt>__<emotion>.flac`` + ``features/<utt>__<emotion>.npz``; resumable.

    ``shard`` (k, n): only the k-th of every n utterances (sorted), so n processes share the work
    on n cores without rendering anything twice; ``limit`` applies before sharding."""
    import soundfile as sf
    from tqdm import tqdm

    from .corpus import write_flac_atomic
    from .emotion import RULES, analyse, render, rendering_stem, source_utterance

    unknown = [e for e in emotions if e not in RULES]
    if unknown:
        raise ValueError(f"no rendering rule for {unknown}; known: {sorted(RULES)}")
    feats = workdir / "features"
    wav_out = workdir / "emotion_wavs"
    wav_out.mkdir(parents=True, exist_ok=True)
    k, n = shard
    if not 0 <= k < n:
        raise ValueError(f"shard {k}/{n}: need 0 <= k < n")
    neutral = [p for p in sorted(feats.glob("*.npz")) if source_utterance(p.stem) is None][:limit][k::n]
    counts = {"made": 0, "present": 0}
    for path in tqdm(neutral, desc="emotions", disable=not progress):
        todo = [e for e in emotions if not (feats / f"{rendering_stem(path.stem, e)}.npz").exists()]
        counts["present"] += len(emotions) - len(todo)
        if not todo:
            continue
        with np.load(path) as z:
            symbols = str(z["symbols"])
            start, durations = aligned_span(z)  # renderings keep the first consonant's onset
        boundary = np.array([u.is_boundary for u in parse_symbols(symbols)])
        audio, _ = sf.read(str(workdir / "wavs" / f"{path.stem}.flac"), dtype="float32")
        world = analyse(audio, settings.sample_rate)
        for emotion in todo:
            y, new = render(audio, settings.sample_rate, settings.hop_length, start, durations, boundary,
                            RULES[emotion], analysis=world)
            stem = rendering_stem(path.stem, emotion)
            write_flac_atomic(wav_out / f"{stem}.flac", y)
            save_npz_atomic(feats / f"{stem}.npz", **rendered_features(y, symbols, new, settings, emotion))
            counts["made"] += 1
    log.info("emotions: %s", counts)
    return counts

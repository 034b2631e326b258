"""The ``corpus`` stage: teacher audio for every sentence of the training list.

For each ``utt_id \\t text`` line: text -> Kokoro phonemes (our frontend's spoken pinyin, or misaki),
teacher audio at 24 kHz -> 16 kHz (soxr), peak-safe, leading/trailing silence trimmed conservatively
(50 ms kept), ``wavs/<utt_id>.flac`` (PCM 16-bit, 16 kHz) written atomically, and one JSON line per
utterance appended to ``manifest.jsonl``. Re-running skips utterances whose file is valid and listed.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from .teacher import FRAME_SAMPLES as TEACHER_FRAME_SAMPLES
from .teacher import SAMPLE_RATE as TEACHER_RATE
from .teacher import TeacherError, TeacherTTS, frontend_phonemes, misaki_phonemes

log = logging.getLogger(__name__)

TARGET_RATE = 16000  # KAN-TTS 16 kHz recipe (hop 200, 80 mel bands)
PEAK = 0.97
KEEP_SILENCE_S = 0.05
FRAME_S = 0.01
SILENCE_DB = -45.0  # frame RMS below peak frame RMS by this much counts as silence
DEFAULT_FRONTEND = "sambert_edge.frontend:Frontend"
PHONEME_SOURCES = ("frontend", "misaki")


# ---------------------------------------------------------------- audio
def to_16k(audio24k: np.ndarray) -> np.ndarray:
    """Resample teacher audio (24 kHz) to 16 kHz with soxr (very high quality)."""
    import soxr

    return soxr.resample(np.asarray(audio24k, np.float32), TEACHER_RATE, TARGET_RATE, quality="VHQ").astype(np.float32)


def peak_safe(audio: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """Scale down (never up) so that ``max|x| <= peak``."""
    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    return audio * (peak / top) if top > peak else audio


def trim_silence(audio: np.ndarray, sr: int = TARGET_RATE, keep_s: float = KEEP_SILENCE_S,
                 threshold_db: float = SILENCE_DB) -> np.ndarray:
    """Cut leading/trailing frames quieter than ``threshold_db`` below the loudest 10 ms frame.

    ``keep_s`` of the cut silence is kept on each side. Silent input is returned unchanged.
    """
    start, end = trim_bounds(audio, sr, keep_s, threshold_db)
    return audio[start:end]


def trim_bounds(audio: np.ndarray, sr: int = TARGET_RATE, keep_s: float = KEEP_SILENCE_S,
                threshold_db: float = SILENCE_DB) -> tuple[int, int]:
    """``(start, end)`` sample range that :func:`trim_silence` keeps."""
    hop = max(1, int(sr * FRAME_S))
    n = len(audio) // hop
    if n == 0:
        return 0, len(audio)
    frames = audio[: n * hop].reshape(n, hop).astype(np.float64)
    rms = np.sqrt(np.mean(frames ** 2, axis=1) + 1e-20)
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > threshold_db)
    if rms.max() < 1e-6 or loud.size == 0:
        return 0, len(audio)
    keep = int(sr * keep_s)
    return max(0, loud[0] * hop - keep), min(len(audio), (loud[-1] + 1) * hop + keep)


def postprocess(audio24k: np.ndarray) -> np.ndarray:
    """Teacher output -> training audio: 16 kHz, peak-safe, trimmed."""
    return postprocess_aligned(audio24k)[0]


def postprocess_aligned(audio24k: np.ndarray) -> tuple[np.ndarray, int]:
    """As :func:`postprocess`, plus the number of 16 kHz samples trimmed from the start
    (needed to place the teacher's token durations on the stored audio)."""
    audio = peak_safe(to_16k(audio24k))
    start, end = trim_bounds(audio)
    return audio[start:end], start


def write_flac_atomic(path: Path, audio16k: np.ndarray) -> None:
    """Write 16-bit FLAC under a temporary name in the same folder, then ``os.replace``."""
    import soundfile as sf

    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.flac")
    sf.write(str(tmp), np.clip(audio16k, -1.0, 1.0), TARGET_RATE, subtype="PCM_16", format="FLAC")
    os.replace(tmp, path)


def valid_audio(path: Path) -> bool:
    """True when ``path`` is a readable 16 kHz mono audio file with at least 0.1 s."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # noqa: BLE001 - any unreadable file is simply invalid
        return False
    return info.samplerate == TARGET_RATE and info.channels == 1 and info.frames >= TARGET_RATE // 10


# ---------------------------------------------------------------- text side
def load_frontend(spec: str = DEFAULT_FRONTEND) -> Any:
    """Instantiate a frontend from ``module:Class`` or ``path/to/file.py:Class``."""
    target, _, attr = spec.partition(":")
    attr = attr or "Frontend"
    if target.endswith(".py"):
        name = Path(target).stem
        spec_obj = importlib.util.spec_from_file_location(name, target)
        if spec_obj is None or spec_obj.loader is None:
            raise ImportError(f"cannot load {target}")
        module = importlib.util.module_from_spec(spec_obj)
        sys.modules[name] = module
        spec_obj.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    return getattr(module, attr)()


def spoken_pinyin(analysis: Any) -> str:
    """Spoken pinyin of an analysis: syllables joined by spaces, words by `` | ``."""
    words = []
    for sentence in analysis.sentences:
        for word in sentence.words:
            sylls = [s.spoken for s in word.syllables if s.spoken]
            if sylls:
                words.append(" ".join(sylls))
    return " | ".join(words)


def misaki_pinyin(text: str) -> str:
    """The pinyin misaki's legacy G2P reads (cn2an, jieba words, pypinyin TONE3), same layout."""
    import re

    import cn2an
    import jieba
    from pypinyin import Style, lazy_pinyin

    text = cn2an.transform(text, "an2cn")
    words = []
    for segment in re.findall(r"[\u4e00-\u9fff]+", text):
        for w in jieba.lcut(segment):
            words.append(" ".join(lazy_pinyin(w, style=Style.TONE3, neutral_tone_with_five=True)))
    return " | ".join(words)


@dataclass
class TextView:
    """What the teacher is fed for one sentence."""

    normalized: str
    pinyin: str
    phonemes: str


def text_viewer(source: str, frontend_spec: str = DEFAULT_FRONTEND) -> Callable[[str], TextView]:
    """A function text -> :class:`TextView` for phoneme source ``frontend`` (b) or ``misaki`` (a)."""
    if source == "frontend":
        fe = load_frontend(frontend_spec)

        def view(text: str) -> TextView:
            analysis = fe.analyze(text)
            return TextView(str(analysis.normalized), spoken_pinyin(analysis), frontend_phonemes(analysis))

        return view
    if source == "misaki":
        import cn2an

        return lambda text: TextView(cn2an.transform(text, "an2cn"), misaki_pinyin(text), misaki_phonemes(text))
    raise ValueError(f"phoneme source must be one of {PHONEME_SOURCES}")


# ---------------------------------------------------------------- the stage
def read_tsv(path: str | Path) -> Iterator[tuple[str, str]]:
    """``utt_id \\t text`` lines (``#`` comments and blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            utt_id, text = line.rstrip("\n").split("\t", 1)
            yield utt_id, text


def read_manifest(path: Path) -> dict[str, dict]:
    """utt_id -> entry; a torn last line (crash while appending) is ignored."""
    entries: dict[str, dict] = {}
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                entries[entry["utt_id"]] = entry
    return entries


def _append(path: Path, entry: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def run_corpus(sentences: str | Path, workdir: str | Path, style: str, speed: float = 1.0,
               threads: int = 1, limit: int | None = None, source: str = "frontend",
               frontend_spec: str = DEFAULT_FRONTEND) -> dict:
    """Generate teacher audio for ``sentences`` (TSV) into ``workdir``; returns counts."""
    from tqdm import tqdm

    workdir = Path(workdir)
    wavs = workdir / "wavs"
    wavs.mkdir(parents=True, exist_ok=True)
    lock = _lock(workdir / "corpus.lock")
    for stale in wavs.glob(".*.tmp.flac"):  # left by a killed run; we hold the lock
        stale.unlink(missing_ok=True)
    manifest_path = workdir / "manifest.jsonl"
    done = read_manifest(manifest_path)
    items = list(read_tsv(sentences))[: limit or None]
    view = text_viewer(source, frontend_spec)
    source_tag = source if frontend_spec == DEFAULT_FRONTEND or source != "frontend" else f"frontend={frontend_spec}"
    teacher = TeacherTTS.load(workdir / "models", threads=threads)
    counts = {"total": len(items), "skipped": 0, "made": 0, "failed": 0, "audio_s": 0.0, "synth_s": 0.0}
    log.info("corpus: %d sentences, style=%s speed=%s source=%s threads=%d", len(items), style, speed, source_tag, threads)
    for utt_id, text in tqdm(items, desc="corpus", unit="utt", mininterval=10.0, file=sys.stderr):
        path = wavs / f"{utt_id}.flac"
        try:
            tv = view(text)
            entry = {
                "utt_id": utt_id, "text": text, "normalized": tv.normalized, "pinyin": tv.pinyin,
                "phonemes": tv.phonemes, "phoneme_source": source_tag, "style": style, "speed": speed,
            }
            old = done.get(utt_id)
            same = old is not None and "token_frames" in old and all(
                old.get(k) == entry[k] for k in ("text", "phonemes", "style", "speed"))
            if same and valid_audio(path):
                counts["skipped"] += 1
                continue
            # (An audio file without its manifest line, left by a crash between the two writes,
            # is made again: its token durations exist only in the manifest.)
            t0 = time.perf_counter()
            audio24k, frames = teacher.synthesize_aligned(tv.phonemes, style, speed)
            seconds = time.perf_counter() - t0
            audio, trimmed = postprocess_aligned(audio24k)
            write_flac_atomic(path, audio)
            duration = len(audio) / TARGET_RATE
            entry["token_frames"] = frames.tolist()
            entry["token_frame_samples"] = TEACHER_FRAME_SAMPLES
            entry["trim_start_16k"] = int(trimmed)
            counts["synth_s"] += seconds
            counts["audio_s"] += len(audio24k) / TEACHER_RATE
            counts["made"] += 1
        except (TeacherError, ValueError, KeyError, IndexError) as exc:
            counts["failed"] += 1
            log.warning("%s failed: %s (%s)", utt_id, exc, text)
            continue
        entry["duration"] = round(duration, 3)
        _append(manifest_path, entry)
        done[utt_id] = entry
        if counts["made"] and counts["made"] % 100 == 0:
            log.info("progress: %s, RTF %.3f", {k: v for k, v in counts.items() if k not in ("audio_s", "synth_s")},
                     counts["synth_s"] / max(counts["audio_s"], 1e-9))
    if counts["audio_s"]:
        counts["rtf"] = counts["synth_s"] / counts["audio_s"]
    log.info("corpus done: %s", counts)
    lock.close()
    return counts


def _lock(path: Path) -> Any:
    """Hold an exclusive lock on ``path`` for this run (two runs would fight over the files)."""
    import fcntl

    f = open(path, "a+")  # not "w": a refused second run must not erase the holder's pid
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        f.close()
        raise SystemExit(f"another corpus run holds {path}") from exc
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f

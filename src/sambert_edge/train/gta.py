"""The ``gta`` stage: ground-truth-aligned mels from the trained acoustic model, for the vocoder.

A vocoder trained only on analysis mels has never seen the smoother mels the acoustic model
predicts, and renders them with a buzz; fine-tuning it on teacher-forced ("GTA") mels, which keep
the real durations so they line up with the recorded audio sample for sample, closes that gap
(Shen et al., "Natural TTS synthesis by conditioning WaveNet on mel spectrogram predictions", 2018).

For each ``features/<utt>.npz`` of the chosen emotions, writes ``<out>/<utt>.npy``: float16
[F, num_mels], normalised like the acoustic model's output, covering the same F frames as the
analysis mel -- the acoustic model's teacher-forced postnet output on the frames its units
cover (``start`` .. ``start + sum(durations)``), the normalised analysis mel outside them (the
trimmed leading/trailing silence). ``train-vocoder --mels <out>`` reads them.

With ``free_running`` the decoder runs autoregressively, as at inference, on the true durations,
pitch and energy instead of being fed the teacher's frames: the mels still line up with the audio,
but carry the errors the decoder makes when it feeds on its own output (measured as the largest
acoustic-model cost, recipe stage 7), so a vocoder fine-tuned on them learns to render those.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from .am_data import Normaliser, collate, load_example
from .features import aligned_span
from .export_student import load_student_am
from .student import SPEAKERS

log = logging.getLogger(__name__)


def gta_mel(model: torch.nn.Module, features: Path, norm: Normaliser, free_running: bool = False) -> np.ndarray:
    """One utterance -> normalised mel float32 [F, num_mels] with the predicted frames spliced in
    (teacher-forced, or ``free_running`` on the true durations, pitch and energy)."""
    example = load_example(features, norm, SPEAKERS, SPEAKERS[0])
    with np.load(features) as z:
        start, _ = aligned_span(z)
        full = (z["mel"].astype(np.float32) - norm.mel_mean) / norm.mel_std
    batch = collate([example], model.config.outputs_per_step)
    with torch.no_grad():
        out = model(
            batch["ling"], batch["emotion"], batch["speaker"],
            input_lengths=batch["input_lengths"], output_lengths=batch["output_lengths"],
            mel_targets=batch["mel"], duration_targets=batch["durations"].float(),
            pitch_targets=batch["pitch"], energy_targets=batch["energy"], free_running=free_running,
        )
    predicted = out.postnet_outputs[0, : example.frames].numpy()
    full[start: start + len(predicted)] = predicted
    return full


def _save_atomic(path: Path, array: np.ndarray) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, array)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_gta_mels(workdir: Path, am_dir: Path, out: Path, emotions: tuple[str, ...],
                   force: bool = False, progress: bool = True, free_running: bool = False) -> dict[str, int]:
    """Write ``out/<utt>.npy`` for every utterance of ``emotions``; existing files are kept unless ``force``.

    Returns counts {"made", "present", "skipped"} (skipped = other emotions).
    """
    model = load_student_am(am_dir)
    norm = Normaliser.load(workdir / "features" / "stats.json")
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted(p for p in (workdir / "features").glob("*.npz"))
    counts = {"made": 0, "present": 0, "skipped": 0}
    if progress:
        from tqdm import tqdm

        paths = tqdm(paths, desc="gta", unit="utt")
    for path in paths:
        with np.load(path) as z:
            if "emotion" not in z or str(z["emotion"]) not in emotions:
                counts["skipped"] += 1
                continue
        target = out / f"{path.stem}.npy"
        if target.exists() and not force:
            counts["present"] += 1
            continue
        _save_atomic(target, gta_mel(model, path, norm, free_running).astype(np.float16))
        counts["made"] += 1
    log.info("gta: %s into %s", counts, out)
    return counts

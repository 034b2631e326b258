"""Training examples for the acoustic model: ``features/*.npz`` -> padded, normalised batches."""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..acoustic import encode_units
from ..frontend.symbols import parse_symbols, with_emotion
from .emotion import source_utterance, stem_emotion
from .features import aligned_span, phone_energy, phone_log_f0


@dataclass
class Example:
    utt_id: str
    ling: np.ndarray        # int64 [T, 4]
    emotion: np.ndarray     # int64 [T]
    speaker: np.ndarray     # int64 [T]
    durations: np.ndarray   # int64 [T]
    pitch: np.ndarray       # float32 [T] z-scored log f0
    energy: np.ndarray      # float32 [T] z-scored
    mel: np.ndarray         # float32 [F, 80] z-scored per bin, F = durations.sum()

    @property
    def frames(self) -> int:
        return len(self.mel)


@dataclass(frozen=True)
class Normaliser:
    mel_mean: np.ndarray
    mel_std: np.ndarray
    log_f0_mean: float
    log_f0_std: float
    energy_mean: float
    energy_std: float

    @classmethod
    def load(cls, path: Path) -> Normaliser:
        s = json.loads(Path(path).read_text())
        return cls(np.array(s["mel_mean"], np.float32), np.array(s["mel_std"], np.float32),
                   s["log_f0_mean"], s["log_f0_std"], s["energy_mean"], s["energy_std"])

    def to_json(self) -> dict:
        return {"log_f0_mean": self.log_f0_mean, "log_f0_std": self.log_f0_std,
                "energy_mean": self.energy_mean, "energy_std": self.energy_std}


def load_example(path: Path, norm: Normaliser, speakers: tuple[str, ...], speaker: str) -> Example:
    with np.load(path) as z:
        emotion = str(z["emotion"])
        units = with_emotion(parse_symbols(str(z["symbols"])), emotion)
        ids = encode_units(units, speakers, speaker)
        start, durations = aligned_span(z)
        mel = z["mel"].astype(np.float32)[start: start + int(durations.sum())]
        log_f0, phone_e = z["log_f0"], z["phone_energy"]
        if start != int(z["start"]):  # the first unit was widened to its onset: its means change
            log_f0 = phone_log_f0(z["f0"][start:], durations)
            phone_e = phone_energy(z["energy"][start:], durations)
        return Example(
            utt_id=path.stem,
            ling=ids.ling, emotion=ids.emotion, speaker=ids.speaker, durations=durations,
            pitch=((log_f0 - norm.log_f0_mean) / norm.log_f0_std).astype(np.float32),
            energy=((phone_e - norm.energy_mean) / norm.energy_std).astype(np.float32),
            mel=(mel - norm.mel_mean) / norm.mel_std,
        )


def epoch_examples(examples: list[Example], renderings: int | None, rng: random.Random,
                   repeat: dict[str, int] | None = None) -> list[Example]:
    """One epoch's examples: every neutral utterance, plus at most ``renderings`` of its emotion
    renderings (``<utt>__<emotion>``), drawn afresh each epoch; ``None`` keeps them all. With three
    renderings per utterance, all of them make three quarters of every epoch resynthesised speech.
    ``repeat`` (emotion -> K >= 1): each drawn example of that emotion goes K times into the epoch,
    a larger share of the gradient for an emotion the student models worst (the copies mostly share
    a length-sorted batch, which amounts to weighting that example's loss K times)."""
    if renderings is None:
        out = list(examples)
    else:
        by_utt: dict[str, list[Example]] = {}
        out = []
        for e in examples:
            source = source_utterance(e.utt_id)
            if source is None:
                out.append(e)
            else:
                by_utt.setdefault(source, []).append(e)
        for group in by_utt.values():
            out.extend(rng.sample(group, min(renderings, len(group))))
    if repeat:
        out = [e for e in out for _ in range(repeat.get(stem_emotion(e.utt_id), 1))]
    return out


def batches(examples: list[Example], max_frames: int, rng: random.Random) -> list[list[Example]]:
    """Length-sorted buckets holding at most ``max_frames`` padded frames each, in random order."""
    ordered = sorted(examples, key=lambda e: e.frames)
    out: list[list[Example]] = []
    current: list[Example] = []
    for ex in ordered:
        if current and (len(current) + 1) * ex.frames > max_frames:
            out.append(current)
            current = []
        current.append(ex)
    if current:
        out.append(current)
    rng.shuffle(out)
    return out


def collate(batch: list[Example], r: int) -> dict[str, torch.Tensor]:
    """Pad a batch; mel frames to a multiple of r (the LFR grouping)."""
    n = len(batch)
    t_max = max(len(e.durations) for e in batch)
    f_max = max(e.frames for e in batch)
    f_max += (-f_max) % r
    mels = batch[0].mel.shape[1]
    out = {
        "ling": torch.zeros(n, t_max, 4, dtype=torch.long),
        "emotion": torch.zeros(n, t_max, dtype=torch.long),
        "speaker": torch.zeros(n, t_max, dtype=torch.long),
        "durations": torch.zeros(n, t_max, dtype=torch.long),
        "pitch": torch.zeros(n, t_max),
        "energy": torch.zeros(n, t_max),
        "mel": torch.zeros(n, f_max, mels),
        "input_lengths": torch.tensor([len(e.durations) for e in batch]),
        "output_lengths": torch.tensor([e.frames for e in batch]),
    }
    for i, e in enumerate(batch):
        t, f = len(e.durations), e.frames
        out["ling"][i, :t] = torch.from_numpy(e.ling)
        out["emotion"][i, :t] = torch.from_numpy(e.emotion)
        out["speaker"][i, :t] = torch.from_numpy(e.speaker)
        out["durations"][i, :t] = torch.from_numpy(e.durations)
        out["pitch"][i, :t] = torch.from_numpy(e.pitch)
        out["energy"][i, :t] = torch.from_numpy(e.energy)
        out["mel"][i, :f] = torch.from_numpy(e.mel)
    return out


def validation_ids(utt_ids: list[str], per_mille: float) -> set[str]:
    """The utterances ``train-am`` holds out: those whose source utterance's CRC-32 falls in the
    lowest ``per_mille`` thousandths of its range, with every rendering of them.

    A hash rather than a position in the sorted ids, so the held-out set only grows as the corpus
    grows (validation losses of runs on different corpora share their old utterances), and a text
    is never trained on in one emotion while validated in another.
    """
    cutoff = per_mille / 1000 * 2 ** 32
    return {u for u in utt_ids if zlib.crc32((source_utterance(u) or u).encode("utf-8")) < cutoff}

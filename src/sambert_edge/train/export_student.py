"""The ``export`` stage for the bundled voice: student checkpoints -> a voice folder.

Reads ``<am>/config.json`` + ``<am>/weights.pt`` (written by ``train-am``) and the same pair from
``<vocoder>``, loads them strictly, and writes ONNX graphs + ``voice.json`` with
:func:`~sambert_edge.train.export.export_voice`.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..voice import VoiceConfig
from .export import export_voice
from .features import MelSettings
from .models.config import SambertConfig
from .models.sambert import KanTtsSAMBERT
from .models.vocos import VocosConfig, VocosGenerator


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    path = folder / "weights.pt"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist (train first)")
    return {k: v.float() if v.is_floating_point() else v for k, v in torch.load(path, map_location="cpu").items()}


def load_student_am(folder: Path) -> KanTtsSAMBERT:
    params = json.loads((folder / "config.json").read_text())["am"]
    model = KanTtsSAMBERT(SambertConfig.from_kantts(params))
    model.load_state_dict(_weights(folder), strict=True)
    return model.eval()


def load_student_vocoder(folder: Path) -> VocosGenerator:
    params = json.loads((folder / "config.json").read_text())["vocoder"]
    model = VocosGenerator(VocosConfig(**params))
    model.load_state_dict(_weights(folder), strict=True)
    return model.eval()


def export_student(am: Path, vocoder: Path, out: Path, *, name: str, speakers: tuple[str, ...],
                   emotions: tuple[str, ...], emotion_pace: dict[str, float] | None = None) -> VoiceConfig:
    return export_voice(load_student_am(am), load_student_vocoder(vocoder), out, name=name, speakers=speakers,
                        emotions=emotions, sample_rate=MelSettings().sample_rate, sentence_silence_s=0.15,
                        emotion_pace=emotion_pace)

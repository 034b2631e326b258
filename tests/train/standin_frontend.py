"""A stand-in for ``sambert_edge.frontend.Frontend`` (dev/test only, never shipped in the package).

Builds the same shape as ``Frontend().analyze(text)`` from cn2an (digits -> hanzi), jieba words and
``pypinyin.lazy_pinyin(..., Style.TONE3, neutral_tone_with_five=True)``: no tone sandhi, no erhua,
``spoken == pinyin``; boundary 1 after each word, 3 at a comma-like mark, 4 at the sentence end.
Use it with ``python -m sambert_edge.train teacher-check --frontend tests/train/standin_frontend.py:StandinFrontend``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMA = set("，、,；;：:")
_STOP = set("。！？!?")


@dataclass
class Syllable:
    text: str
    pinyin: str
    spoken: str


@dataclass
class Word:
    text: str
    syllables: list[Syllable] = field(default_factory=list)
    boundary: int = 1


@dataclass
class Sentence:
    text: str
    words: list[Word] = field(default_factory=list)


@dataclass
class Analysis:
    text: str
    normalized: str
    sentences: list[Sentence]


class StandinFrontend:
    def analyze(self, text: str) -> Analysis:
        import cn2an
        import jieba
        from pypinyin import Style, lazy_pinyin

        normalized = cn2an.transform(text, "an2cn")
        sentences = []
        for chunk in re.findall(r"[^。！？!?]+[。！？!?]*", normalized):
            sentence = Sentence(text=chunk)
            for token in jieba.lcut(chunk):
                if all(c in _COMMA or c in _STOP or c.isspace() for c in token):
                    if sentence.words:
                        level = 4 if any(c in _STOP for c in token) else 3
                        if token.strip():
                            sentence.words[-1].boundary = max(sentence.words[-1].boundary, level)
                    continue
                hanzi = [c for c in token if "\u4e00" <= c <= "\u9fff"]
                if not hanzi:
                    continue
                readings = lazy_pinyin("".join(hanzi), style=Style.TONE3, neutral_tone_with_five=True)
                sylls = [Syllable(c, p, p) for c, p in zip(hanzi, readings)]
                sentence.words.append(Word(token, sylls, 1))
            if sentence.words:
                sentence.words[-1].boundary = 4
                sentences.append(sentence)
        return Analysis(text=text, normalized=normalized, sentences=sentences)

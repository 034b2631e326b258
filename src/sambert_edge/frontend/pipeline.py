"""The text frontend: raw text -> normalized text -> sentences of read words -> KAN-TTS symbols."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


from .analysis import Analysis, Sentence, Syllable, Word, is_hanzi
from .errors import FrontendError
from .fingerprint import reading_fingerprint
from .lexicon import Lexicon, Override, read_lexicon, split_overrides
from .normalize import normalize
from .pinyin import PinyinPredictor
from .prosody import (
    boundary_levels,
    chunk_bounds,
    ends_sentence,
    is_punctuation,
    split_sentences,
)
from .segmenter import load_tokenizer
from .spoken import spoken_readings
from .syllables import spell_letters
from .validation import DEFAULT_MAX_CHARS, check_text

_LATIN_RE = re.compile(r"[A-Za-z]+")
_LEXICON_FREQ = 10**6
"""jieba frequency given to lexicon words so segmentation keeps them whole."""


@dataclass(frozen=True)
class FrontendConfig:
    """Frontend settings; every field has a default that suits speech synthesis."""

    max_chars: int = DEFAULT_MAX_CHARS
    """Longest text accepted by ``analyze``."""
    max_chunk_syllables: int = 40
    """Longest sentence/clause handed to the acoustic model (streaming unit)."""
    lexicon_paths: tuple[str, ...] = ()
    """User lexicon files (``word pinyin...`` per line), applied after the built-in one."""


@dataclass(frozen=True)
class _Token:
    text: str
    override: tuple[str, ...] | None = None


class Frontend:
    """Reads Chinese text aloud on paper: normalization, G2P, sandhi, prosody, symbols.

    Loads its resources (jieba dictionary, polyphone model, lexicons) once; ``analyze`` is
    thread-safe afterwards (no per-call state is stored on the object).
    """

    def __init__(self, config: FrontendConfig | None = None) -> None:
        self.config = config or FrontendConfig()
        # jieba logs its dictionary loading at DEBUG to stderr on import; a library keeps quiet.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        builtin = resources.files("sambert_edge.frontend") / "data" / "latin_words.txt"
        entries = read_lexicon(Path(str(builtin)))
        for path in self.config.lexicon_paths:
            entries.update(read_lexicon(path))
        self.lexicon = Lexicon(entries)
        self.fingerprint = reading_fingerprint(entries, self.config.max_chunk_syllables)
        """What decides readings (code, data, library versions, lexicons): audio caches key on it."""
        self._tokenizer = load_tokenizer()
        for word in entries:
            if not word.isascii():
                self._tokenizer.add_word(word, _LEXICON_FREQ)
        self._predictor = PinyinPredictor()

    def is_word(self, text: str) -> bool:
        return self._tokenizer.FREQ.get(text, 0) > 0

    def analyze(self, text: str) -> Analysis:
        """Read ``text``; raises FrontendError for empty, oversized, broken or unspeakable text."""
        check_text(text, self.config.max_chars)
        lines: list[list[str | Override]] = []
        for line in text.splitlines():
            pieces = [p if isinstance(p, Override) else normalize(p) for p in split_overrides(line)]
            if any(p.text if isinstance(p, Override) else p.strip() for p in pieces):
                lines.append(pieces)
        normalized = "\n".join(
            "".join(p.text if isinstance(p, Override) else p for p in pieces) for pieces in lines
        )
        sentences: list[Sentence] = []
        for pieces in lines:
            for tokens in self._sentence_tokens(pieces):
                sentences.extend(self._read_sentence(tokens))
        if not sentences:
            raise FrontendError("text has nothing to speak (no Chinese characters or letters)")
        return Analysis(text=text, normalized=normalized, sentences=tuple(sentences))

    def _sentence_tokens(self, pieces: list[str | Override]) -> list[list[_Token]]:
        """Segment one line's normalized pieces into sentences of tokens; overrides stay whole."""
        sentences: list[list[_Token]] = [[]]
        for piece in pieces:
            if isinstance(piece, Override):
                sentences[-1].append(_Token(piece.text, piece.syllables))
                continue
            for k, part in enumerate(split_sentences(piece)):
                if k > 0:
                    sentences.append([])
                sentences[-1].extend(_Token(t) for t in self._tokenizer.lcut(part) if t.strip())
            if ends_sentence(piece):
                sentences.append([])
        return [s for s in sentences if s]

    def _read_sentence(self, tokens: list[_Token]) -> list[Sentence]:
        words = [t.text for t in tokens]
        readings, locked = self._readings(tokens)
        chinese = [r if r is not None else [None] * len(w) for w, r in zip(words, readings)]
        spoken = spoken_readings(words, chinese, locked, self.is_word)
        syllables = [
            self._syllables(tok, chinese[i], spoken[i]) for i, tok in enumerate(tokens)
        ]
        counts = [sum(s.spoken is not None for s in syls) for syls in syllables]
        levels = boundary_levels(words, counts)
        out = []
        for start, end in chunk_bounds(counts, levels, self.config.max_chunk_syllables):
            chunk = [
                Word(words[i], syllables[i], levels[i])
                for i in range(start, end) if counts[i] > 0
            ]
            if chunk:
                chunk[-1] = Word(chunk[-1].text, chunk[-1].syllables, 4)
                out.append(Sentence("".join(words[start:end]), tuple(chunk)))
        return out

    def _readings(self, tokens: list[_Token]) -> tuple[list[list | None], list[list[bool]]]:
        """Citation pinyin per character of Chinese tokens (None for other tokens) + locks."""
        predicted = self._predictor.predict([t.text for t in tokens])
        readings: list[list | None] = []
        locked: list[list[bool]] = []
        pos = 0
        for tok in tokens:
            n = len(tok.text)
            chars = predicted[pos:pos + n]
            pos += n
            fixed = tok.override or self.lexicon.get(tok.text)
            if fixed is not None and not tok.text.isascii() and len(fixed) == n:
                readings.append(list(fixed))
                locked.append([True] * n)
            elif any(c is not None for c in chars):
                readings.append(list(chars))
                locked.append([False] * n)
            else:
                readings.append(None)
                locked.append([False] * n)
        return readings, locked

    def _syllables(self, tok: _Token, pinyin: list, spoken: list) -> tuple[Syllable, ...]:
        fixed = tok.override or self.lexicon.get(tok.text)
        if fixed is not None and (tok.text.isascii() or len(fixed) != len(tok.text)):
            return tuple(Syllable(tok.text, s, s) for s in fixed)
        if any(p is not None for p in pinyin):
            return tuple(
                Syllable(ch, p, s) for ch, p, s in zip(tok.text, pinyin, spoken)
                if p is not None
            )
        if is_punctuation(tok.text):
            return ()
        letters = "".join(_LATIN_RE.findall(tok.text))
        return tuple(Syllable(ch, name, name) for ch, name in spell_letters(letters))


__all__ = ["Frontend", "FrontendConfig", "FrontendError", "is_hanzi"]

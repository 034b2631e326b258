"""Pronunciations users fix without code: a lexicon file and inline ``[text|pinyin]`` overrides.

Lexicon file format (UTF-8), one entry per line, ``#`` starts a comment::

    银行  yin2 hang2
    WiFi  wai1 fai1

A Chinese word needs one syllable per character; a Latin word may have any number. The same
format serves the built-in table of Latin words (``data/latin_words.txt``).

Inline override: ``[行|hang2]`` or ``[银行|yin2 hang2]`` anywhere in the text; the text inside is
spoken exactly with the given syllables (no normalization, no sandhi).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import FrontendError
from .syllables import SyllableError, syllable_phones

_OVERRIDE_RE = re.compile(r"\[([^\[\]|]+)\|([^\[\]|]+)\]")
_HANZI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _check_syllables(text: str, syllables: tuple[str, ...], where: str) -> None:
    if not syllables:
        raise FrontendError(f"{where}: no pinyin given for {text!r}")
    for s in syllables:
        try:
            syllable_phones(s)
        except SyllableError as e:
            raise FrontendError(f"{where}: {e}") from None
    n_hanzi = len(_HANZI_RE.findall(text))
    if n_hanzi and n_hanzi != len(syllables):
        raise FrontendError(
            f"{where}: {text!r} has {n_hanzi} Chinese characters but {len(syllables)} syllables"
        )


@dataclass(frozen=True)
class Override:
    """A span of text whose reading the user fixed."""

    text: str
    syllables: tuple[str, ...]


def split_overrides(text: str) -> list[str | Override]:
    """Split text into plain segments and inline overrides, in order.

    ``"去[银行|yin2 hang2]吧"`` -> ``["去", Override("银行", ("yin2", "hang2")), "吧"]``.
    Raises FrontendError naming the override whose pinyin is invalid.
    """
    parts: list[str | Override] = []
    pos = 0
    for m in _OVERRIDE_RE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos:m.start()])
        span, pinyin = m.group(1).strip(), tuple(m.group(2).lower().split())
        _check_syllables(span, pinyin, f"override {m.group(0)!r}")
        parts.append(Override(span, pinyin))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return parts


class Lexicon:
    """Word -> syllables, from lexicon files; later files win. Latin words match any case."""

    def __init__(self, entries: dict[str, tuple[str, ...]] | None = None) -> None:
        self._entries: dict[str, tuple[str, ...]] = {}
        for word, syllables in (entries or {}).items():
            _check_syllables(word, syllables, f"lexicon entry {word!r}")
            self._entries[self._key(word)] = tuple(syllables)

    @staticmethod
    def _key(word: str) -> str:
        return word.lower() if word.isascii() else word

    @classmethod
    def from_files(cls, *paths: str | Path) -> "Lexicon":
        entries: dict[str, tuple[str, ...]] = {}
        for path in paths:
            entries.update(read_lexicon(path))
        return cls(entries)

    def get(self, word: str) -> tuple[str, ...] | None:
        return self._entries.get(self._key(word))

    def words(self) -> list[str]:
        return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def read_lexicon(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Parse a lexicon file; raises FrontendError naming the file and line of a bad entry."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise FrontendError(f"cannot read lexicon {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise FrontendError(f"lexicon {path} is not UTF-8") from None
    entries: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, *syllables = line.split()
        where = f"{path}:{number}"
        if not syllables:
            raise FrontendError(f"{where}: expected 'word pinyin...' but found only {word!r}")
        syllables_t = tuple(s.lower() for s in syllables)
        _check_syllables(word, syllables_t, where)
        entries[word] = syllables_t
    return entries

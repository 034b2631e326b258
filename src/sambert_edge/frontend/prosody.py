"""Sentences, prosody boundaries (#1-#4) and bounded-length chunks for streaming.

Boundaries follow ttsfrd's meaning: #1 after a prosodic word, #2 after a prosodic phrase
(enumeration comma, quotes, or a long run with no punctuation), #3 after an intonational
phrase (comma, colon, semicolon, dash), #4 at a sentence's end. Punctuation itself is not
spoken; it only sets the level of the boundary after the word before it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Punctuation -> the boundary it puts after the preceding word.
PUNCTUATION_LEVEL: dict[str, int] = {
    **dict.fromkeys("。！？!?", 4),
    **dict.fromkeys("，,；;：:…—~～", 3),
    **dict.fromkeys("、“”‘’\"'（）()《》〈〉【】「」『』·/", 2),
}
_SENTENCE_FINAL = ("。", "！", "？", "!", "?", "……")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？!?])|(?<=……)|\n+")
_MAX_PROSODIC_WORD = 4
_PHRASE_SYLLABLES = 7
"""A run of this many syllables with no punctuation gets a #2 break at the next word end."""


def split_sentences(text: str) -> list[str]:
    """Split at sentence-final punctuation and line breaks; drops empty pieces."""
    return [s.strip() for s in _SENTENCE_END_RE.split(text) if s and s.strip()]


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence-final punctuation."""
    return text.rstrip().endswith(_SENTENCE_FINAL)


def is_punctuation(token: str) -> bool:
    return bool(token) and all(ch in PUNCTUATION_LEVEL or ch.isspace() for ch in token)


def boundary_levels(tokens: Sequence[str], syllable_counts: Sequence[int]) -> list[int]:
    """Boundary level (0 = none, 1..4) after each token of one sentence.

    Args:
        tokens: the sentence's lexical words and punctuation marks, in order.
        syllable_counts: syllables spoken for each token (0 for punctuation and spaces).

    Returns:
        One level per token; punctuation tokens get 0 (their level moves to the word before),
        and the last spoken word gets 4.
    """
    levels = [0] * len(tokens)
    spoken = [i for i, n in enumerate(syllable_counts) if n > 0]
    if not spoken:
        return levels
    last_word = None
    group = 0
    since_phrase = 0
    for i, token in enumerate(tokens):
        n = syllable_counts[i]
        if n == 0:
            if last_word is not None and is_punctuation(token):
                levels[last_word] = max(levels[last_word], _punct_level(token))
                since_phrase = 0 if levels[last_word] >= 2 else since_phrase
                group = 0
            continue
        if last_word is not None and levels[last_word] == 0:
            joins = group + n <= _MAX_PROSODIC_WORD and (n == 1 or syllable_counts[last_word] == 1)
            if joins:
                group += n
            else:
                levels[last_word] = 2 if since_phrase >= _PHRASE_SYLLABLES else 1
                since_phrase = 0 if levels[last_word] == 2 else since_phrase
                group = n
        else:
            group = n
        since_phrase += n
        last_word = i
    levels[spoken[-1]] = 4
    return levels


def _punct_level(token: str) -> int:
    return max(PUNCTUATION_LEVEL.get(ch, 0) for ch in token)


def chunk_bounds(syllable_counts: Sequence[int], levels: Sequence[int],
                 max_syllables: int) -> list[tuple[int, int]]:
    """Split one sentence's tokens into chunks of at most ``max_syllables`` syllables.

    Cuts prefer the strongest boundary: a chunk ends at the last #3 that fits, else #2,
    else #1, else any word end. Returns ``[(start, end), ...]`` token index ranges.
    """
    chunks: list[tuple[int, int]] = []
    start = 0
    n_tokens = len(syllable_counts)
    while start < n_tokens:
        total = 0
        best: dict[int, int] = {}
        end = n_tokens
        for i in range(start, n_tokens):
            total += syllable_counts[i]
            if total > max_syllables and best:
                end = best[max(best)] + 1
                break
            if syllable_counts[i] > 0:
                best[min(levels[i], 3) if levels[i] else 0] = i
        chunks.append((start, end))
        start = end
    return chunks

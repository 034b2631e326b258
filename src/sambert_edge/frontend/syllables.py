"""Pinyin syllables -> KAN-TTS phones, erhua merging, and spelling of Latin letters.

The rules reproduce KAN-TTS ``py2phoneMap.txt`` (660 syllables): initial + final, with
pseudo-initials ``ga/ge/go`` for vowel-initial syllables, ``y``/``w`` kept as initials, ``x``
written ``xx``, ü written ``v``, contracted finals expanded (iu -> iou, ui -> uei, un -> uen),
apical vowels ``ii`` (after z/c/s) and ``ih`` (after zh/ch/sh/r), and erhua as r-finals.
"""

from __future__ import annotations

import re

from .symbols import MANDARIN_PHONES, ERHUA_FINALS

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
             "j", "q", "x", "r", "z", "c", "s", "y", "w")
_PSEUDO_INITIAL = {"a": "ga", "e": "ge", "o": "go"}
_U_UMLAUT_INITIALS = frozenset(("n", "l", "j", "q", "xx", "y"))
_CONTRACTED = {"iu": "iou", "ui": "uei", "un": "uen"}
# Interjections outside the standard initial+final grid (嗯 n2, 呣 m2, 噷 hm5, 欸 ê).
_SPECIAL_SYLLABLES = {
    "n": ("ge", "en"), "ng": ("ge", "eng"), "m": ("m", "u"), "hm": ("h", "en"),
    "hng": ("h", "eng"), "ê": ("ge", "ei"), "ea": ("ge", "ei"),
}
_SYLLABLE_RE = re.compile(r"^([a-zêü:]+?)(r?)([1-5])$")

_FINALS = frozenset(p[:-2] for p in MANDARIN_PHONES if p.endswith("_c")) - set(_INITIALS) - {"xx"}
_ERHUA = frozenset(f[:-2] for f in ERHUA_FINALS)


class SyllableError(ValueError):
    """A pinyin syllable that is not Mandarin."""


def split_tone(syllable: str) -> tuple[str, int]:
    """``"hang2"`` -> ``("hang", 2)``; tone 5 is the neutral tone."""
    m = re.fullmatch(r"([a-zêü:]+)([1-5])", syllable)
    if not m:
        raise SyllableError(f"not a pinyin syllable with tone number 1-5: {syllable!r}")
    return m.group(1), int(m.group(2))


def syllable_phones(syllable: str) -> tuple[tuple[str, ...], int]:
    """Phones and tone of one toned pinyin syllable.

    ``"zhuang4"`` -> ``(("zh_c", "uang_c"), 4)``; ``"nar3"`` -> ``(("n_c", "ar_c"), 3)``;
    ``"an1"`` -> ``(("ga", "an_c"), 1)``. ü may be written ``v``, ``u:`` or ``ü``.
    """
    m = _SYLLABLE_RE.match(syllable.lower().replace("u:", "v").replace("ü", "v"))
    if not m:
        raise SyllableError(f"not a pinyin syllable with tone number 1-5: {syllable!r}")
    body, erhua, tone = m.group(1), m.group(2), int(m.group(3))
    if body == "e" and erhua:  # "er" is its own syllable (儿, 二), not e + erhua
        body, erhua = "er", ""
    initial, final = _split(body)
    if erhua:
        final = _erhua_final(final, syllable)
    phones = (initial if initial in _PSEUDO_INITIAL.values() else f"{initial}_c", f"{final}_c")
    return phones, tone


def _split(body: str) -> tuple[str, str]:
    if body in _SPECIAL_SYLLABLES:
        return _SPECIAL_SYLLABLES[body]
    initial = next((i for i in _INITIALS if body.startswith(i) and len(body) > len(i)), "")
    final = body[len(initial):]
    if not initial:
        if final == "er":
            return "ge", "er"
        initial = _PSEUDO_INITIAL.get(final[0], "")
    elif initial in ("j", "q", "x", "y") and final.startswith("u"):
        final = "v" + final[1:]
    if initial not in ("y", "w"):  # after y/w KAN-TTS keeps the written final (wei -> ei)
        final = _CONTRACTED.get(final, final)
    if final == "i" and initial in ("z", "c", "s"):
        final = "ii"
    elif final == "i" and initial in ("zh", "ch", "sh", "r"):
        final = "ih"
    if initial == "x":
        initial = "xx"
    if final.startswith("v") and initial not in _U_UMLAUT_INITIALS:
        raise SyllableError(f"not a Mandarin syllable: {body!r}")
    if not initial or final not in _FINALS:
        raise SyllableError(f"not a Mandarin syllable: {body!r}")
    return initial, final


def _erhua_final(final: str, syllable: str) -> str:
    merged = "er" if final == "e" else f"{final}r"
    if merged != "er" and merged not in _ERHUA:
        raise SyllableError(f"no erhua final for {syllable!r}")
    return merged


def merge_erhua(host: str, er: str) -> str:
    """Merge a host syllable with a following 儿 (``"na3", "er2"`` -> ``"nar3"``).

    The merged syllable keeps the host's tone: erhua adds rhotacisation, not a syllable.
    """
    body, tone = split_tone(host)
    split_tone(er)
    if body.endswith("r") and body != "er":
        return host
    return f"{body}r{tone}"


# Latin letters spelled as Chinese-style letter names (the policy for a Mandarin-only voice:
# every symbol stays in the Mandarin phone inventory the voices were trained on).
LETTER_NAMES: dict[str, tuple[str, ...]] = {
    "a": ("ei1",), "b": ("bi4",), "c": ("xi1",), "d": ("di4",), "e": ("yi4",),
    "f": ("ai2", "fu5"), "g": ("ji4",), "h": ("ai2", "qi1"), "i": ("ai4",), "j": ("jie4",),
    "k": ("kai4",), "l": ("ai2", "le5"), "m": ("ai2", "mu5"), "n": ("en1",), "o": ("ou1",),
    "p": ("pi4",), "q": ("qiu1",), "r": ("a1", "er5"), "s": ("ai2", "si1"), "t": ("ti4",),
    "u": ("you1",), "v": ("wei1",), "w": ("da2", "bu5", "liu5"), "x": ("ai2", "ke4", "si1"),
    "y": ("wai1",), "z": ("zei4",),
}


def spell_letters(word: str) -> list[tuple[str, str]]:
    """``"GPS"`` -> ``[("G", "ji4"), ("P", "pi4"), ("S", "ai2"), ("S", "si1")]``.

    Each letter yields one or more syllables; the letter is repeated as their text.
    """
    out: list[tuple[str, str]] = []
    for ch in word:
        names = LETTER_NAMES.get(ch.lower())
        if names is None:
            raise SyllableError(f"no letter name for {ch!r}")
        out.extend((ch, n) for n in names)
    return out

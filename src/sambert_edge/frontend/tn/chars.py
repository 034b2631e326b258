"""Character-level clean-up: the first and the last stage of text normalization.

:func:`fold` runs first: it removes control characters, folds full-width and compatibility
forms (NFKC) to the ASCII the number rules read, converts Traditional to Simplified and
collapses whitespace. :func:`finalize` runs last: it folds the remaining ASCII punctuation to
Chinese forms and drops every character that has no reading (emoji, stray symbols).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from types import MappingProxyType

import opencc

# Characters NFKC would break: "…" -> "...", "²" -> "2" (m² must stay a unit), "™" -> "TM".
# They are mapped before NFKC; the private-use placeholders survive NFKC untouched.
_PROTECT = MappingProxyType({"…": "\ue000", "²": "\ue001", "³": "\ue002"})
_UNPROTECT = MappingProxyType({v: k for k, v in _PROTECT.items()})
_BEFORE_NFKC = MappingProxyType({
    "½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅖": "2/5",
    "⅗": "3/5", "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8", "⅝": "5/8",
    "⅞": "7/8", "⁄": "/", "㎡": "m²", "㎥": "m³", "㎠": "cm²", "㎢": "km²",
    "™": "", "®": "", "©": "", "℠": "",
    "「": "“", "」": "”", "『": "‘", "』": "’", "〈": "《", "〉": "》",
    "【": "（", "】": "）", "〔": "（", "〕": "）", "［": "（", "］": "）", "｛": "（", "｝": "）",
    "〖": "（", "〗": "）", "・": "·", "･": "·", "•": " ", "●": " ", "〜": "~",
    "–": "-", "‐": "-", "‑": "-", "‒": "-", "−": "-", "―": "—", "─": "—", "〇": "零",
    "。": "。", "．": ".", "｡": "。", "、": "、", "､": "、",
})
_PROTECT_TABLE = MappingProxyType(str.maketrans(dict(_PROTECT)))
_PRE_TABLE = MappingProxyType(str.maketrans({
    **{k: v.translate(_PROTECT_TABLE) for k, v in _BEFORE_NFKC.items()}, **_PROTECT}))
_POST_TABLE = MappingProxyType(str.maketrans(dict(_UNPROTECT)))
_CONTROL = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f"
                      r"\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f\U000e0000-\U000e007f]")
_SPACES = re.compile(r"\s+")
_OPENCC_CONFIG = "t2s"


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """The Traditional -> Simplified converter, built on first use (loading takes ~10 ms)."""
    return opencc.OpenCC(_OPENCC_CONFIG)


def fold(text: str) -> str:
    """Read raw user text; return it NFKC-folded, Simplified, with single spaces."""
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFKC", text.translate(_PRE_TABLE)).translate(_POST_TABLE)
    if any(ord(ch) > 0x2E7F for ch in text):  # skip the converter for pure ASCII/Latin text
        text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()


# --- final stage -------------------------------------------------------------------------

CJK_PUNCT = "，。！？、；：“”‘’（）《》…—·"
_ELLIPSIS = re.compile(r"\.{2,}|…+|。{3,}")
_LETTER_DOT = re.compile(r"(?<=[A-Za-z])\.(?=[A-Za-z])")
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")
_DASHES = re.compile(r"-{2,}")
_WORD_JOINERS = re.compile(r"(?<=[A-Za-z])[-_/\\|&+](?=[A-Za-z])")
_ASCII_PUNCT = MappingProxyType({
    ",": "，", ".": "。", "!": "！", "?": "？", ";": "；", ":": "：", "(": "（", ")": "）",
    "[": "（", "]": "）", "{": "（", "}": "）", "<": "《", ">": "》",
})
_SPOKEN_SYMBOLS = MappingProxyType({
    "&": "和", "@": "艾特", "=": "等于", "+": "加", "±": "正负", "≈": "约等于", "≠": "不等于",
    "≥": "大于等于", "≤": "小于等于", "∞": "无穷大", "√": "根号", "π": "派", "α": "阿尔法",
    "β": "贝塔", "γ": "伽马", "δ": "德尔塔", "Δ": "德尔塔", "θ": "西塔", "λ": "兰姆达",
    "μ": "缪", "σ": "西格玛", "Ω": "欧米伽", "ω": "欧米伽", "×": "乘", "÷": "除以",
    "²": "的平方", "³": "的立方", "‰": "千分号", "%": "百分号", "°": "度",
})
_DROPPED = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
                      r"A-Za-z \u2026\u2014" + re.escape(CJK_PUNCT) + r"]+")
_SPACE_NOT_BETWEEN_LATIN = re.compile(r"(?<![A-Za-z]) | (?![A-Za-z])")


def _quotes(text: str, ascii_quote: str, opening: str, closing: str) -> str:
    """Replace ASCII quotes alternately with the Chinese opening/closing forms."""
    parts = text.split(ascii_quote)
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        out.append((opening if index % 2 == 0 else closing) + part)
    return "".join(out)


def finalize(text: str) -> str:
    """Read normalized text; return it with Chinese punctuation and unreadable symbols dropped.

    Spaces survive only between two Latin letters (word boundaries the G2P stage needs).
    """
    text = _ELLIPSIS.sub("…", text)
    text = _LETTER_DOT.sub("点", text)
    text = _APOSTROPHE.sub("’", text)
    text = _DASHES.sub("——", text)
    text = _WORD_JOINERS.sub(" ", text)
    text = _quotes(text, '"', "“", "”")
    text = _quotes(text, "'", "‘", "’")
    text = "".join(_ASCII_PUNCT.get(ch) or _SPOKEN_SYMBOLS.get(ch) or ch for ch in text)
    text = _DROPPED.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_NOT_BETWEEN_LATIN.sub("", text)

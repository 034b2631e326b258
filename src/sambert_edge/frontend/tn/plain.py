"""Numbers with no special context: ordinals, fractions, ranges, signs and plain numbers.

These rules run after the context rules (dates, money, units, codes), so what is left is a
quantity: 第3 -> 第三, 3/4 -> 四分之三, 3-5个 -> 三到五个, -5 -> 负五, 2个 -> 两个,
1,000 -> 一千, 3.14 -> 三点一四. Numbers with a leading zero (007) and numbers too long for
Chinese units are digit strings. A dash between numbers is a range (到) unless it is a score:
non-increasing (2-2, 3-1) with no measure word after it, or after a match word (爆冷0-1).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .numbers import read_digits, read_fraction, read_number, strip_trailing_zeros, takes_liang

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_ORDINAL = re.compile(r"第\s*(\d+)(?:\s*([-~到至])\s*(\d+))?")
_FRACTION = re.compile(r"(?<![\d./])(-?\d+)\s*/\s*(\d+)(?![\d/])")
_RANGE = re.compile(r"(?<![\d.A-Za-z])((?:(?<![\d)）])-)?" + _NUMBER + r")\s*[-~—]\s*(" + _NUMBER
                    + r")(?![\d.])")
# A dash between already-read dates or times ("三月一日-三月五日", "九点-十七点") is 到.
_SPOKEN_RANGE = re.compile(r"(?<=[年月日号点分秒])\s*[-~]\s*"
                           r"(?=[零一二两三四五六七八九十\d]|上午|下午|中午|晚上|凌晨|早上)")
_NEGATIVE = re.compile(r"(?<![\dA-Za-z)）])-\s?(?=\d)")
_POSITIVE = re.compile(r"(?<![\dA-Za-z)）])\+(?=\d)")
_PLAIN = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?")
# Whatever digits the rules above left (e.g. after a stray dot) are read one by one, never lost.
_LEFTOVER_DIGITS = re.compile(r"\d+")
_TWO_DIGITS = 2
_SCORE_WINDOW = 6
# A zero-padded month/day/hour drops its zero (03月 三月); 05分 keeps it (零五分).
_PADDED_UNITS = ("月", "日", "号", "时", "点")
_MONEY_WORDS = ("元", "块", "美元", "欧元", "英镑", "港元", "日元")
# 90后, 00后: a birth-decade generation is read digit by digit.
_GENERATION = re.compile(r"(?<![\d.])([05-9][05]|00)(?=后(?![天年月日来面方边期续]))")
_SCORE_CUES = ("比分", "爆冷", "战平", "逆转", "击败", "战胜", "大胜", "小胜", "负于", "不敌", "主场",
               "客场", "半场", "全场", "比赛", "决赛")
# 2到3个: the measure word after the range end decides 两 for the start too.
_RANGE_TAIL = re.compile(r"\s*[到至]\s*\d+(?:\.\d+)?")


def _ordinal(m: re.Match) -> str:
    first, joiner, last = m.groups()
    if last is None:
        return "第" + read_number(first)
    return "第" + read_number(first) + ("到" if joiner in "-~" else joiner) + read_number(last)


def _fraction(m: re.Match) -> str:
    numerator, denominator = m.groups()
    if int(denominator) == 0:
        return m.group(0)
    return read_fraction(numerator, denominator)


def _is_score(m: re.Match, start: str, end: str) -> bool:
    """A dash between non-increasing counts (2-2, 3-1) or after a match word is a score."""
    before = m.string[max(0, m.start() - _SCORE_WINDOW):m.start()]
    if any(cue in before for cue in _SCORE_CUES):
        return True
    plain = start.lstrip("-")
    if start.startswith("-") or not (plain.isdigit() and end.isdigit()):
        return False
    return int(plain) >= int(end)


def _range(m: re.Match) -> str:
    start, end = m.group(1), m.group(2)
    after = m.string[m.end():]
    if not takes_liang(after) and _is_score(m, start, end):
        return read_number(start) + "比" + read_number(end)
    liang = takes_liang(after)
    return read_number(start, liang=liang) + "到" + read_number(end, liang=liang)


def _plain(m: re.Match) -> str:
    whole, frac = m.group(1), m.group(2)
    after = m.string[m.end():]
    if frac is None and len(whole) >= _TWO_DIGITS and whole.startswith("0"):
        if len(whole) == _TWO_DIGITS and after.startswith(_PADDED_UNITS):
            return read_number(whole)  # 03月05日 -> 三月五日
        return read_digits(whole, yao=len(whole) > _TWO_DIGITS)
    if frac and after.startswith(_MONEY_WORDS):
        frac = strip_trailing_zeros("0" + frac)[1:]  # 20.50元 -> 二十点五元
    tail = _RANGE_TAIL.match(after)
    liang = frac is None and takes_liang(after[tail.end():] if tail else after)
    return read_number(whole + (frac or ""), liang=liang)


PLAIN_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (_GENERATION, lambda m: read_digits(m.group(1))),
    (_ORDINAL, _ordinal),
    (_FRACTION, _fraction),
    (_RANGE, _range),
    (_SPOKEN_RANGE, lambda m: "到"),
    (_NEGATIVE, lambda m: "负"),
    (_POSITIVE, lambda m: "正"),
    (_PLAIN, _plain),
    (_LEFTOVER_DIGITS, lambda m: read_digits(m.group(0))),
)

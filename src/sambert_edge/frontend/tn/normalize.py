"""The text-normalization pipeline: raw text -> spoken Chinese characters.

Rules run in a fixed order, most specific context first, because each one rewrites digits to
Chinese characters and so hides them from the rules after it:

1. character folding (full-width, NFKC, Traditional -> Simplified, control characters), and
   breaks between the groups of digit strings written in Chinese numerals;
2. names written with digits: URLs/e-mails, phone numbers, service numbers, room numbers, codes;
3. dates and clock times (before units: 14:30 must not become a ratio, 2024.03.15 not an IP);
4. money, then percentages, units, math expressions and ratios;
5. IP addresses, versions and letter+digit mixes;
6. plain numbers: ordinals, fractions, ranges, signs, cardinals and decimals;
7. punctuation folding and removal of everything without a reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .chars import finalize, fold
from .codes import CODE_RULES, LATE_CODE_RULES, group_written_digits
from .datetime import DATE_TIME_RULES
from .measures import MEASURE_RULES
from .money import MONEY_RULES
from .plain import PLAIN_RULES

Rule = tuple[re.Pattern, Callable[[re.Match], str]]
RULES: tuple[Rule, ...] = (
    *CODE_RULES, *DATE_TIME_RULES, *MONEY_RULES, *MEASURE_RULES, *LATE_CODE_RULES, *PLAIN_RULES,
)
# Text with no digit, math sign or web address has nothing for the rules: skip them.
_NEEDS_RULES = re.compile(r"[\d=+×÷*<>≤≥≠≈±@]|\.[A-Za-z]")


def normalize(text: str) -> str:
    """Read arbitrary text; return it as spoken Chinese.

    The result holds only Han characters, ASCII letters, Chinese punctuation and single spaces
    between Latin words.

    Never raises on a ``str``; returns "" when nothing readable is left.
    """
    if not isinstance(text, str) or not text:
        return ""
    # Before the rules: only the writer's own Chinese numerals, not the rules' digit readings
    # (the fraction of 3.1415926 is not a code), and the rules group what they read themselves.
    text = group_written_digits(fold(text))
    if _NEEDS_RULES.search(text):
        for pattern, replace in RULES:
            text = pattern.sub(replace, text)
    return finalize(text)

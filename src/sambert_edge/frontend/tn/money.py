"""Money: currency symbols and codes around amounts ("$20" -> 二十美元, "￥3.50" -> 三点五元).

The amount is read formally as a decimal with its insignificant zeros dropped (三点五元, not
三块五), a 万/亿 multiplier written after it stays with the number (一点二亿美元), and the
currency name follows the number as a Chinese speaker says it. Amounts already written with
Chinese units (20元, 5块钱) need no rule: the number reader handles them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType

from .numbers import read_number, strip_trailing_zeros

# Symbols and ISO codes written before or after an amount -> spoken currency name.
CURRENCIES = MappingProxyType({
    "¥": "元", "RMB": "元", "CNY": "元",
    "$": "美元", "US$": "美元", "USD": "美元",
    "HK$": "港元", "HKD": "港元", "A$": "澳元", "AUD": "澳元", "C$": "加元", "CAD": "加元",
    "NT$": "新台币", "TWD": "新台币", "S$": "新加坡元", "SGD": "新加坡元",
    "€": "欧元", "EUR": "欧元", "£": "英镑", "GBP": "英镑", "JPY": "日元", "円": "日元",
    "₩": "韩元", "KRW": "韩元", "₹": "卢比", "INR": "卢比", "₽": "卢布", "RUB": "卢布",
    "฿": "泰铢", "THB": "泰铢", "CHF": "瑞士法郎", "₫": "越南盾", "MOP": "澳门元",
})
# Longest first, so HK$ wins over $ in the alternation.
_PREFIXES = tuple(sorted(CURRENCIES, key=len, reverse=True))
_CODES = tuple(sorted((k for k in CURRENCIES if k.isalpha() and k.isascii()),
                     key=len, reverse=True))
_AMOUNT = r"(\d+(?:,\d{3})*(?:\.\d+)?)"
_MULTIPLIER = r"([万亿千百]*(?:万亿)?)"
_PREFIXED = re.compile(r"(?<![A-Za-z])(-)?(" + "|".join(map(re.escape, _PREFIXES)) + r")\s*(-)?"
                       + _AMOUNT + _MULTIPLIER + r"(?:\s*[-~到至]\s*" + _AMOUNT + _MULTIPLIER + r")?")
_SUFFIXED = re.compile(r"(?<![\d.])" + _AMOUNT + r"\s*" + _MULTIPLIER + r"\s*("
                       + "|".join(_CODES) + r")(?![A-Za-z])")


def _amount(number: str, multiplier: str, currency: str) -> str:
    """Read an amount with its multiplier and currency name: 三点五万元."""
    number = strip_trailing_zeros(number.replace(",", ""))
    return read_number(number, liang=True) + multiplier + CURRENCIES[currency]


def _prefixed(m: re.Match) -> str:
    sign_before, symbol, sign_after, number, multiplier, end, end_multiplier = m.groups()
    sign = "负" if (sign_before or sign_after) else ""
    if end is None:
        return sign + _amount(number, multiplier, symbol)
    # $100-500: the currency name is said once, after the range (一百到五百美元).
    start = read_number(strip_trailing_zeros(number.replace(",", "")), liang=True) + multiplier
    return sign + start + "到" + _amount(end, end_multiplier, symbol)


def _suffixed(m: re.Match) -> str:
    number, multiplier, code = m.groups()
    return _amount(number, multiplier, code)


MONEY_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (_PREFIXED, _prefixed),
    (_SUFFIXED, _suffixed),
)

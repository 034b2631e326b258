"""Units, percentages, ratios and math signs ("25kg" -> 二十五千克, "50%" -> 百分之五十).

Unit conventions: SI names (千米, 千克), not the colloquial 公里/公斤, so a reader maps each
abbreviation to one name; temperatures say 摄氏度/华氏度 and a negative temperature is 零下.
Byte units (GB, MB...) stay Latin, the way they are spoken (两GB). A lone 2 before a unit is
两 (两千克) except for temperatures and degrees (二摄氏度), which are readings on a scale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType

from .numbers import read_fraction, read_number

UNITS = MappingProxyType({
    "km": "千米", "m": "米", "dm": "分米", "cm": "厘米", "mm": "毫米", "μm": "微米", "um": "微米",
    "nm": "纳米", "mi": "英里", "ft": "英尺", "kg": "千克", "g": "克", "mg": "毫克", "t": "吨",
    "lb": "磅", "lbs": "磅", "oz": "盎司", "L": "升", "l": "升", "ml": "毫升", "mL": "毫升",
    "m²": "平方米", "km²": "平方千米", "cm²": "平方厘米", "mm²": "平方毫米",
    "m³": "立方米", "cm³": "立方厘米", "h": "小时", "hr": "小时", "hrs": "小时",
    "min": "分钟", "mins": "分钟", "s": "秒", "sec": "秒", "ms": "毫秒", "μs": "微秒",
    "°C": "摄氏度", "℃": "摄氏度", "°F": "华氏度", "℉": "华氏度", "°": "度",
    "Hz": "赫兹", "kHz": "千赫兹", "MHz": "兆赫兹", "GHz": "吉赫兹",
    "W": "瓦", "kW": "千瓦", "kWh": "千瓦时", "mAh": "毫安时", "mA": "毫安", "V": "伏",
    "kV": "千伏", "dB": "分贝", "km/h": "千米每小时", "m/s": "米每秒", "mph": "英里每小时",
    "rpm": "转每分钟", "KB": "KB", "MB": "MB", "GB": "GB", "TB": "TB", "kb": "kb",
    "Mb": "Mb", "Gb": "Gb", "px": "像素", "cal": "卡路里", "kcal": "千卡", "mmol": "毫摩尔",
    "Pa": "帕", "kPa": "千帕", "MPa": "兆帕", "N": "牛",
})
_SCALE_UNITS = frozenset({"°C", "℃", "°F", "℉", "°"})
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUM = r"(\d+(?:\.\d+)?)"
_QUANTITY = r"(\d+(?:\.\d+)?(?:/\d+)?)"  # 1/2kg: a fraction may stand before a unit
_UNIT_END = r"(?![A-Za-z0-9²³])"
_MEASURE = re.compile(r"(?<![A-Za-z0-9./])(-)?" + _QUANTITY + r"(?:\s*([-~])\s*(-)?" + _QUANTITY
                      + r")?\s*("
                      + _UNIT_ALT + r")" + _UNIT_END)
_PER_UNIT = re.compile(r"/(" + _UNIT_ALT + r")" + _UNIT_END)
# "/" reads 每 only between an amount word and a measure word (5元/斤), not in 是/否.
_PER_CHINESE = re.compile(r"(?<=[元块角分次个人斤克米吨升件台份度])/(?=(?:斤|个|人|天|日|月|年|次|"
                          r"小时|周|公斤|千克|克|吨|米|平方米|件|台|份|张|瓶|盒|袋|晚|间|套|辆|"
                          r"公里|股|位|页|秒|分钟|升|箱|平))")
_PERCENT = re.compile(r"(?<![\d.])([-+±])?" + _NUM + r"(%|‰)?(?:\s*([-~至到])\s*([-+])?"
                      + _NUM + r")?\s*(%|‰)")
_PERCENT_WORDS = MappingProxyType({"%": "百分之", "‰": "千分之"})
_SIGN_WORDS = MappingProxyType({"-": "负", "+": "正", "±": "正负"})
_RATIO = re.compile(r"(?<![\d.:])(\d+(?:\.\d+)?)\s*[:：]\s*(\d+(?:\.\d+)?)(?![\d:])")
_OPERAND = r"(?:\d+(?:\.\d+)?|(?<![A-Za-z])[A-Za-z](?![A-Za-z]))"
_EXPRESSION = re.compile(r"(?<![\d.])[-+]?" + _OPERAND + r"(?:\s*[-+×÷*/=<>≤≥≠≈]\s*[-+]?"
                         + _OPERAND + r")+")
_STRONG_OPERATORS = re.compile(r"[=+×÷*<>≤≥≠≈]")
_OPERATOR_WORDS = MappingProxyType({
    "+": "加", "-": "减", "×": "乘", "*": "乘", "÷": "除以", "=": "等于", ">": "大于",
    "<": "小于", "≥": "大于等于", "≤": "小于等于", "≠": "不等于", "≈": "约等于",
})
_OPERATOR = re.compile(r"(?<=[\dA-Za-z])\s*([-+×÷*=<>≤≥≠≈])\s*")
_LEADING_SIGN = re.compile(r"(?<![\dA-Za-z])\s*([-+])(?=\d)")
_PLUS_MINUS = re.compile(r"±\s*(?=\d)")


def _unit_number(sign: str | None, number: str, unit: str) -> str:
    """Read one quantity before ``unit``; negative temperatures are 零下."""
    scale = unit in _SCALE_UNITS
    numerator, _, denominator = number.partition("/")
    if denominator and int(denominator):
        words = read_fraction(numerator, denominator)
    else:
        words = read_number(numerator, liang=not scale)
    if sign:
        words = ("零下" if unit in _SCALE_UNITS - {"°"} else "负") + words
    return words


def _measure(m: re.Match) -> str:
    sign, number, _dash, end_sign, end, unit = m.groups()
    words = _unit_number(sign, number, unit)
    if end is not None:
        words += "到" + _unit_number(end_sign, end, unit)
    return words + UNITS[unit]


def _per_unit(m: re.Match) -> str:
    return "每" + UNITS[m.group(1)]


def _percent(m: re.Match) -> str:
    sign, number, first_mark, joiner, end_sign, end, mark = m.groups()
    words = (_SIGN_WORDS.get(sign or "", "") + _PERCENT_WORDS[first_mark or mark]
             + read_number(number))
    if end is None:
        return words
    joiner = "到" if joiner in "-~" else joiner
    return (words + joiner + _SIGN_WORDS.get(end_sign or "", "") + _PERCENT_WORDS[mark]
            + read_number(end))


def _ratio(m: re.Match) -> str:
    return f"{read_number(m.group(1))}比{read_number(m.group(2))}"


def _expression(m: re.Match) -> str:
    """Read operators in an arithmetic expression; "-" is 减 only beside a stronger operator."""
    text = m.group(0)
    if not _STRONG_OPERATORS.search(text):
        return text  # 3-5 alone is a range, 3/4 alone a fraction: other rules read them
    text = _PLUS_MINUS.sub("正负", text)
    head = _LEADING_SIGN.match(text)
    if head:
        text = ("负" if head.group(1) == "-" else "正") + text[head.end():]
    return _OPERATOR.sub(lambda op: _OPERATOR_WORDS[op.group(1)], text)


MEASURE_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (_PERCENT, _percent),
    (_MEASURE, _measure),
    (_PER_UNIT, _per_unit),
    (_PER_CHINESE, lambda m: "每"),
    (_EXPRESSION, _expression),
    (_RATIO, _ratio),
)

"""Reading Arabic numerals as Mandarin: cardinals, decimals, digit strings, fractions.

Every function here reads ASCII digits and returns Chinese characters only; deciding *which*
reading a number in running text gets is the job of the rule modules.

Conventions (those of public Chinese TN suites, matching everyday speech):

* 10-19 at the start of a number drop the leading 一 (十, 十五, 十万); inside a number they keep
  it (一百一十, 一万零一十).
* 2 reads 两 before 千/万/亿 and before 百 when it is the first digit of the number
  (两百, 两千, 一万两千, 两万, 两亿); elsewhere 二 (二十, 十二, 一千二百).
* A whole number that is exactly 2 reads 两 only before a measure word (两个, 两点), which the
  caller decides with :func:`takes_liang`.
* Digit strings (phone numbers, codes) may read 1 as 幺, the clear form used on phones.
"""

from __future__ import annotations

import re

DIGIT_WORDS = "零一二三四五六七八九"
YAO = "幺"
LIANG = "两"
POINT = "点"
NEGATIVE = "负"
_SMALL_UNITS = ("", "十", "百", "千")
_SECTION_UNITS = ("", "万", "亿", "万亿")
_SECTION_WIDTH = 4
_THOUSANDS_POS = 3
_HUNDREDS_POS = 2
_TENS_POS = 1
# Beyond 万亿 (16 digits) spoken Chinese has no everyday unit: read digit by digit.
MAX_CARDINAL_DIGITS = _SECTION_WIDTH * len(_SECTION_UNITS)

# Measure words (and 百/千/万/亿) before which a lone 2 is spoken 两 (两个, 两万).
_LIANG_WORDS = tuple(sorted(set(
    "个 位 只 本 条 张 件 次 天 年 岁 周 星期 礼拜 小时 钟头 分钟 秒 种 支 把 辆 台 部 间 家 所 "
    "头 匹 块 元 角 毛 斤 公斤 千克 克 吨 米 公里 千米 厘米 毫米 升 毫升 倍 份 杯 瓶 碗 盒 包 "
    "袋 双 对 套 片 颗 粒 根 棵 朵 座 栋 场 顿 遍 趟 下 回 篇 首 段 句 行 页 节 门 项 名 人 口 "
    "户 点 刻 分 票 枚 架 艘 列 届 轮 局 盘 集 季 成 国 方 面 类 样 笔 堆 箱 桶 壶 盏 幅 封 串 "
    "处 室 厅 层楼 百 千 万 亿 公顷 亩 平米 平方 立方 美元 英镑 欧元 日元 港元 字 张 圈 步 声 "
    "眼 口 位数 拨 批 组 副 些 班 队 届 片 英里 英尺 磅 盎司 千瓦 瓦 伏 安 毫安 赫兹 兆"
    .split()), key=len, reverse=True))
# Words that start like a measure word but take 二 (二年级, 二次方, 二分之一, 二手).
_LIANG_EXCEPTIONS = ("年级", "次方", "分之", "号", "手", "等奖", "把手", "方面军")

_DIGITS_ONLY = re.compile(r"\d+")


def read_digits(digits: str, yao: bool = False) -> str:
    """Read a string of ASCII digits one by one ("110" -> 一一零, or 幺幺零 with ``yao``)."""
    out = [DIGIT_WORDS[int(d)] for d in digits if d.isdigit()]
    if yao:
        out = [YAO if w == "一" else w for w in out]
    return "".join(out)


def _read_section(value: int, leading: bool) -> str:
    """Read 1..9999 with 千/百/十; ``leading`` marks the number's most significant section."""
    text = []
    started = pending_zero = False
    for index, char in enumerate(f"{value:0{_SECTION_WIDTH}d}"):
        pos = _SECTION_WIDTH - 1 - index
        digit = int(char)
        if digit == 0:
            pending_zero = pending_zero or started
            continue
        if pending_zero:
            text.append("零")
            pending_zero = False
        first_digit = leading and not started
        if digit == 1 and pos == _TENS_POS and first_digit:
            word = ""  # 十五, not 一十五
        elif digit == 2 and (pos == _THOUSANDS_POS or (pos == _HUNDREDS_POS and first_digit)):
            word = LIANG
        else:
            word = DIGIT_WORDS[digit]
        text.append(word + _SMALL_UNITS[pos])
        started = True
    return "".join(text)


def read_cardinal(digits: str) -> str:
    """Read an unsigned integer written in ASCII digits ("10080" -> 一万零八十).

    Leading zeros are ignored; more than 16 significant digits are read digit by digit.
    """
    digits = digits.lstrip("0")
    if not digits:
        return DIGIT_WORDS[0]
    if len(digits) > MAX_CARDINAL_DIGITS:
        return read_digits(digits)
    head = len(digits) % _SECTION_WIDTH or _SECTION_WIDTH
    sections = [digits[:head]] + [digits[i:i + _SECTION_WIDTH]
                                  for i in range(head, len(digits), _SECTION_WIDTH)]
    out: list[str] = []
    pending_zero = False
    for index, section in enumerate(sections):
        unit = _SECTION_UNITS[len(sections) - 1 - index]
        value = int(section)
        if value == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or value < 10 ** (_SECTION_WIDTH - 1)):
            out.append("零")
        pending_zero = False
        words = LIANG if not out and value == 2 and unit else _read_section(value, not out)
        out.append(words + unit)
    return "".join(out)


def read_decimal(number: str) -> str:
    """Read "3.14" as 三点一四 (integer part as a cardinal, fraction digit by digit)."""
    whole, _, frac = number.partition(".")
    words = read_cardinal(whole or "0")
    if frac:
        words += POINT + read_digits(frac)
    return words


def read_number(number: str, liang: bool = False) -> str:
    """Read a signed integer or decimal ("-0.5" -> 负零点五, "1,000" -> 一千).

    ``liang``: the number stands before a measure word, so a lone 2 is 两.
    """
    number = number.replace(",", "")
    sign = ""
    if number[:1] in "+-":
        sign = NEGATIVE if number[0] == "-" else "正"
        number = number[1:]
    if not number or not _DIGITS_ONLY.fullmatch(number.replace(".", "", 1)):
        return sign + read_digits(number)
    if "." in number:
        return sign + read_decimal(number)
    if liang and number.lstrip("0") == "2":
        return sign + LIANG
    return sign + read_cardinal(number)


def strip_trailing_zeros(number: str) -> str:
    """Drop insignificant decimal zeros ("3.50" -> "3.5", "3.00" -> "3") for amounts."""
    if "." not in number:
        return number
    return number.rstrip("0").rstrip(".") or "0"


def read_fraction(numerator: str, denominator: str) -> str:
    """Read n/d as d分之n ("3/4" -> 四分之三); a sign on the numerator is read first."""
    sign = ""
    if numerator[:1] == "-":
        sign, numerator = NEGATIVE, numerator[1:]
    return sign + read_number(denominator) + "分之" + read_number(numerator)


def takes_liang(following: str) -> bool:
    """Whether a lone 2 before ``following`` (the rest of the text) is spoken 两."""
    following = following.lstrip(" ")
    if following.startswith(_LIANG_EXCEPTIONS):
        return False
    return following.startswith(_LIANG_WORDS)

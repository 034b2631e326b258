"""Dates and clock times ("2024-03-15" -> 二零二四年三月十五号, "14:30" -> 十四点三十分).

Rules, in the order :data:`DATE_TIME_RULES` applies them:

* Years are read digit by digit (二零二四年). A four-digit number before 年 is a year when it
  lies in 1000-2100, or when it is not a round hundred; a round number before 年前/年后/年来...
  is a duration (两千年前). Two-digit years are digit by digit only in a date (98年3月), before
  年代/年初/年底 (九零年代) or with a leading zero (零五年); otherwise 20年 is a duration
  (二十年). Two four-digit years joined by -/~ are a span of years (一九九零到二零零零).
* Numeric dates (2024-03-15, 2024/3/15, 2024.03.15, 15/03/2024) read 年月号: 号 is the spoken
  day word; a date written with 日 or 号 keeps it.
* A bare M/D is a date only with evidence, since 3/4 is usually a fraction: a zero-padded
  part (03/15), a date word just before it (今天, 截至, 于...) or just after it (日, 号, 起, 上午,
  a weekday...). Otherwise the fraction rule reads it.
* Festival dates written M.D before 节/晚会/假期 read their digits (三八妇女节, 五一假期).
* H:MM(:SS) is a clock time when the parts are in range; 00 minutes are silent (十二点),
  minutes under ten take 零 (八点零五分), hour 2 is 两点; am/pm become 上午/下午. After a score
  word (比分, 战胜...) or when out of range (78:96) N:M is a ratio, 七十八比九十六.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .numbers import read_cardinal, read_digits, read_number, takes_liang

MONTHS = range(1, 13)
DAYS = range(1, 32)
HOURS = range(0, 25)
MINUTES = range(0, 60)
YEAR_RANGE = range(1000, 2101)
_ROUND_YEAR = 100
_DAY_WORD = "号"
_CONTEXT_WINDOW = 6

_SEP = r"[-/.]"
_FULL_DATE_YMD = re.compile(r"(?<![\d.])(\d{4})(" + _SEP + r")(\d{1,2})\2(\d{1,2})(?![\d.])([日号])?")
_FULL_DATE_DMY = re.compile(r"(?<![\d.])(\d{1,2})(" + _SEP + r")(\d{1,2})\2(\d{4})(?![\d.])")
_YEAR_MONTH = re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})(?![\d.])(?!%)")
_MONTH_YEAR = re.compile(r"(?<![\d./-])(\d{1,2})[-/.](\d{4})(?![\d.])")
_YEAR_RANGE = re.compile(r"(?<![\d.])(\d{4})\s*([-~至到])\s*(\d{4})(?![\d.])")
_YEAR = re.compile(r"(?<![\d.])(\d{2,4})(?=年|财年|学年)")
_MONTH_DAY_NO_UNIT = re.compile(r"(?<![\d.])(\d{1,2})月(\d{1,2})(?![\d.日号%万千百亿A-Za-z])")
_MONTH_DAY_SLASH = re.compile(r"(?<![\d./])(\d{1,2})([/-])(\d{1,2})(?![\d./])")
_TIME = re.compile(r"(?<![\d:.])(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?![\d:])"
                   r"(?:\s*([aApP])\.?[mM]\.?(?![A-Za-z]))?")
_YEAR_DURATION_AFTER = ("年前", "年后", "年来", "年间", "年多", "年左右", "年以上", "年以内",
                        "年以下", "年的历史", "年历史", "年之久", "年内")
_YEAR_DIGIT_AFTER = re.compile(r"年(?:\d{1,2}月|代|初|底|末|春|夏|秋|冬|中)")
_ERA_WORDS = ("公元", "公元前", "公元后", "前")
# "于" alone is too common (相当于, 大于): only the verb-like 将于/定于... count.
_DATE_CUES_BEFORE = re.compile(r"今天|明天|昨天|后天|前天|日期|截至|截止|生日|时间|本周|下周|上周|"
                               r"[将定已拟均曾并]于|^于$|自|从")
_DATE_RANGE_BEFORE = re.compile(r"(?:[日号]|\d/\d{1,2})\s*[-~到至]\s*$")
_DATE_CUES_AFTER = re.compile(r"\s*(?:日|号|起|节|开会|举行|开始|发布|上映|开幕|到期|截止|生效|放假|"
                              r"当天|当日|上午|下午|晚上|早上|中午|凌晨|晚|"
                              r"周[一二三四五六日天]|星期|礼拜|[（(]周|至\d|到\d|[-~]\d)")
_SCORE_CUES = ("比分", "比赛", "战胜", "击败", "打败", "胜", "负", "赢", "输", "战平", "打平",
               "领先", "落后", "比例", "比率", "配比", "比值", "宽高比", "屏幕", "赔率")
_AM, _PM = "上午", "下午"
# Dates named by their digits (三八妇女节, 五一假期, 三一五晚会): month then day digit by digit.
_FESTIVAL = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.])(?=\s*(?:国际)?(?:妇女节|劳动节|儿童节|"
                       r"国庆|建军节|建党节|晚会|消费者|假期|小长假|长假|黄金周|节))")


def _valid_md(month: str, day: str) -> bool:
    """Whether the strings are a real month (1-12) and day (1-31)."""
    return int(month) in MONTHS and int(day) in DAYS


def _ymd(year: str, month: str, day: str, day_word: str = _DAY_WORD) -> str:
    """Read a full date: 二零二四年三月十五号."""
    return f"{read_digits(year)}年{read_cardinal(month)}月{read_cardinal(day)}{day_word}"


def _full_date_ymd(m: re.Match) -> str:
    year, _, month, day, written = m.groups()
    if not _valid_md(month, day):
        return m.group(0)
    return _ymd(year, month, day, written or _DAY_WORD)


def _full_date_dmy(m: re.Match) -> str:
    first, _, second, year = m.groups()
    # Day-first when the first part cannot be a month (15/03/2024), otherwise month-first.
    month, day = (second, first) if int(first) > max(MONTHS) else (first, second)
    return _ymd(year, month, day) if _valid_md(month, day) else m.group(0)


def _year_month(m: re.Match) -> str:
    year, sep, month = m.groups()
    if int(year) not in YEAR_RANGE or int(month) not in MONTHS:
        return m.group(0)
    if sep == "." and len(month) == 1:  # 2024.5 is more likely a decimal
        return m.group(0)
    return f"{read_digits(year)}年{read_cardinal(month)}月"


def _month_year(m: re.Match) -> str:
    month, year = m.groups()
    if int(year) not in YEAR_RANGE or int(month) not in MONTHS:
        return m.group(0)
    return f"{read_digits(year)}年{read_cardinal(month)}月"


def _year_range(m: re.Match) -> str:
    start, joiner, end = m.groups()
    after = m.string[m.end():]
    # 1990-2000 with no 年 is still a span of years when both ends look like years.
    bare_years = int(start) in YEAR_RANGE and int(end) in YEAR_RANGE and int(start) < int(end)
    if not (after.startswith("年") or (bare_years and not takes_liang(after))):
        return m.group(0)
    joiner = "到" if joiner in "-~" else joiner
    return read_digits(start) + joiner + read_digits(end)


def _is_year(digits: str, before: str, after: str) -> bool:
    """Decide whether digits before 年 name a year (read digit by digit) or count years."""
    value = int(digits)
    if len(digits) == 2:
        return digits.startswith("0") or bool(_YEAR_DIGIT_AFTER.match(after))
    if len(digits) == 3:
        era = before.endswith(_ERA_WORDS)
        return era or (bool(_YEAR_DIGIT_AFTER.match(after)) and not after.startswith("年代"))
    if value % _ROUND_YEAR == 0 and after.startswith(_YEAR_DURATION_AFTER):
        return False
    return value in YEAR_RANGE or value % _ROUND_YEAR != 0


def _year(m: re.Match) -> str:
    digits = m.group(1)
    after = m.string[m.end():]
    if _is_year(digits, m.string[:m.start()], after):
        return read_digits(digits)
    return read_number(digits, liang=True)


def _month_day_no_unit(m: re.Match) -> str:
    month, day = m.groups()
    if not _valid_md(month, day):
        return m.group(0)
    return f"{read_cardinal(month)}月{read_cardinal(day)}{_DAY_WORD}"


def _has_date_cue(m: re.Match) -> bool:
    """Whether the words around an M/D match say it is a date rather than a fraction."""
    before = m.string[max(0, m.start() - _CONTEXT_WINDOW):m.start()]
    after = m.string[m.end():]
    return (bool(_DATE_CUES_BEFORE.search(before)) or bool(_DATE_RANGE_BEFORE.search(before))
            or bool(_DATE_CUES_AFTER.match(after)))


def _month_day_slash(m: re.Match) -> str:
    month, sep, day = m.groups()
    if not _valid_md(month, day):
        return m.group(0)
    padded = month.startswith("0") or (sep == "/" and day.startswith("0"))
    if not (padded or (sep == "/" and _has_date_cue(m))):
        return m.group(0)
    after = m.string[m.end():m.end() + 1]
    day_word = "" if after in ("日", "号") else _DAY_WORD
    return f"{read_cardinal(month)}月{read_cardinal(day)}{day_word}"


def _festival(m: re.Match) -> str:
    month, day = m.groups()
    return read_cardinal(month) + read_digits(day) if _valid_md(month, day) else m.group(0)


def _is_score(m: re.Match) -> bool:
    """Whether a sports/ratio word precedes an N:M match."""
    before = m.string[max(0, m.start() - _CONTEXT_WINDOW):m.start()]
    return any(cue in before for cue in _SCORE_CUES)


def _read_clock(hour: str, minute: str, second: str | None) -> str:
    """Read a valid clock time; zero minutes (and seconds) are silent."""
    words = read_number(hour, liang=True) + "点"
    mins, secs = int(minute), int(second or 0)
    if mins or secs:
        words += ("零" if mins < 10 else "") + read_cardinal(minute) + "分"
    if secs:
        words += ("零" if secs < 10 else "") + read_cardinal(second) + "秒"
    return words


def _time(m: re.Match) -> str:
    hour, minute, second, meridiem = m.groups()
    valid = (int(hour) in HOURS and int(minute) in MINUTES
             and (second is None or int(second) in MINUTES))
    if second is None and (not valid or _is_score(m)):
        return f"{read_number(hour)}比{read_number(minute)}"
    if not valid:
        return m.group(0)
    prefix = "" if meridiem is None else (_AM if meridiem in "aA" else _PM)
    return prefix + _read_clock(hour, minute, second)


DATE_TIME_RULES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (_FESTIVAL, _festival),
    (_FULL_DATE_YMD, _full_date_ymd),
    (_FULL_DATE_DMY, _full_date_dmy),
    (_TIME, _time),
    (_YEAR_RANGE, _year_range),
    (_YEAR_MONTH, _year_month),
    (_MONTH_YEAR, _month_year),
    (_YEAR, _year),
    (_MONTH_DAY_NO_UNIT, _month_day_no_unit),
    (_MONTH_DAY_SLASH, _month_day_slash),
)

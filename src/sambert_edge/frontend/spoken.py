"""Citation readings -> spoken readings: neutral tones, 一/不 sandhi, third-tone sandhi, erhua.

Input and output are one sentence as lexical words (jieba), each a list of toned pinyin
syllables (``"ni3"``), with ``None`` for characters that are not read. Rules follow standard
Mandarin phonology as implemented by production frontends (e.g. PaddleSpeech's ``tone_sandhi``):

* 不 is bu2 before a 4th tone and neutral in A不A questions (是不是).
* 一 is yi2 before a 4th tone, yi4 before tones 1-3, yi1 in numbers, ordinals, at a word's end,
  and neutral in reduplicated A一A verbs (看一看).
* Reduplicated single-syllable verbs and kinship nouns take a neutral second syllable (看看, 奶奶),
  and sentence particles are neutral.
* 3-3 -> 2-3 inside a prosodic word (a monosyllabic word joins its neighbour, up to four
  syllables): in a run of third tones all but the last become 2nd tone, except that a
  monosyllabic first word keeps its 3rd tone before a 3-3 word (小 | 老虎 -> 3 2 3,
  我 | 很好 -> 3 2 3), while a three-syllable word reads 2 2 3 (展览馆).
* A single 儿 after a syllable merges into it as an r-final (哪儿 -> nar3), except in words
  where 儿 is a morpheme of its own (女儿, 婴儿).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .syllables import merge_erhua, split_tone

Pinyin = str | None

_NUMERALS = frozenset("零一二三四五六七八九十两幺")
_NUMBER_UNITS = frozenset("百千万亿")
_PARTICLES = frozenset("吧呢吗嘛啦呀哇哦呗啊")
# Reduplicated sounds keep their tones (哈哈 ha1 ha1), unlike reduplicated verbs and kin terms.
_ONOMATOPOEIA = frozenset("哈呵嘻嘿嘟哗啦咚嗡呼咕叮当嘀滴砰轰喵汪嘎")
# Words ending in 儿 where 儿 is a syllable of its own, not rhotacisation.
_NOT_ERHUA = frozenset(
    "女儿 男儿 婴儿 幼儿 孤儿 健儿 少儿 胎儿 患儿 宠儿 小儿 老儿 孙儿 乞儿 侄儿 "
    "混血儿 新生儿 弃儿 养儿 生儿 产儿 托儿 儿儿 犬儿 雏儿 骄儿 爱儿 妻儿".split()
)
# Single-syllable reduplications that keep their full tones (常常 chang2 chang2, not neutral).
_FULL_TONE_REDUPLICATIONS = frozenset(
    "常常 往往 刚刚 渐渐 偏偏 明明 纷纷 默默 处处 人人 天天 年年 家家 事事 时时 个个 "
    "步步 层层 重重 连连 久久 慢慢 好好 轻轻 静静 早早 远远 高高 大大 多多 微微 深深".split()
)
_MAX_PROSODIC_WORD = 4


def spoken_readings(words: Sequence[str], readings: Sequence[Sequence[Pinyin]],
                    locked: Sequence[Sequence[bool]] | None = None,
                    is_word: Callable[[str], bool] = lambda w: False) -> list[list[Pinyin]]:
    """Apply sandhi and erhua to one sentence.

    Args:
        words: the sentence's lexical words; ``len(readings[i]) == len(words[i])``.
        readings: citation pinyin per character (``None`` where the character is not read).
        locked: characters whose reading the user fixed (lexicon or inline override); they
            are never changed.
        is_word: whether a string is a dictionary word; tells 1+2 three-syllable words
            (小老虎) from 2+1 ones (展览馆).

    Returns:
        Spoken pinyin per character, same shape; a 儿 merged into the syllable before it
        becomes ``None`` and that syllable gets the r-final (``"na3", "er2"`` -> ``"nar3", None``).
    """
    out = [list(r) for r in readings]
    lock = [list(x) for x in locked] if locked is not None else [[False] * len(r) for r in readings]

    def settable(w: int, i: int) -> bool:
        return out[w][i] is not None and not lock[w][i]

    _neutral_tones(words, out, settable)
    _bu_yi(words, out, settable)
    _third_tones(words, out, settable, is_word)
    _erhua(words, out, settable)
    return out


def _set_tone(out: list[list[Pinyin]], w: int, i: int, tone: int) -> None:
    body, _ = split_tone(out[w][i])
    out[w][i] = f"{body}{tone}"


def _tone(p: Pinyin) -> int | None:
    return None if p is None else int(p[-1])


def _neutral_tones(words, out, settable) -> None:
    for w, word in enumerate(words):
        n = len(word)
        if n == 2 and word[0] == word[1] and word not in _FULL_TONE_REDUPLICATIONS \
                and word[0] not in _NUMERALS and word[0] not in _ONOMATOPOEIA \
                and settable(w, 1) and out[w][0] is not None:
            _set_tone(out, w, 1, 5)
        if n == 1 and word in _PARTICLES and settable(w, 0):
            _set_tone(out, w, 0, 5)
        if n >= 2 and word.endswith("们") and settable(w, n - 1):
            _set_tone(out, w, n - 1, 5)


def _flat(out: list[list[Pinyin]]) -> list[tuple[int, int]]:
    return [(w, i) for w, r in enumerate(out) for i in range(len(r))]


def _bu_yi(words, out, settable) -> None:
    text = "".join(words)
    pos = _flat(out)
    for k, (w, i) in enumerate(pos):
        ch = text[k]
        if ch not in "一不" or not settable(w, i):
            continue
        nxt = _next_read(out, pos, k)
        prev_ch = text[k - 1] if k > 0 else ""
        next_ch = text[k + 1] if k + 1 < len(text) else ""
        if ch == "一" and _yi_keeps_first_tone(text, k, words[w], i):
            _set_tone(out, w, i, 1)
        elif prev_ch and prev_ch == next_ch and len(words[w]) in (1, 3):
            _set_tone(out, w, i, 5)  # 是不是, 看一看
        elif nxt is not None and _tone(nxt) == 4:
            _set_tone(out, w, i, 2)
        elif ch == "一" and nxt is not None:
            _set_tone(out, w, i, 4)
        elif ch == "不":
            _set_tone(out, w, i, 4)


def _yi_keeps_first_tone(text: str, k: int, word: str, i: int) -> bool:
    """一 as a digit, an ordinal, a date, or at a word's end keeps tone 1 (十一, 第一, 一月, 统一)."""
    prev_ch = text[k - 1] if k > 0 else ""
    next_ch = text[k + 1] if k + 1 < len(text) else ""
    after_next = text[k + 2] if k + 2 < len(text) else ""
    if next_ch in _NUMBER_UNITS:
        return False  # 一百 yi4 bai3, 一万 yi2 wan4: ordinary sandhi inside numbers
    return (prev_ch in _NUMERALS or next_ch in _NUMERALS or prev_ch == "第"
            or next_ch in "月号" or not next_ch
            or (next_ch == "点" and after_next in _NUMERALS)
            or (i == len(word) - 1 and len(word) > 1))


def _next_read(out, pos, k) -> Pinyin:
    if k + 1 < len(pos):
        w, i = pos[k + 1]
        return out[w][i]
    return None


def _third_tones(words, out, settable, is_word) -> None:
    for group in _prosodic_words(words, out):
        cells = [(w, i) for w in group for i in range(len(out[w])) if out[w][i] is not None]
        run: list[tuple[int, int]] = []
        for cell in cells + [None]:
            if cell is not None and _tone(out[cell[0]][cell[1]]) == 3:
                run.append(cell)
                continue
            _resolve_run(run, words, settable, out, is_word)
            run = []


def _resolve_run(run, words, settable, out, is_word) -> None:
    if len(run) < 2:
        return
    keep_third = {run[-1]}
    first_word = run[0][0]
    word = words[first_word]
    if len(run) == 3 and (
        (len(word) == 1 and run[1][0] != first_word)
        or (len(word) == 3 and run[2][0] == first_word and is_word(word[1:]) and not is_word(word[:2]))
    ):
        keep_third.add(run[0])
    for cell in run:
        if cell not in keep_third and settable(*cell):
            _set_tone(out, cell[0], cell[1], 2)


def _prosodic_words(words, out) -> list[list[int]]:
    """Group lexical words into prosodic words: a monosyllable joins its neighbour."""
    groups: list[list[int]] = []
    size = 0
    for w, r in enumerate(out):
        n = sum(p is not None for p in r)
        last = sum(p is not None for p in out[groups[-1][-1]]) if groups else 0
        if groups and n and size + n <= _MAX_PROSODIC_WORD and (n == 1 or last == 1):
            groups[-1].append(w)
            size += n
        else:
            groups.append([w])
            # Unread tokens (punctuation) close the prosodic word: nothing joins across them.
            size = n if n else _MAX_PROSODIC_WORD + 1
    return groups


def _erhua(words, out, settable: Callable[[int, int], bool]) -> None:
    for w, word in enumerate(words):
        for i, ch in enumerate(word):
            if ch != "儿" or out[w][i] is None or not settable(w, i):
                continue
            if i > 0 and i == len(word) - 1 and not any(word.endswith(x) for x in _NOT_ERHUA):
                host = (w, i - 1)
            elif i == 0 and len(word) == 1 and w > 0 and out[w - 1] and out[w - 1][-1] is not None:
                host = (w - 1, len(out[w - 1]) - 1)
            else:
                continue
            if out[host[0]][host[1]] is None or split_tone(out[host[0]][host[1]])[0] == "er":
                continue
            out[host[0]][host[1]] = merge_erhua(out[host[0]][host[1]], out[w][i])
            out[w][i] = None

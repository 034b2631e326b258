"""The ``corpus-text`` stage: the training sentence list (TSV ``utt_id \\t text``).

Sources (recorded in the TSV header and ``sentences.json``):

- CPP dev split (``/work/shared/data/cpp/dev.sent``, Apache-2.0; g2pM, Interspeech 2020): U+2581
  marks stripped, bracketed asides and quote marks removed, sentences cut at clause punctuation
  and repacked into chunks of ``min_chars``..``max_chars`` characters;
- generated sentences (templates x slot fillers, deterministic with the seed) for numbers, dates,
  times, money, units, phone numbers, weather and smart-home commands, written with Arabic digits
  and symbols so that the frontend's normalization is exercised.

Held-out sentences (the dev set) and near-duplicates (a candidate containing one, or contained in
one, compared with punctuation and spaces removed and digits read both ways) are excluded. A greedy
selection then maximizes coverage of initials, finals, tones, toned syllables, final->initial
transitions, di-syllable tone pairs and tone-sandhi contexts (一/不 + tone, 3-3, 3-3-3, neutral).
"""

from __future__ import annotations

import heapq
import json
import logging
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

CPP_SOURCE = "CPP dev split (kakaobrain/g2pM data, Apache-2.0)"
TEMPLATE_SOURCE = "generated templates (sambert-edge, Apache-2.0)"
TEMPLATE_SHARE = 0.2  # share of the selection taken from the generated templates

_CLAUSE_END = "，。；：？！"
_KEEP_INNER = "、"
_ALLOWED = re.compile(r"^[\u4e00-\u9fff0-9，。、；：？！%.]+$")
_BRACKETS = re.compile(r"（[^（）]*）|\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|\{[^{}]*\}")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》〈〉]")
_PUNCT_OR_SPACE = re.compile(r"[^\w]|_", re.UNICODE)
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str


# ---------------------------------------------------------------- length, keys, exclusion
def char_count(text: str) -> int:
    """Characters that count towards the length limits (whitespace excluded)."""
    return sum(1 for c in text if not c.isspace())


def plain_key(text: str) -> str:
    """NFKC, punctuation and spaces removed (digits kept)."""
    return _PUNCT_OR_SPACE.sub("", unicodedata.normalize("NFKC", text))


def comparison_keys(text: str) -> set[str]:
    """Keys used to detect near-duplicates: as written, numbers read by cn2an, digits one by one."""
    import cn2an

    keys = {plain_key(text)}
    if re.search(r"[0-9]", text):
        try:
            keys.add(plain_key(re.sub(r"[0-9]", lambda m: _DIGITS[int(m.group())], cn2an.transform(text, "an2cn"))))
        except Exception:  # noqa: BLE001 - cn2an raises on odd digit strings; the other keys remain
            pass
        keys.add(plain_key(re.sub(r"[0-9]", lambda m: _DIGITS[int(m.group())], text)))
    return {k for k in keys if k}


def is_near_duplicate(text: str, held_out_keys: Iterable[str]) -> bool:
    """True when any key of ``text`` contains, or is contained in, a held-out key."""
    held = list(held_out_keys)
    return any(h in k or k in h for k in comparison_keys(text) for h in held)


def length_ok(text: str, min_chars: int, max_chars: int) -> bool:
    return min_chars <= char_count(text) <= max_chars


# ---------------------------------------------------------------- CPP
def clean_cpp_sentence(line: str) -> str:
    """Strip U+2581 marks, bracketed asides and quote marks; full-width spaces and NBSP removed."""
    s = line.strip().replace("\u2581", "")
    s = _BRACKETS.sub("", s)
    s = _QUOTES.sub("", s)
    s = s.replace("\u3000", "").replace("\xa0", "").replace(" ", "")
    s = s.replace(",", "，").replace("?", "？").replace("!", "！").replace(";", "；").replace(":", "：")
    s = s.replace("％", "%").replace("．", ".")
    return s


def split_clauses(sentence: str) -> list[str]:
    """Clauses ending at ，。；：？！ (each keeps its mark)."""
    return [c for c in re.findall(rf"[^{_CLAUSE_END}]+[{_CLAUSE_END}]*", sentence) if c.strip(_CLAUSE_END)]


def pack_clauses(clauses: list[str], max_chars: int) -> list[str]:
    """Consecutive clauses packed into chunks of at most ``max_chars`` characters.

    A chunk ends with sentence punctuation: a trailing ，；： becomes 。.
    """
    chunks, cur = [], ""
    for clause in clauses:
        if cur and char_count(cur + clause) > max_chars:
            chunks.append(cur)
            cur = ""
        cur += clause
    if cur:
        chunks.append(cur)
    return [_end_sentence(c) for c in chunks]


def _end_sentence(chunk: str) -> str:
    stripped = chunk.rstrip("，；：、")
    return stripped if stripped[-1:] in "。？！" else stripped + "。"


def cpp_candidates(path: str | Path, min_chars: int, max_chars: int) -> Iterator[Candidate]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            for chunk in pack_clauses(split_clauses(clean_cpp_sentence(line)), max_chars):
                if _ALLOWED.match(chunk) and length_ok(chunk, min_chars, max_chars):
                    yield Candidate(chunk, "cpp")


# ---------------------------------------------------------------- templates
ROOMS = ["客厅", "卧室", "主卧", "次卧", "书房", "厨房", "卫生间", "阳台", "餐厅", "儿童房", "走廊", "玄关", "客房", "洗手间"]
SWITCHABLE = ["灯", "吊灯", "台灯", "落地灯", "筒灯", "夜灯", "空调", "电视", "窗帘", "风扇", "加湿器", "空气净化器",
              "热水器", "音箱", "除湿机", "排气扇", "油烟机", "地暖", "新风系统", "电暖器", "投影仪", "氛围灯"]
ON_VERBS = ["打开", "开启", "帮我打开", "请打开", "把{dev}打开"]
OFF_VERBS = ["关闭", "关掉", "帮我关掉", "请关闭", "把{dev}关上"]
MODES = ["制冷", "制热", "除湿", "送风", "睡眠", "自动", "节能"]
TASKS = ["开会", "吃药", "取快递", "给妈妈打电话", "交水电费", "去接孩子", "浇花", "锻炼身体", "买牛奶", "出门倒垃圾"]
# Day periods and the 12-hour clock hours that go with them.
PERIODS = {"凌晨": (1, 5), "早上": (6, 9), "上午": (8, 11), "中午": (12, 13), "下午": (1, 6), "傍晚": (5, 7), "晚上": (7, 11)}
DAYS = ["今天", "明天", "后天", "周一", "周三", "周五", "这个周六", "下周日", "大后天"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "天津", "长沙", "青岛",
          "厦门", "昆明", "哈尔滨", "乌鲁木齐", "拉萨", "郑州", "沈阳", "苏州", "济南", "福州", "兰州"]
WEATHER = ["晴", "多云", "阴", "小雨", "中雨", "阵雨", "雷阵雨", "小雪", "大雪", "雨夹雪", "晴转多云", "多云转阴"]
WIND = ["东风", "南风", "西北风", "东北风", "偏南风"]
CHEAP_GOODS = ["一杯咖啡", "一瓶矿泉水", "一斤苹果", "一个面包", "这支笔", "一份报纸", "一碗面条"]
GOODS = ["这台电脑", "那双鞋", "这本书", "这部手机", "一张机票", "这辆自行车", "一箱苹果", "这件外套", "这张电影票"]
BIG_OWNERS = ["这个项目的总投资", "这家公司去年的利润", "这套房子的总价", "这座城市今年的财政收入"]
# (unit, low, high, sentence patterns with {n}{u} and {name})
UNITS = [
    ("公里", 1, 50, ["{name}每天走{n}{u}。", "{name}今天一共跑了{n}{u}。", "离目的地还有{n}{u}。"]),
    ("米", 50, 9999, ["这条隧道全长{n}{u}。", "前方{n}{u}右转。"]),
    ("千克", 3, 120, ["{name}的体重是{n}{u}。", "这箱行李重{n}{u}。"]),
    ("克", 5, 999, ["这袋茶叶净重{n}{u}。", "面粉需要{n}{u}。"]),
    ("升", 1, 80, ["这辆车的油箱能装{n}{u}。", "{name}每天喝{n}{u}水。"]),
    ("毫升", 5, 999, ["每次服用{n}{u}。", "这瓶饮料有{n}{u}。"]),
    ("平方米", 20, 300, ["这套房子的面积是{n}{u}。"]),
    ("厘米", 40, 210, ["{name}的身高是{n}{u}。", "这张桌子宽{n}{u}。"]),
    ("分钟", 1, 120, ["{name}已经等了{n}{u}。", "步行大约需要{n}{u}。"]),
    ("秒", 1, 59, ["倒计时还剩{n}{u}。", "{name}跑一百米用了{n}{u}。"]),
    ("吨", 1, 5000, ["这艘船能装{n}{u}货物。"]),
]
NAMES = ["小明", "小红", "张老师", "王经理", "李阿姨", "刘师傅", "陈医生", "赵先生", "孙女士", "周同学"]
PHONE_CONTEXTS = ["我的电话号码是{p}。", "请拨打{p}联系我们。", "他的手机号是{p}，有事可以找他。",
                  "客服热线是{p}。", "快递员的电话是{p}，请注意接听。", "如有疑问，请致电{p}。"]
PREFIXES = ["130", "131", "135", "136", "137", "139", "150", "152", "158", "159", "177", "180", "186", "188", "199"]


def _time(rng: random.Random) -> str:
    period = rng.choice(sorted(PERIODS))
    h = rng.randint(*PERIODS[period])
    h = h - 12 if h > 12 else h
    m = rng.choice([0, 5, 10, 15, 20, 25, 30, 40, 45, 50, 55, rng.randint(1, 59)])
    style = rng.randint(0, 3)
    if style == 0:
        return f"{period}{h}点" + ("" if m == 0 else f"{m}分")
    if style == 1:
        return f"{period}{h}点" + rng.choice(["半", "整", "一刻", "三刻"])
    if style == 2:
        return f"{rng.randint(0, 23)}:{m:02d}"
    return f"{period}{h}:{m:02d}"


def _date(rng: random.Random) -> str:
    y, mo, d = rng.randint(1949, 2035), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.randint(0, 2)
    if style == 0:
        return f"{y}年{mo}月{d}日"
    if style == 1:
        return f"{mo}月{d}号"
    return f"{y}年{mo}月"


def _money(rng: random.Random) -> str:
    style = rng.randint(0, 4)
    if style == 0:
        return f"{rng.randint(1, 9999)}元"
    if style == 1:
        return f"{rng.randint(1, 999)}.{rng.randint(1, 99):02d}元"
    if style == 2:
        return f"{rng.randint(1, 99)}块{rng.randint(1, 9)}毛"
    if style == 3:
        return f"{rng.randint(2, 800)}万元"
    return f"{rng.randint(1, 50)}.{rng.randint(1, 9)}亿元"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.75:
        return rng.choice(PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return rng.choice(["010", "021", "020", "0755", "028"]) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _smart_home(rng: random.Random) -> str:
    room, dev = rng.choice(ROOMS), rng.choice(SWITCHABLE)
    kind = rng.randint(0, 11)
    if kind <= 1:
        verb = rng.choice(ON_VERBS if kind == 0 else OFF_VERBS)
        return (verb.format(dev=f"{room}的{dev}") if "{dev}" in verb else f"{verb}{room}的{dev}") + "。"
    if kind == 2:
        return f"把{room}的空调调到{rng.randint(16, 30)}度。"
    if kind == 3:
        return f"把{room}的灯光亮度调到{rng.choice([10, 20, 25, 30, 45, 50, 60, 75, 80, 100])}%。"
    if kind == 4:
        return f"把音量调到{rng.randint(1, 100)}。"
    if kind == 5:
        return f"把{room}的空调设置成{rng.choice(MODES)}模式，温度{rng.randint(16, 30)}度。"
    if kind == 6:
        return f"{rng.choice(DAYS)}{_time(rng)}提醒我{rng.choice(TASKS)}。"
    if kind == 7:
        return f"设置一个{rng.randint(1, 90)}分钟的倒计时。"
    if kind == 8:
        return f"{rng.choice(DAYS)}{_time(rng)}打开{room}的{dev}。"
    if kind == 9:
        return f"{room}现在的温度是{rng.randint(10, 35)}度，湿度是{rng.randint(20, 90)}%。"
    if kind == 10:
        change = ["调亮一点", "调暗一点"] if dev.endswith("灯") else ["调高一点", "调低一点", "关小一点", "开大一点"]
        return f"{rng.choice(['请', '帮我', ''])}把{room}的{dev}{rng.choice(change)}。"
    return f"{rng.choice(['请', '麻烦', ''])}{rng.choice(['播放', '暂停', '继续播放'])}{rng.choice(['周杰伦的歌', '新闻联播', '轻音乐', '相声', '儿童故事', '天气预报'])}。"


def _temperature(rng: random.Random, t: int, unit: str = "度") -> str:
    """Below zero written either in words (零下5度) or with a sign (-5℃), to exercise both."""
    if t >= 0:
        return f"{t}{unit}"
    return f"零下{-t}{unit}" if rng.random() < 0.5 else f"-{-t}{'℃' if unit else ''}"


def _weather(rng: random.Random) -> str:
    city, w = rng.choice(CITIES), rng.choice(WEATHER)
    lo = rng.randint(-25, 25)
    hi = lo + rng.randint(2, 15)
    kind = rng.randint(0, 3)
    if kind == 0:
        return f"{rng.choice(DAYS)}{city}{w}，气温{_temperature(rng, lo, '')}到{_temperature(rng, hi)}。"
    if kind == 1:
        return f"{city}{rng.choice(DAYS)}{w}，{rng.choice(WIND)}{rng.randint(1, 7)}级，最高气温{_temperature(rng, hi, '℃')}。"
    if kind == 2:
        return f"{city}今天的空气质量指数是{rng.randint(15, 300)}，降水概率{rng.randint(0, 100)}%。"
    return f"受冷空气影响，{city}{rng.choice(DAYS)}最低气温将降到{_temperature(rng, lo)}。"


def _numbers(rng: random.Random) -> str:
    kind = rng.randint(0, 13)
    name = rng.choice(NAMES)
    if kind == 0:
        return f"今天是{_date(rng)}，星期{rng.choice('一二三四五六日')}。"
    if kind == 1:
        return f"会议定在{_date(rng)}{_time(rng)}开始。"
    if kind == 2:
        return f"现在是{_time(rng)}。"
    if kind == 3:
        money = _money(rng)
        if money.endswith(("万元", "亿元")):
            owner = rng.choice(BIG_OWNERS)
        else:
            owner = rng.choice(CHEAP_GOODS if "毛" in money else GOODS) + "的价格"
        return f"{owner}是{money}。"
    if kind == 4:
        return rng.choice(PHONE_CONTEXTS).format(p=_phone(rng))
    unit, lo, hi, patterns = rng.choice(UNITS)
    if kind == 5:
        return rng.choice(patterns).format(name=name, n=rng.randint(lo, hi), u=unit)
    if kind == 6:
        return f"这座大楼高{rng.randint(30, 600)}米，共有{rng.randint(10, 120)}层。"
    if kind == 7:
        return f"今年的销售额同比增长了{rng.randint(1, 99)}.{rng.randint(1, 9)}%。"
    if kind == 8:
        return f"比赛的最终比分是{rng.randint(0, 9)}比{rng.randint(0, 9)}。"
    if kind == 9:
        return f"{name}考了第{rng.randint(1, 50)}名，总分{rng.randint(300, 750)}分。"
    if kind == 10:
        return f"这个小区一共有{rng.randint(100, 20000)}户居民。"
    if kind == 11:
        a, b = rng.sample(CITIES, 2)
        km = rng.randint(100, 3000)
        return f"从{a}到{b}大约{km}公里，坐高铁要{max(1, round(km / 250))}个小时。"
    if kind == 12:
        return f"第{rng.randint(1, 30)}届运动会将于{_date(rng)}举行。"
    return f"{rng.randint(2, 99)}乘以{rng.randint(2, 99)}等于多少？"


def template_candidates(seed: int, n: int = 6000) -> list[Candidate]:
    """``n`` generated sentences (duplicates possible; deduplicated later), reproducible from ``seed``."""
    rng = random.Random(seed)
    makers = [_smart_home, _smart_home, _weather, _numbers, _numbers]
    return [Candidate(rng.choice(makers)(rng), "template") for _ in range(n)]


# ---------------------------------------------------------------- coverage features
def syllable_features(syllables: list[tuple[str, list[str]]]) -> Counter:
    """Coverage features of a sentence given as ``[(word, [toned pinyin per char]), ...]``."""
    from pypinyin.contrib.tone_convert import to_finals, to_initials

    feats: Counter = Counter()
    flat: list[tuple[str, str, int, int]] = []  # (char, pinyin, tone, word index)
    for w, (word, readings) in enumerate(syllables):
        for ch, py in zip(word, readings):
            if not py or not py[-1].isdigit() or not py[:-1].isalpha():
                continue
            flat.append((ch, py, int(py[-1]), w))
    prev_final = None
    for i, (ch, py, tone, w) in enumerate(flat):
        body = py[:-1]
        ini = to_initials(body, strict=True) or "0"
        fin = to_finals(body, strict=True, v_to_u=True) or body
        feats.update((f"I:{ini}", f"F:{fin}", f"T:{tone}", f"S:{py}", f"IF:{ini}{fin}"))
        if prev_final is not None:
            feats[f"X:{prev_final}|{ini}"] += 1
        prev_final = fin
        if i + 1 < len(flat):
            nxt = flat[i + 1]
            scope = "w" if nxt[3] == w else "x"
            feats[f"TP{scope}:{tone}{nxt[2]}"] += 1
            if ch in "一不":
                feats[f"SANDHI:{ch}+{nxt[2]}"] += 1
            if tone == 3 and nxt[2] == 3:
                feats[f"SANDHI:33{scope}"] += 1
                if i + 2 < len(flat) and flat[i + 2][2] == 3:
                    feats["SANDHI:333"] += 1
            if nxt[2] == 5:
                feats[f"NEUTRAL:{tone}5"] += 1
    if flat:
        feats[f"END:{flat[-1][2]}"] += 1
    return feats


def sentence_features(text: str) -> Counter:
    import cn2an
    import jieba
    from pypinyin import Style, lazy_pinyin

    try:
        spoken = cn2an.transform(text, "an2cn")
    except Exception:  # noqa: BLE001
        spoken = text
    words = []
    for w in jieba.lcut(spoken):
        hanzi = "".join(c for c in w if "\u4e00" <= c <= "\u9fff")
        if hanzi:
            words.append((hanzi, lazy_pinyin(hanzi, style=Style.TONE3, neutral_tone_with_five=True)))
    return syllable_features(words)


def greedy_select(features: list[Counter], target: int, sources: list[str],
                  quotas: dict[str, int] | None = None, initial: Counter | None = None) -> list[int]:
    """Indices of up to ``target`` items maximizing sum_f sum_{k<=count_f} k**-1.5 (lazy greedy).

    The k-th occurrence of a feature is worth ``k**-1.5``: a first occurrence (1.0) outweighs
    second occurrences of two features (0.35 each), so unseen units come first.

    The objective is submodular, so stale gains in the heap are upper bounds (lazy evaluation
    is exact). ``quotas`` caps how many items each source may contribute. Ties break by index.
    """
    quotas = dict(quotas or {})
    counts: Counter = Counter(initial or {})

    def gain(i: int) -> float:
        return sum(_increment(counts[f], n) for f, n in features[i].items())

    heap = [(-gain(i), i) for i in range(len(features))]
    heapq.heapify(heap)
    chosen: list[int] = []
    taken: Counter = Counter()
    while heap and len(chosen) < target:
        neg, i = heapq.heappop(heap)
        src = sources[i]
        if src in quotas and taken[src] >= quotas[src]:
            continue
        g = gain(i)
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, i))
            continue
        chosen.append(i)
        taken[src] += 1
        counts.update(features[i])
    return chosen


def _increment(count: int, n: int) -> float:
    return sum(k ** -1.5 for k in range(count + 1, count + n + 1))


def select_in_order(features: list[Counter], sources: list[str], target: int,
                    template_share: float = TEMPLATE_SHARE) -> list[int]:
    """Templates first (their share of ``target``), then CPP given what the templates cover.

    The two greedy orders are interleaved so that any prefix of the list keeps both the share
    and the best coverage for its size (a corpus run stopped early is still balanced).
    """
    n_tpl = int(target * template_share)
    tpl_idx = [i for i, s in enumerate(sources) if s == "template"]
    rest_idx = [i for i, s in enumerate(sources) if s != "template"]
    tpl = [tpl_idx[k] for k in greedy_select([features[i] for i in tpl_idx], n_tpl, ["template"] * len(tpl_idx))]
    seen: Counter = Counter()
    for i in tpl:
        seen.update(features[i])
    rest = [rest_idx[k] for k in greedy_select([features[i] for i in rest_idx], target - len(tpl),
                                               [sources[i] for i in rest_idx], initial=seen)]
    merged, a, b = [], 0, 0
    while a < len(tpl) or b < len(rest):
        if b >= len(rest) or (a < len(tpl) and a * len(rest) <= b * len(tpl)):
            merged.append(tpl[a])
            a += 1
        else:
            merged.append(rest[b])
            b += 1
    return merged


# ---------------------------------------------------------------- the stage
def build_corpus_text(out: str | Path, cpp: str | Path, exclude: str | Path, target: int = 6000,
                      seed: int = 20261123, min_chars: int = 6, max_chars: int = 40) -> dict:
    """Write the TSV and a ``.json`` sidecar (seed, sources, licenses, coverage); return the stats."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    held = [line.strip() for line in open(exclude, encoding="utf-8") if line.strip()]
    held_keys = set().union(*(comparison_keys(h) for h in held))

    raw = list(cpp_candidates(cpp, min_chars, max_chars)) + template_candidates(seed)
    seen: set[str] = set()
    pool: list[Candidate] = []
    dropped = Counter()
    for cand in raw:
        key = plain_key(cand.text)
        if not length_ok(cand.text, min_chars, max_chars):
            dropped["length"] += 1
        elif is_near_duplicate(cand.text, held_keys):
            dropped[f"held_out_{cand.source}"] += 1
        elif key in seen:
            dropped["duplicate"] += 1
        else:
            pool.append(cand)
        seen.add(key)
    log.info("pool: %d candidates (%s)", len(pool), dict(Counter(c.source for c in pool)))
    feats = [sentence_features(c.text) for c in pool]
    order = select_in_order(feats, [c.source for c in pool], target)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# seed={seed} target={target} chars={min_chars}-{max_chars}; sources: {CPP_SOURCE}; {TEMPLATE_SOURCE}\n")
        for n, i in enumerate(order):
            f.write(f"{pool[i].source}_{n:05d}\t{pool[i].text}\n")
    chosen = order
    stats = coverage_stats([feats[i] for i in chosen], [feats[i] for i in range(len(pool))])
    stats.update({
        "out": str(out), "seed": seed, "target": target, "selected": len(chosen),
        "by_source": dict(Counter(pool[i].source for i in chosen)),
        "pool": dict(Counter(c.source for c in pool)), "dropped": dict(dropped),
        "chars_total": sum(char_count(pool[i].text) for i in chosen),
        "chars_mean": round(sum(char_count(pool[i].text) for i in chosen) / max(1, len(chosen)), 1),
        "sources": {"cpp": {"path": str(cpp), "license": "Apache-2.0", "origin": CPP_SOURCE},
                    "template": {"license": "Apache-2.0 (this project)", "origin": TEMPLATE_SOURCE}},
        "excluded": str(exclude),
    })
    out.with_suffix(".json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    return stats


def coverage_stats(selected: list[Counter], pool: list[Counter]) -> dict:
    """How many distinct features of each kind the selection covers, out of those in the pool."""
    sel, all_ = Counter(), Counter()
    for c in selected:
        sel.update(c)
    for c in pool:
        all_.update(c)
    kinds = sorted({f.split(":")[0] for f in all_})
    cov = {k: f"{sum(1 for f in sel if f.startswith(k + ':'))}/{sum(1 for f in all_ if f.startswith(k + ':'))}" for k in kinds}
    rare = sorted((f for f in sel if sel[f] < 5), key=lambda f: sel[f])
    return {"coverage": cov, "features_under_5": len(rare),
            "sandhi_counts": {f: sel[f] for f in sorted(sel) if f.startswith("SANDHI:")},
            "tone_pairs_within_word": {f: sel[f] for f in sorted(sel) if f.startswith("TPw:")}}

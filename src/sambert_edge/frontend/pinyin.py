"""Dictionary readings (citation pinyin) per Chinese character, with polyphone disambiguation.

Readings come from pypinyin's character and phrase dictionaries, read word by word on jieba's
segmentation. Characters that g2pM's CC-CEDICT digest lists with several readings are then decided by
the g2pM BiLSTM (``polyphone.PolyphoneModel``), restricted to that character's readings; when the
jieba word is an entry of pypinyin's phrase dictionary its reading there gets a fixed logit bonus, so
the model overrules a phrase entry only when it is confident.

Measured on the CPP dev split (9,893 sentences, ``cpp_benchmark``): plain pypinyin 87.5%, g2pM alone
97.36%; this module 97.39% by default, 97.79% without the neutral-tone word list (CPP labels keep the
full tone in 衣服, 收拾, 枇杷 ...). The bonus that is best on CPP is 6 (picked by both halves of a
two-fold split of dev); 12 is used because g2pM, trained on encyclopedic sentences, is often
confidently wrong on short colloquial ones (行长, 了解) where the phrase entry is right, and it costs
0.03 points on CPP.

Output follows pypinyin's TONE3 style: lowercase letters + tone digit, 5 for the neutral tone, ü as
``v`` after n/l only (``"nv3"``, ``"lve4"``) and ``u`` after j/q/x/y (``"qu4"``, ``"xue2"``); the
syllable stage maps j/q/x/y + u to ü. No tone sandhi and no erhua here: 一 is ``yi1`` and 不 is
``bu4`` everywhere (pypinyin's phrase entries bake sandhi into some words, e.g. 一个 yi2), 儿 is its
own syllable.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from types import MappingProxyType

from importlib import resources
from pathlib import Path

from . import phrases

# Before pypinyin's first import: its phrase and character tables come memory-mapped instead of as
# ~45 MB of Python objects, and its mmseg segmenter asks the phrase trie for prefixes (phrases.py).
phrases.install(Path(str(resources.files("sambert_edge.frontend") / "data")))

from pypinyin import Style, lazy_pinyin  # noqa: E402
from pypinyin.constants import PHRASES_DICT  # noqa: E402
from pypinyin.seg.mmseg import seg as mmseg  # noqa: E402

from .polyphone import PolyphoneModel

# Logit bonus for the reading of a polyphone in a phrase-dictionary word (logits span roughly ±20).
# Two-fold CV on CPP dev picks 6 on both folds (5-12 is a plateau within 0.05 points); 12 is kept
# because the model is often confidently wrong on short colloquial sentences (行长, 了解), which CPP
# (encyclopedic sentences) does not cover.
PHRASE_BONUS = 12.0

_CACHE_SIZE = 8192  # distinct Han runs remembered per predictor (each entry is a few hundred bytes)

# Han characters: CJK unified ideographs + extension A, compatibility ideographs, extensions B-F, 〇.
_HAN_RUN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]+")
_SYLLABLE = re.compile(r"[a-z]+[1-5]")

# Characters read in citation form whatever a phrase entry says (sandhi is a later stage).
_CITATION = MappingProxyType({"一": "yi1", "不": "bu4"})

# Words whose last syllable is lexically neutral (轻声) and that pypinyin 0.55 mostly reads with a
# full tone. Curated from PaddleSpeech's must_neural_tone_words (Apache-2.0) plus kinship
# reduplications; words whose neutral tone depends on the meaning (大意, 地道, 地方, 精神, 自在, 兄弟,
# 人家, 买卖, 对头, 多少, 冷战, 温和) are left out. Also matched as the last two characters of a
# longer word (小朋友, 老先生).
_NEUTRAL_WORDS = frozenset(
    """
    朋友 先生 衣服 衣裳 事情 关系 知道 喜欢 认识 告诉 明白 清楚 漂亮 舒服 麻烦 豆腐 眼睛 耳朵 嘴巴 脑袋
    窗户 月亮 太阳 玻璃 时候 姑娘 丈夫 媳妇 师傅 师父 大夫 学生 客气 聪明 糊涂 厉害 热闹 商量 打听
    收拾 凉快 休息 结实 消息 葡萄 云彩 力气 规矩 模糊 喇叭 琵琶 篱笆 苍蝇 护士 亲戚 伙计 好处
    打扮 打算 巴掌 体面 算盘 嘀咕 张罗 扎实 吆喝 应酬 别扭 窝囊 笑话 老实 凑合 本事 动静 功夫 工夫 铺盖
    风筝 指甲 告示 麻利 鸳鸯 高粱 骆驼 马虎 首饰 馄饨 队伍 阔气 闺女 门道 铃铛 铁匠 钥匙 里脊 迷糊 连累
    运气 软和 转悠 踏实 跳蚤 跟头 财主 讲究 记性 记号 见识 裁缝 补丁 衙门 街坊 行李 蛤蟆 蘑菇 薄荷 葫芦
    萝卜 荸荠 苗条 芝麻 舒坦 舌头 膏药 脾气 脊梁 能耐 胳膊 胭脂 胡琴 胡同 耽误 耽搁 老爷 老婆 罗嗦 累赘
    粮食 簸箕 算计 答应 窟窿 稳当 稀罕 称呼 秧歌 秀气 秀才 福气 祖宗 砚台 码头 石榴 石匠 眉毛 相声 盘算
    白净 痢疾 痛快 疟疾 疙瘩 疏忽 畜生 生意 甘蔗 琢磨 琉璃 玫瑰 狐狸 状元 牲口 牌楼 爽快 烧饼 点心 灯笼
    火候 溜达 活泼 比方 正经 欺负 槟榔 棺材 棒槌 棉花 核桃 栅栏 柴火 架势 枕头 枇杷 机灵 月饼 新鲜
    故事 收成 提防 挖苦 挑剔 指头 拾掇 拳头 拨弄 招牌 招呼 抬举 折腾 扫帚 打量 打点 打发 扁担 戒指 意思
    情形 悟性 怪物 思量 念叨 快活 忙活 志气 心思 得罪 弟兄 庄稼 帮手 帐篷 巴结 差事 岁数 屁股 尾巴 少爷
    小气 将就 对付 寡妇 家伙 官司 学问 字号 嫁妆 媒人 婆家 娘家 委屈 姐夫 妯娌 妥当 妖精 奴才 女婿 头发
    外甥 壮实 在乎 嘱咐 嘟囔 喇嘛 唾沫 哑巴 哈欠 哆嗦 咳嗽 和尚 含糊 吓唬 名字 名堂 合同 叫唤 口袋 厚道
    匀称 勤快 动弹 利落 利索 出息 冤枉 冒失 养活 佩服 作坊 似的 交情 主意 丫头 丧气 东家 世故 下巴
    上司 丈人 妈妈 爸爸 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 叔叔 舅舅 姑姑 婶婶 伯伯 姥姥 星星 娃娃 宝宝 东西
    """.split()
)

# 得 as its own word between a one-character verb and a degree word is the complement marker de5
# (跑得真快); g2pM, trained on encyclopedic text, reads it de2 in such colloquial sentences.
_DEGREE_START = ("很", "真", "太", "非常", "特别", "不", "好", "更", "这么", "那么", "越", "挺", "极", "多么")

# Polyphone + next character that fixes its reading (resultative complements of "adjust": 调低 tiáo dī);
# pypinyin has no phrase entries for these and g2pM prefers diào. 调到 stays open (调到北京 diào).
_NEXT_CHAR_RULES = MappingProxyType({"调": (frozenset("低高大小亮暗快慢轻深浅成好准匀"), "tiao2")})

# Settings that are adjusted (tiáo) to a value; elsewhere 调到 is usually diào (调到北京工作).
_ADJUSTABLE = ("空调", "音量", "声音", "温度", "亮度", "风速", "风量", "湿度", "灯光", "频道", "模式",
               "档位", "速度", "屏幕", "闹钟", "时间")

# 东西 is dōngxi "thing" by default; dōngxī "east and west" next to these words.
_EAST_WEST_CONTEXT = ("南北", "两", "方向", "走向", "横贯", "长", "宽", "跨度", "向")


def _dictionary_readings(run: str) -> tuple[str | None, ...]:
    """pypinyin TONE3 readings of a run of Han characters, one per character (None: no reading)."""
    readings = lazy_pinyin(run, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    if len(readings) != len(run):  # pypinyin keeps unknown characters glued together
        readings = [lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)[0] for ch in run]
    return tuple(r if _SYLLABLE.fullmatch(r) else None for r in readings)


def _particle(word: str, before: str, after: str) -> str | None:
    """Reading of a one-character 地/得 word fixed by its neighbouring jieba words, else None."""
    if word == "地" and len(before) >= 2 and before[-1] == before[-2] and _HAN_RUN.fullmatch(before):
        return "de5"  # adverb + 地: 慢慢地, 轻轻地, 高高兴兴地
    if word == "得" and len(before) == 1 and _HAN_RUN.fullmatch(before):
        if after.startswith(_DEGREE_START):  # one-character verb + 得 + degree: 跑得真快
            return "de5"
    return None


def _context_readings(words: Sequence[str], sentence: str) -> dict[int, str]:
    """Position -> reading for polyphones that their neighbours decide (rules above)."""
    fixed: dict[int, str] = {}
    start = 0
    for k, word in enumerate(words):
        if word in ("地", "得"):
            before = words[k - 1] if k else ""
            after = words[k + 1] if k + 1 < len(words) else ""
            rule = _particle(word, before, after)
            if rule is not None:
                fixed[start] = rule
        start += len(word)
    for i, ch in enumerate(sentence[:-1]):
        rule = _NEXT_CHAR_RULES.get(ch)
        if rule is not None and sentence[i + 1] in rule[0]:
            fixed[i] = rule[1]
        elif ch == "调" and sentence[i + 1] in "到至为" and sentence[:i].endswith(_ADJUSTABLE):
            fixed[i] = "tiao2"  # a setting adjusted to a value: 空调调到26度, 音量调至最大
    return fixed


def _neutral_last(word: str, before: str, after: str) -> bool:
    """Whether the last syllable of a Han-character word is lexically neutral in this context."""
    if word == "东西":
        return not any(before.endswith(c) or after.startswith(c) for c in _EAST_WEST_CONTEXT)
    return word in _NEUTRAL_WORDS or (len(word) > 2 and word[-2:] in _NEUTRAL_WORDS)


class PinyinPredictor:
    """Dictionary readings for Chinese characters, with polyphone disambiguation."""

    def __init__(
        self,
        phrase_bonus: float = PHRASE_BONUS,
        lexical_neutral: bool = True,
        sub_phrases: bool = True,
    ) -> None:
        """phrase_bonus: logit bonus for phrase-dictionary readings (0: model alone).
        lexical_neutral: apply the neutral-tone word list (CPP labels often keep the full tone).
        sub_phrases: also trust phrase entries pypinyin finds inside a longer jieba word."""
        self._model = PolyphoneModel()
        self._phrase_bonus = phrase_bonus
        self._lexical_neutral = lexical_neutral
        self._sub_phrases = sub_phrases
        # Per-instance caches keyed by a run of Han characters: pypinyin's lookups are ~60% of the
        # cost of predict() and the words of running text repeat a lot. Results are tuples.
        self._readings = functools.lru_cache(maxsize=_CACHE_SIZE)(_dictionary_readings)
        self._phrases = functools.lru_cache(maxsize=_CACHE_SIZE)(self._find_phrases)

    def _find_phrases(self, run: str) -> tuple[tuple[int, str], ...]:
        """(offset, phrase) of the phrase-dictionary entries that fix readings inside ``run``."""
        if len(run) > 1 and run in PHRASES_DICT:
            return ((0, run),)
        if not self._sub_phrases:
            return ()
        found, offset = [], 0
        for piece in mmseg.cut(run):
            if len(piece) > 1 and piece in PHRASES_DICT:
                found.append((offset, piece))
            offset += len(piece)
        return tuple(found)

    def predict(self, words: Sequence[str]) -> list[str | None]:
        """words: one sentence already segmented by jieba (their concatenation is the sentence;
        tokens may include punctuation, Latin letters, spaces). Returns one entry per character of
        "".join(words): the pinyin of each Chinese character as lowercase letters + tone digit 1-5
        (5 = neutral tone, ü written v, e.g. "hang2", "lv4", "de5", "nv3"), and None for every
        non-Chinese character."""
        sentence = "".join(words)
        out: list[str | None] = [None] * len(sentence)
        phrase_reading: dict[int, str] = {}  # position -> reading from a phrase-dictionary entry
        runs: list[tuple[int, str]] = []  # (start, run) of Han characters; runs never cross words
        start = 0
        for word in words:
            for m in _HAN_RUN.finditer(word):
                pos, run = start + m.start(), m.group()
                readings = self._readings(run)
                out[pos:pos + len(run)] = readings
                for offset, piece in self._phrases(run):
                    phrase_reading.update(
                        (pos + offset + i, r)
                        for i, r in enumerate(readings[offset:offset + len(piece)])
                        if r is not None
                    )
                runs.append((pos, run))
            start += len(word)

        fixed = _context_readings(words, sentence)
        self._disambiguate(sentence, out, phrase_reading, fixed)
        for i, reading in fixed.items():
            out[i] = reading
        for pos, run in runs:  # lexical corrections the dictionaries lack, applied last
            end = pos + len(run)
            if self._lexical_neutral and len(run) > 1 and out[end - 1] is not None and _neutral_last(
                run, sentence[max(0, pos - 2):pos], sentence[end:end + 2]
            ):
                out[end - 1] = out[end - 1][:-1] + "5"
            for i in range(pos, end):
                citation = _CITATION.get(sentence[i])
                if citation is not None:
                    out[i] = citation
        return out

    def _disambiguate(
        self, sentence: str, out: list[str | None], phrase_reading: dict[int, str], fixed: dict[int, str]
    ) -> None:
        """Overwrites ``out`` at every polyphone not already ``fixed`` with the model's choice."""
        model = self._model
        poly = [
            i for i, ch in enumerate(sentence)
            if out[i] is not None and ch in model.candidates and i not in fixed
        ]
        if not poly:
            return  # the BiLSTM runs only for sentences with a polyphone
        for i, row in zip(poly, model.logits(sentence, poly)):
            prefer, allowed = phrase_reading.get(i), model.candidates[sentence[i]]
            if prefer is not None and prefer.endswith("5") and prefer not in allowed:
                continue  # a lexical neutral tone the model has no class for (暖和 huo5)
            best = model.best(row, allowed, prefer, self._phrase_bonus)
            if best is not None:
                out[i] = best

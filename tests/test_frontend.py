"""The whole frontend: text in, sentences of KAN-TTS symbols out; bad input named clearly."""

import json
import re

import pytest

from sambert_edge.frontend import Frontend, FrontendConfig, FrontendError
from sambert_edge.frontend.symbols import parse_symbols


def spoken(frontend, text):
    return " ".join(p or "-" for _, p in frontend.analyze(text).readings(spoken=True))


@pytest.mark.parametrize("text,expected", [
    ("北京今天天气怎么样", "bei3 jing1 jin1 tian1 tian1 qi4 zen3 me5 yang4"),
    ("你好", "ni2 hao3"),
    ("我很好", "wo3 hen2 hao3"),
    ("一定不会", "yi2 ding4 bu2 hui4"),
    ("请把音量调低一点", "qing2 ba3 yin1 liang4 tiao2 di1 yi4 dian3"),
    ("他去银行了", "ta1 qu4 yin2 hang2 le5"),
    ("我们一起去哪儿", "wo3 men5 yi4 qi3 qu4 nar3 -"),
    ("这是我女儿", "zhe4 shi4 wo3 nv3 er2"),
    ("是不是真的", "shi4 bu5 shi4 zhen1 de5"),
    ("看一看", "kan4 yi5 kan4"),
    ("第一名", "di4 yi1 ming2"),
])
def test_spoken_readings_end_to_end(frontend, text, expected):
    assert spoken(frontend, text) == expected


def test_numbers_are_read_after_normalization(frontend):
    analysis = frontend.analyze("今天25℃")
    assert analysis.normalized == "今天二十五摄氏度"
    assert [c for c, _ in analysis.readings()] == list("今天二十五摄氏度")


def test_phone_numbers_get_a_phrase_break_between_digit_groups(frontend):
    """The bug: 13800138000 was cut where the word segmenter happened to (幺 三八 #2 零零幺 #1 ...)."""
    (sentence,) = frontend.analyze("电话13800138000").sentences
    units = parse_symbols(sentence.symbols())
    breaks = [i for i, u in enumerate(units) if u.phone == "#2"]
    assert len(breaks) == 2
    # two syllables of 电话, then groups of 3, 4 and 4 digits: two phones per syllable here
    phones_before = [sum(not u.is_boundary for u in units[:i]) for i in breaks]
    assert phones_before == [2 * (2 + 3), 2 * (2 + 3 + 4)]


def test_sentence_symbols_follow_the_ttsfrd_format(frontend):
    (sentence,) = frontend.analyze("北京今天天气怎么样").sentences
    units = parse_symbols(sentence.symbols())
    assert str(units[0]) == "{b_c$tone3$s_begin$word_begin$emotion_neutral$F7}"
    assert str(units[1]) == "{ei_c$tone3$s_end$word_middle$emotion_neutral$F7}"
    assert str(units[-1]) == "{#4$tone_none$s_none$word_none$emotion_none$F7}"
    assert "#1" in [u.phone for u in units]
    phones = [u for u in units if not u.is_boundary]
    assert len(phones) == 18  # nine syllables, two phones each
    assert {u.emotion for u in phones} == {"emotion_neutral"}


def test_emotion_and_speaker_fields(frontend):
    (sentence,) = frontend.analyze("你好").sentences
    units = sentence.units(emotion="happy", speaker="M7")
    assert {u.emotion for u in units if not u.is_boundary} == {"emotion_happy"}
    assert {u.speaker for u in units} == {"M7"}


def test_punctuation_sets_boundaries_and_sentences(frontend):
    analysis = frontend.analyze("你好，世界。再见！")
    assert len(analysis.sentences) == 2
    first = analysis.sentences[0].symbols()
    assert "{#3$" in first and first.endswith("{#4$tone_none$s_none$word_none$emotion_none$F7}")


def test_long_text_is_chunked_for_streaming():
    frontend = Frontend(FrontendConfig(max_chunk_syllables=10))
    analysis = frontend.analyze("我们明天早上一起去公园散步，然后去图书馆看书，最后回家吃饭。")
    assert len(analysis.sentences) >= 3
    for sentence in analysis.sentences:
        assert len([s for s in sentence.syllables if s.spoken]) <= 10
        assert sentence.symbols().endswith("emotion_none$F7}")


def test_inline_override_fixes_a_reading(frontend):
    assert spoken(frontend, "我[行|xing2]了") .split()[1] == "xing2"
    analysis = frontend.analyze("他在[银行|yin2 xing2]")
    assert analysis.normalized == "他在银行"
    assert analysis.readings()[-1] == ("行", "xing2")


@pytest.mark.parametrize("text,message", [
    ("[行|hangx]", "not a pinyin syllable"),
    ("[银行|yin2]", "2 Chinese characters but 1 syllables"),
])
def test_bad_override_is_named(frontend, text, message):
    with pytest.raises(FrontendError, match=message):
        frontend.analyze(text)


def test_user_lexicon_overrides_dictionary(tmp_path):
    lexicon = tmp_path / "my.txt"
    lexicon.write_text("# my words\n重庆 chong2 qing4\n单于 chan2 yu2\nNASA na1 sa4\n", encoding="utf-8")
    frontend = Frontend(FrontendConfig(lexicon_paths=(str(lexicon),)))
    assert spoken(frontend, "单于来了") == "chan2 yu2 lai2 le5"
    syllables = frontend.analyze("NASA发射").sentences[0].syllables
    assert [s.spoken for s in syllables][:2] == ["na1", "sa4"]


def test_fingerprint_changes_with_what_decides_readings(frontend, tmp_path):
    lexicon = tmp_path / "my.txt"
    lexicon.write_text("单于 chan2 yu2\n", encoding="utf-8")
    with_lexicon = Frontend(FrontendConfig(lexicon_paths=(str(lexicon),)))
    assert Frontend().fingerprint == frontend.fingerprint  # same code, data and settings
    assert with_lexicon.fingerprint != frontend.fingerprint
    assert Frontend(FrontendConfig(max_chunk_syllables=10)).fingerprint != frontend.fingerprint
    assert Frontend(FrontendConfig(max_chars=50)).fingerprint == frontend.fingerprint  # refuses, reads alike
    assert re.fullmatch(r"[0-9a-f]{16}", frontend.fingerprint)


def test_code_fingerprint_reads_every_file_but_bytecode(tmp_path):
    from sambert_edge.frontend.fingerprint import _files

    (tmp_path / "data").mkdir()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "a.py").write_text("x = 1")
    (tmp_path / "data" / "t.txt").write_bytes(b"\x00\x01")
    (tmp_path / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"junk")
    (tmp_path / "b.pyc").write_bytes(b"junk")
    assert sorted(_files(tmp_path, "")) == [("a.py", b"x = 1"), ("data/t.txt", b"\x00\x01")]


@pytest.mark.parametrize("content,message", [
    ("银行\n", "my.txt:1: expected 'word pinyin...'"),
    ("好 hao3\n银行 yin2\n", "my.txt:2: '银行' has 2 Chinese characters but 1 syllables"),
    ("好 hao9\n", "my.txt:1: not a pinyin syllable"),
])
def test_bad_lexicon_line_is_named(tmp_path, content, message):
    path = tmp_path / "my.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FrontendError, match=message):
        Frontend(FrontendConfig(lexicon_paths=(str(path),)))


def test_missing_lexicon_file_is_named(tmp_path):
    with pytest.raises(FrontendError, match="cannot read lexicon"):
        Frontend(FrontendConfig(lexicon_paths=(str(tmp_path / "nope.txt"),)))


def test_latin_letters_are_spelled_and_known_words_read(frontend):
    syllables = frontend.analyze("打开GPS").sentences[0].syllables
    assert [s.spoken for s in syllables][2:] == ["ji4", "pi4", "ai2", "si1"]
    syllables = frontend.analyze("连上WiFi").sentences[0].syllables
    assert [s.spoken for s in syllables][2:] == ["wai1", "fai1"]
    # letters are spoken but are not Chinese characters in the pinyin listing
    assert [c for c, _ in frontend.analyze("打开GPS").readings()] == ["打", "开"]


@pytest.mark.parametrize("text,message", [
    ("", "text is empty"),
    ("   \n\t ", "text is empty"),
    ("😀😀", "nothing to speak"),
    ("。，！", "nothing to speak"),
    ("你好\x00", "control character U+0000"),
    ("你好\x1b[31m", "control character U+001B"),
    ("你好\ud800", "invalid surrogate U+D800"),
    (None, "must be a string"),
    (b"bytes", "must be a string"),
])
def test_bad_input_is_named(frontend, text, message):
    with pytest.raises(FrontendError, match=re.escape(message)):
        frontend.analyze(text)


def test_text_over_the_limit_is_refused():
    frontend = Frontend(FrontendConfig(max_chars=10))
    with pytest.raises(FrontendError, match="11 characters long; the limit is 10"):
        frontend.analyze("一" * 11)
    assert frontend.analyze("一" * 10).sentences


def test_json_shape(frontend):
    result = frontend.analyze("哪儿好玩？").to_json()
    json.dumps(result, ensure_ascii=False)
    assert set(result) == {"normalized", "pinyin", "spoken", "symbols"}
    assert result["pinyin"][:2] == [["哪", "na3"], ["儿", "er2"]]
    assert result["spoken"][:2] == [["哪", "nar3"], ["儿", None]]
    assert len(result["symbols"]) == 1 and "{ar_c$tone3" in result["symbols"][0]


def test_traditional_and_full_width_text_is_read(frontend):
    analysis = frontend.analyze("我們說１２３")
    assert analysis.normalized.startswith("我们说")
    assert all(p is not None for _, p in analysis.readings())


"""Text normalization: characters, Latin words, punctuation, symbols, and global properties."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sambert_edge.frontend.normalize import normalize

LATIN = [
    ("我用iPhone", "我用iPhone"),
    ("GPS", "GPS"),
    ("CEO", "CEO"),
    ("hello world", "hello world"),
    ("hello   world", "hello world"),
    ("ABC def", "ABC def"),
    ("中文 English 中文", "中文English中文"),
    ("A4纸", "A四纸"),
    ("5G", "五G"),
    ("5G网络", "五G网络"),
    ("MP3", "MP三"),
    ("4K电视", "四K电视"),
    ("3D打印", "三D打印"),
    ("B2B", "B二B"),
    ("iPhone15", "iPhone十五"),
    ("iPhone 15", "iPhone十五"),
    ("Win10", "Win十"),
    ("RTX4090", "RTX四零九零"),
    ("1080P", "一零八零P"),
    ("Python3", "Python三"),
    ("COVID-19", "COVID十九"),
    ("don't", "don’t"),
    ("C++", "C加加"),
    ("TCP/IP", "TCP IP"),
    ("Wi-Fi", "Wi Fi"),
    ("abc@gmail.com", "abc艾特gmail点com"),
    ("www.baidu.com", "www点baidu点com"),
    ("https://www.qq.com/", "www点qq点com"),
]

FULL_WIDTH = [
    ("１２３", "一百二十三"),
    ("ＡＢＣ", "ABC"),
    ("Ａｐｐｌｅ", "Apple"),
    ("苹果发布新ＩＰＨＯＮＥ", "苹果发布新IPHONE"),
    ("第１名", "第一名"),
    ("１２：３０", "十二点三十分"),
    ("１０％", "百分之十"),
    ("ｉＰｈｏｎｅ１５", "iPhone十五"),
    ("你好，世界！", "你好，世界！"),
    ("①", "一"),
]

TRADITIONAL = [
    ("這是測試", "这是测试"),
    ("繁體中文", "繁体中文"),
    ("電話號碼", "电话号码"),
    ("我們學習漢語", "我们学习汉语"),
    ("三點半開會", "三点半开会"),
    ("價格是100萬", "价格是一百万"),
    ("臺灣", "台湾"),
    ("二〇二四年", "二零二四年"),
]

PUNCTUATION = [
    ("他说:\"你好!\"", "他说：“你好！”"),
    ("他说：“我们已经吃过了！”。", "他说：“我们已经吃过了！”。"),
    ("Hello, world.", "Hello，world。"),
    ("真的吗?", "真的吗？"),
    ("什么!!!", "什么！！！"),
    ("等等...", "等等…"),
    ("嗯……", "嗯…"),
    ("——破折号", "——破折号"),
    ("(括号)", "（括号）"),
    ("[方括号]", "（方括号）"),
    ("【标题】", "（标题）"),
    ("《书名》", "《书名》"),
    ("「引号」", "“引号”"),
    ("第一;第二", "第一；第二"),
    ("注意:这里", "注意：这里"),
    ("苹果、香蕉", "苹果、香蕉"),
    ("马克·吐温", "马克·吐温"),
    ("好的~", "好的"),
    ("是/否", "是否"),
    ("@张三", "艾特张三"),
    ("#话题#", "话题"),
    ("A&B", "A B"),
    ("甲&乙", "甲和乙"),
]

SYMBOLS_AND_WHITESPACE = [
    ("你好😀世界", "你好世界"),
    ("👍👍👍", ""),
    ("好❤️的", "好的"),
    ("★重要★", "重要"),
    ("控\x00制\x07字\x1b符", "控制字符"),
    ("零\u200b宽", "零宽"),
    ("\ufeff开头", "开头"),
    ("  多个   空格  ", "多个空格"),
    ("第一行\n第二行", "第一行第二行"),
    ("a\tb", "a b"),
    ("", ""),
    ("   ", ""),
    ("iPhone™", "iPhone"),
    ("©腾讯", "腾讯"),
    ("안녕你好", "你好"),
    ("雪の花", "雪花"),
    ("坏\ud800字符", "坏字符"),  # a lone surrogate (possible in str, not in UTF-8)
]

ALREADY_NORMALIZED = [
    "今天是二零二四年三月十五号，天气很好。",
    "我有两个苹果和三本书！",
    "下午三点半在三零二房间开会。",
    "请拨打幺三八、幺二三四、五六七八。",
    "他用iPhone听MP三。",
    "价格是十三点五美元，涨了百分之五。",
    "hello world",
    "《红楼梦》第二十一回：“好！”",
]

_OUTPUT_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
                           r"A-Za-z ，。！？、；：“”‘’（）《》…—·]*")


def _check(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(("text", "expected"), LATIN)
def test_latin_and_acronyms(text, expected):
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), FULL_WIDTH)
def test_full_width(text, expected):
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), TRADITIONAL)
def test_traditional_to_simplified(text, expected):
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), PUNCTUATION)
def test_punctuation(text, expected):
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), SYMBOLS_AND_WHITESPACE)
def test_symbols_control_whitespace(text, expected):
    _check(text, expected)


@pytest.mark.parametrize("text", ALREADY_NORMALIZED)
def test_idempotent_on_normalized_text(text):
    assert normalize(text) == text
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize("text", [
    "2024年3月15日下午3:30，我花了¥25.5买了2kg苹果，涨了3.5%！",
    "拨打13812345678或访问www.example.com，验证码123456。",
])
def test_output_alphabet_and_idempotence(text):
    once = normalize(text)
    assert _OUTPUT_CHARS.fullmatch(once)
    assert normalize(once) == once


def test_mixed_sentence():
    text = "2024年3月15日下午3:30，我花了¥25.5买了2kg苹果，涨了3.5%！"
    assert normalize(text) == ("二零二四年三月十五日下午三点三十分，我花了二十五点五元买了"
                               "两千克苹果，涨了百分之三点五！")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_and_output_is_clean(text):
    out = normalize(text)
    assert isinstance(out, str)
    assert _OUTPUT_CHARS.fullmatch(out), out


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789-+/.:%,年月日号点个元$¥kgm第 ", max_size=30))
def test_never_raises_on_number_soup(text):
    assert _OUTPUT_CHARS.fullmatch(normalize(text))


@pytest.mark.parametrize("unit", ["0", "1.", "a1", "1-", "-1", "1.1.", "1e"])
def test_long_repetitive_input_stays_linear(unit):
    text = unit * 4000
    start = time.perf_counter()
    normalize(text)
    assert time.perf_counter() - start < 1.0  # was seconds when a regex backtracked


def test_fast_enough():
    text = "2024年3月15日下午3:30，我花了¥25.5买了2kg苹果，涨了3.5%！"
    normalize(text)  # warm the converter cache
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        normalize(text)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.002  # generous bound for a shared CI machine; typically ~0.2 ms

"""The CER used to judge the teacher and our voices (TEACHER.md)."""

import pytest

pytest.importorskip("opencc")
pytest.importorskip("cn2an")

from sambert_edge.train.judge import cer, edit_distance, normalize_for_cer  # noqa: E402


@pytest.mark.parametrize("a, b, d", [("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3), ("今天", "今天", 0)])
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d == edit_distance(b, a)


@pytest.mark.parametrize("ref, hyp, expected", [
    ("打开客厅的灯", "打开客厅的灯", 0.0),
    ("打开客厅的灯", "打開客廳的燈。", 0.0),                   # traditional -> simplified, punctuation
    ("打开窗帘，让阳光照进来", "打开窗帘 让阳光照进来", 0.0),  # spaces and commas dropped
    ("打开客厅的灯", "打开客厅的动", 1 / 6),
    ("现在时间是下午三点二十分", "现在时间是下午3点20分", 0.0),  # digits as a number
    ("我的电话是一三八零零", "我的电话是13800", 0.0),          # digits one by one
    ("这件衣服三百九十九元", "这件衣服399元", 0.0),
    ("今天是二零二四年", "今天是2024年", 0.0),
    ("全角数字三十", "全角数字３０", 0.0),                    # NFKC
    ("今天是2024年3月15日", "今天是2024年3月15日", 0.0),      # digits in the reference too
    ("温度调到25度", "温度调到二十五度", 0.0),
    ("号码是13800", "号码是一三八零零", 0.0),
    ("温度调到25度", "温度调到26度", 1 / 7),                  # one digit wrong, reference length as written
    ("一二三", "", 1.0),
    ("一二三", "一二三四五六", 1.0),                         # insertions count
])
def test_cer_table(ref, hyp, expected):
    assert cer(ref, hyp) == pytest.approx(expected)


def test_normalize_for_cer_drops_punctuation_keeps_letters():
    assert normalize_for_cer("Hello，世界！ GPS") == "hello世界gps"


def test_empty_reference_is_an_error():
    with pytest.raises(ValueError):
        cer("。", "什么")

"""Sentence splitting, #1-#4 boundaries from punctuation and word structure, chunking."""

import pytest

from sambert_edge.frontend.prosody import boundary_levels, chunk_bounds, split_sentences


@pytest.mark.parametrize("text,sentences", [
    ("你好。我很好！", ["你好。", "我很好！"]),
    ("真的吗？是的。", ["真的吗？", "是的。"]),
    ("第一行\n第二行", ["第一行", "第二行"]),
    ("等等……好吧", ["等等……", "好吧"]),
    ("一，二，三", ["一，二，三"]),
    ("  ", []),
])
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("tokens,counts,levels", [
    # punctuation sets the level after the word before it
    (["你好", "，", "世界", "。"], [2, 0, 2, 0], [3, 0, 4, 0]),
    (["苹果", "、", "香蕉", "、", "橘子"], [2, 0, 2, 0, 2], [2, 0, 2, 0, 4]),
    (["他", "说", "：", "走"], [1, 1, 0, 1], [0, 3, 0, 4]),
    # word boundaries give #1; a monosyllable joins its neighbour
    (["北京", "今天", "天气", "怎么样"], [2, 2, 2, 3], [1, 1, 1, 4]),
    (["我", "很", "好"], [1, 1, 1], [0, 0, 4]),
    # a long run with no punctuation gets a #2
    (["我们", "明天", "早上", "一起", "去", "公园", "散步"], [2, 2, 2, 2, 1, 2, 2],
     [1, 1, 1, 0, 2, 1, 4]),
])
def test_boundary_levels(tokens, counts, levels):
    assert boundary_levels(tokens, counts) == levels


def test_chunks_respect_the_limit_and_prefer_commas():
    counts = [4, 0, 4, 4, 0, 4]
    levels = [3, 0, 1, 3, 0, 4]
    # cuts at the commas (#3) rather than at the #1 that would fill the first chunk
    assert chunk_bounds(counts, levels, 8) == [(0, 1), (1, 4), (4, 6)]
    assert chunk_bounds(counts, levels, 100) == [(0, 6)]


def test_a_word_longer_than_the_limit_is_its_own_chunk():
    assert chunk_bounds([10, 2], [1, 4], 4) == [(0, 1), (1, 2)]

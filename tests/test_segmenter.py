"""The memory-mapped dictionaries: same entries as jieba's and pypinyin's own, same segmentation and
readings, and the memory they save stays saved."""

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from sambert_edge.frontend import phrases, segmenter

DATA = Path(str(resources.files("sambert_edge.frontend") / "data"))


def test_shipped_jieba_dictionary_is_what_the_build_script_makes(tmp_path):
    info = segmenter.build_dictionary(tmp_path)
    assert (tmp_path / segmenter.FREQ_FILE).read_bytes() == (DATA / segmenter.FREQ_FILE).read_bytes()
    assert json.loads((DATA / segmenter.INFO_FILE).read_text()) == info


def test_shipped_phrase_table_is_what_the_build_script_makes(tmp_path):
    phrases.build_phrases(tmp_path)
    assert (tmp_path / phrases.PHRASES_FILE).read_bytes() == (DATA / phrases.PHRASES_FILE).read_bytes()


def test_phrase_table_holds_every_pypinyin_entry_unchanged():
    source = Path(str(resources.files("pypinyin") / "phrases_dict.json"))
    expected = json.loads(source.read_text(encoding="utf-8"))
    table = phrases.load(DATA)
    assert len(table) == len(expected)
    assert all(table[phrase] == value for phrase, value in expected.items())
    assert "不存在的词语" not in table and 42 not in table
    with pytest.raises(KeyError):
        table["不存在的词语"]


def test_trie_freq_reads_the_trie_and_keeps_added_words_apart():
    import marisa_trie

    freq = segmenter.TrieFreq(marisa_trie.RecordTrie("<I", [("北京", (10,)), ("北", (0,))]))
    assert freq["北京"] == 10 and freq.get("北") == 0 and freq.get("南", 5) == 5
    assert "北" in freq and "南京" not in freq and 3 not in freq
    freq["南京"] = 7
    freq["北京"] = 99  # an added word overrides the shipped frequency
    assert freq["南京"] == 7 and freq["北京"] == 99 and len(freq) == 3 and sorted(freq) == ["北", "北京", "南京"]
    with pytest.raises(TypeError):
        del freq["北"]


@pytest.mark.parametrize("text", [
    "今天天气很好，我们去公园散步吧。",
    "他在银行工作了十二年，去年当上了行长。",
    "南京市长江大桥于一九六八年建成通车。",
    "请把客厅的空调调到二十六度。",
    "扫地机器人已经开始清扫客厅和卧室。",
    "这是一个测试句子，包含一些不常见的词语如饕餮和魑魅魍魉。",
])
def test_segmentation_is_jiebas_own(text):
    import jieba

    reference = jieba.Tokenizer()
    reference.initialize()
    ours = segmenter.load_tokenizer()
    assert ours.lcut(text) == reference.lcut(text)
    reference.add_word("魑魅魍魉饕餮", 10**6)
    ours.add_word("魑魅魍魉饕餮", 10**6)
    assert ours.lcut(text + "魑魅魍魉饕餮") == reference.lcut(text + "魑魅魍魉饕餮")


_READ = """
import json, sys
{first}
from sambert_edge.frontend import Frontend
out = [Frontend().analyze(t).to_json() for t in sys.argv[1:]]
print(json.dumps([type(sys.modules["pypinyin.phrases_dict"].phrases_dict).__name__, out], ensure_ascii=False))
"""


def test_readings_are_the_same_with_pypinyins_own_phrase_dict():
    texts = ["他在银行工作，是行长。", "我们一起去长城，看看长江。", "这个问题还没有解决。"]
    runs = {}
    for first in ("", "import pypinyin"):  # pypinyin imported first keeps its own dict
        result = subprocess.run([sys.executable, "-c", _READ.format(first=first), *texts],
                                capture_output=True, text=True, check=True)
        runs[first] = json.loads(result.stdout)
    assert runs[""][0] == "TriePhrases" and runs["import pypinyin"][0] == "dict"
    assert runs[""][1] == runs["import pypinyin"][1]


_HWM = """
import numpy, onnxruntime
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
base = hwm()
{load}
print(hwm() - base)
"""


def test_frontend_memory_stays_under_its_budget():
    """Frontend loaded and used: 56 MB measured on x86-64 (147 MB with jieba's and pypinyin's dicts)."""
    load = "from sambert_edge.frontend import Frontend\nFrontend().analyze('今天天气很好，我们去公园散步吧。')"
    result = subprocess.run([sys.executable, "-c", _HWM.format(load=load)], capture_output=True, text=True,
                            check=True)
    assert float(result.stdout) < 80.0

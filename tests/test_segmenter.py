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


def test_shipped_pypinyin_tables_are_what_the_build_script_makes(tmp_path):
    info = phrases.build_tables(tmp_path)
    for name in (phrases.PHRASES_FILE, phrases.CHARS_FILE):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    assert json.loads((DATA / phrases.INFO_FILE).read_text()) == info
    assert phrases._matches_installed_pypinyin(DATA)


def test_tables_of_another_pypinyin_version_are_not_used(tmp_path):
    for name in (phrases.PHRASES_FILE, phrases.CHARS_FILE):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    info = json.loads((DATA / phrases.INFO_FILE).read_text())
    (tmp_path / phrases.INFO_FILE).write_text(json.dumps({**info, "pypinyin": "0.1.0"}))
    assert not phrases._matches_installed_pypinyin(tmp_path)
    info["pinyin_dict.json"] = {**info["pinyin_dict.json"], "bytes": 1}
    (tmp_path / phrases.INFO_FILE).write_text(json.dumps(info))
    assert not phrases._matches_installed_pypinyin(tmp_path)
    (tmp_path / phrases.INFO_FILE).unlink()
    assert not phrases._matches_installed_pypinyin(tmp_path)


def test_character_table_holds_every_pypinyin_entry_unchanged():
    source = Path(str(resources.files("pypinyin") / "pinyin_dict.json"))
    expected = {int(code): value for code, value in json.loads(source.read_text(encoding="utf-8")).items()}
    table = phrases.load_chars(DATA)
    assert len(table) == len(expected) and set(table) == set(expected)
    assert all(table[code] == value for code, value in expected.items())
    for missing in (ord("a"), 0xD800, -1, 0x110000, "中", None):
        assert missing not in table
        with pytest.raises(KeyError):
            table[missing]
    table[ord("a")] = "ei"  # load_single_dict writes here
    assert table[ord("a")] == "ei" and ord("a") in table and len(table) == len(expected) + 1
    with pytest.raises(TypeError):
        del table[ord("中")]


def test_phrase_table_holds_every_pypinyin_entry_unchanged():
    source = Path(str(resources.files("pypinyin") / "phrases_dict.json"))
    expected = json.loads(source.read_text(encoding="utf-8"))
    table = phrases.load(DATA)
    assert len(table) == len(expected)
    assert all(table[phrase] == value for phrase, value in expected.items())
    assert "不存在的词语" not in table and 42 not in table
    with pytest.raises(KeyError):
        table["不存在的词语"]
    table["不存在的词语"] = [["bù"], ["cún"], ["zài"], ["de"], ["cí"], ["yǔ"]]  # load_phrases_dict writes here
    assert table["不存在的词语"][0] == ["bù"] and len(table) == len(expected) + 1
    with pytest.raises(TypeError):
        del table["中国"]


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


_PYPINYIN = """
import json, random, sys
{first}
from sambert_edge.frontend import pinyin  # noqa: F401  (installs the stand-ins unless pypinyin came first)
import pypinyin
from pypinyin import Style, lazy_pinyin, pinyin as heteronyms
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.seg import mmseg

# Texts that walk the prefix set: runs of phrases, phrase prefixes and single characters.
rng = random.Random(7)
keys = sorted(k for k in PHRASES_DICT if len(k) > 1)[::23]
texts = json.loads(sys.argv[1])
for _ in range(400):
    parts = [rng.choice(keys) for _ in range(rng.randint(1, 5))]
    parts = [p[:rng.randint(1, len(p))] if rng.random() < 0.3 else p for p in parts]
    texts.append("".join(parts))

def read():
    return [[list(mmseg.seg.cut(t)), lazy_pinyin(t, style=Style.TONE3, neutral_tone_with_five=True),
             heteronyms(t, heteronym=True)] for t in texts]

out = {{"kinds": [type(PHRASES_DICT).__name__, type(PINYIN_DICT).__name__, type(mmseg.p_set).__name__],
        "before": read()}}
pypinyin.load_phrases_dict({{"银行行长": [["yín"], ["háng"], ["háng"], ["zhǎng"]], "长江": [["cháng"], ["jiāng"]]}})
pypinyin.load_single_dict({{ord("〇"): "líng", ord("行"): "xíng,háng"}})
out["after"] = read()
print(json.dumps(out, ensure_ascii=False))
"""


def test_pypinyin_reads_and_cuts_the_same_on_the_stand_ins():
    """pypinyin on the memory-mapped tables and the trie prefix set (_mmseg) == pypinyin on its own dicts,
    including after words are added at run time (load_phrases_dict / load_single_dict)."""
    texts = ["今天天气很好，我们去公园散步吧。", "他在银行工作，是银行行长。", "南京市长江大桥〇", "重庆的重量很重要",
             "一个不少", "乐队的音乐让人快乐", "魑魅魍魉饕餮", "𠀀𪚥", ""]
    runs = {}
    for first in ("", "import pypinyin"):
        result = subprocess.run([sys.executable, "-c", _PYPINYIN.format(first=first), json.dumps(texts)],
                                capture_output=True, text=True, check=True)
        runs[first] = json.loads(result.stdout)
    assert runs[""]["kinds"] == ["TriePhrases", "TrieChars", "TriePrefixSet"]
    assert runs["import pypinyin"]["kinds"] == ["dict", "dict", "PrefixSet"]
    assert runs[""]["before"] == runs["import pypinyin"]["before"]
    assert runs[""]["after"] == runs["import pypinyin"]["after"]
    assert runs[""]["after"] != runs[""]["before"]  # the added entries were read


def test_trie_prefix_set_is_pypinyins_prefix_set():
    from sambert_edge.frontend import _mmseg

    words = sorted(phrases.load(DATA))[::50]
    ours, reference = _mmseg.TriePrefixSet(phrases.load(DATA).trie), _mmseg.PrefixSet()
    reference.train(phrases.load(DATA))
    probes = {w[:i] for w in words for i in range(len(w) + 2)} | {w + "的" for w in words} | {"", "x", 3}
    assert all((p in ours) == (p in reference) for p in probes)
    ours.train(["不存在的词语"])
    assert "不存在的" in ours and "不存在的词语" in ours and "不存在的词语们" not in ours

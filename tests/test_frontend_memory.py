"""The frontend's memory stays within its budget (a regression guard on memory, not a timing test).

The product target is a peak RSS of 150 MB for ``sambert-edge say`` on a 2 GB board, and the text
frontend's share of it is bounded here: the RSS a process gains by loading ``Frontend`` and
analyzing a sentence, over a baseline process that has imported numpy and onnxruntime (which every
synthesis process has). Measured on x86-64 (Python 3.11, jieba 0.42.1, pypinyin 0.55.0):

* 147 MB with jieba's and pypinyin's own dictionaries (Python dicts of ~500k words, 47k phrases,
  41k characters, a set of 87k phrase prefixes) and jieba importing pkg_resources;
* 56 MB with jieba's word table and pypinyin's phrase table as memory-mapped MARISA tries;
* 29 MB with pypinyin's character table in a trie too, pypinyin's mmseg prefix set asked of the
  phrase trie (``frontend/_mmseg.py``) and jieba imported without pkg_resources.

The bound below (45 MB) leaves room for other platforms and library patch releases while still
failing if any of the large tables comes back as Python objects (each is 8-60 MB).
"""

import json
import subprocess
import sys

BOUND_MB = 45.0

_MEASURE = """
import json, sys
import numpy, onnxruntime

def status():
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) / 1024 for k, v in (line.split(":", 1) for line in f)
                if k in ("VmRSS", "VmHWM")}

base = status()
from sambert_edge.frontend import Frontend
frontend = Frontend()
analysis = frontend.analyze("今天天气很好，我们去公园散步吧。银行行长说，重庆的东西很好吃。")
end = status()
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.seg import mmseg
print(json.dumps({
    "rss": end["VmRSS"] - base["VmRSS"],
    "peak": end["VmHWM"] - base["VmHWM"],
    "base": base["VmRSS"],
    "kinds": {
        "jieba FREQ": type(frontend._tokenizer.FREQ).__name__,
        "pypinyin PHRASES_DICT": type(PHRASES_DICT).__name__,
        "pypinyin PINYIN_DICT": type(PINYIN_DICT).__name__,
        "pypinyin mmseg prefix set": type(mmseg.p_set).__name__,
    },
    "pkg_resources": "pkg_resources" in sys.modules,
    "syllables": sum(len(w.syllables) for s in analysis.sentences for w in s.words),
}))
"""


def _measure() -> dict:
    result = subprocess.run([sys.executable, "-c", _MEASURE], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_frontend_memory_stays_under_its_budget():
    m = _measure()
    assert m["syllables"] > 20  # it did read the text
    # The compact tables are in use (a failure here explains a failure of the bounds below).
    assert m["kinds"] == {
        "jieba FREQ": "TrieFreq",
        "pypinyin PHRASES_DICT": "TriePhrases",
        "pypinyin PINYIN_DICT": "TrieChars",
        "pypinyin mmseg prefix set": "TriePrefixSet",
    }
    assert not m["pkg_resources"]
    assert m["rss"] < BOUND_MB, f"frontend RSS +{m['rss']:.1f} MB over numpy+onnxruntime (bound {BOUND_MB})"
    assert m["peak"] < BOUND_MB, f"frontend peak RSS +{m['peak']:.1f} MB over numpy+onnxruntime (bound {BOUND_MB})"

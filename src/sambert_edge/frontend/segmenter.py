"""jieba word segmentation on a memory-mapped dictionary.

jieba keeps its dictionary as ``Tokenizer.FREQ``, a Python dict of ~500k words and word prefixes
built from ``dict.txt`` (marshal-cached): about 60 MB resident, a third of the frontend's memory on
a 2 GB board. Here the same table is a MARISA trie (``data/jieba_freq.marisa``, ~2 MB, built by
``tools/build_frontend_data.py`` from the installed jieba's ``dict.txt``), memory-mapped, so the
pages are shared between processes and cost nothing until read. jieba's algorithm is unchanged:
its Tokenizer only ever asks ``FREQ`` for membership and values (``get_DAG``, ``calc``) and writes
words added at run time (``add_word``), which go to a small overlay dict.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator, MutableMapping
from importlib import resources
from pathlib import Path

import marisa_trie


def _import_jieba():
    """``import jieba`` without ``pkg_resources``.

    jieba 0.42 (``jieba/_compat.py``) imports setuptools' deprecated ``pkg_resources`` only to open
    its own data files, and falls back to plain ``open`` next to its modules when that import fails.
    pkg_resources scans every installed distribution at import: ~8 MB resident and a deprecation
    warning on stderr. So jieba is imported with pkg_resources blocked (a ``None`` entry in
    ``sys.modules`` makes ``import pkg_resources`` raise ImportError); if something imported
    pkg_resources already, jieba simply uses it.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            # If pkg_resources does get imported, its deprecation warning is jieba's affair and would
            # otherwise reach every user of the CLI on stderr.
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            import jieba
    finally:
        if block and "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

FREQ_FILE = "jieba_freq.marisa"
"""Word (or word prefix, frequency 0) -> jieba frequency, as a ``RecordTrie("<I")``."""
INFO_FILE = "jieba_freq.json"
"""{"total": sum of frequencies, "jieba": version, "dict_sha256": ...} of the dictionary the trie holds."""


class TrieFreq(MutableMapping):
    """jieba's ``FREQ`` table: a read-only trie plus an overlay for words added at run time."""

    def __init__(self, trie: marisa_trie.RecordTrie) -> None:
        self._trie = trie
        self._overlay: dict[str, int] = {}

    def __getitem__(self, word: str) -> int:
        try:
            return self._overlay[word]
        except KeyError:
            return self._trie[word][0][0]

    def __contains__(self, word: object) -> bool:
        return word in self._overlay or (isinstance(word, str) and word in self._trie)

    def get(self, word: str, default: int | None = None) -> int | None:
        value = self._overlay.get(word)
        if value is not None:
            return value
        found = self._trie.get(word)
        return found[0][0] if found else default

    def __setitem__(self, word: str, freq: int) -> None:
        self._overlay[word] = freq

    def __delitem__(self, word: str) -> None:
        raise TypeError("jieba's dictionary is read-only; add words with add_word")

    def __iter__(self) -> Iterator[str]:
        yield from self._overlay
        yield from (w for w in self._trie.iterkeys() if w not in self._overlay)

    def __len__(self) -> int:
        return len(self._trie) + sum(1 for w in self._overlay if w not in self._trie)


def data_dir() -> Path:
    return Path(str(resources.files("sambert_edge.frontend") / "data"))


def load_tokenizer(folder: Path | None = None) -> jieba.Tokenizer:
    """A jieba ``Tokenizer`` ready to cut, on the memory-mapped dictionary in ``folder`` (default: package data)."""
    folder = folder or data_dir()
    info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
    tokenizer = jieba.Tokenizer()
    if info.get("jieba") != jieba.__version__:
        # Built from another jieba (its pin was overridden): its own dictionary, same cuts, more memory.
        tokenizer.initialize()
        return tokenizer
    trie = marisa_trie.RecordTrie("<I").mmap(str(folder / FREQ_FILE))
    tokenizer.FREQ = TrieFreq(trie)
    tokenizer.total = int(info["total"])
    tokenizer.initialized = True  # jieba would otherwise load dict.txt into a dict on first cut
    return tokenizer


def build_dictionary(folder: Path) -> dict:
    """Write ``FREQ_FILE`` and ``INFO_FILE`` into ``folder`` from the installed jieba's ``dict.txt``."""
    import hashlib

    source = jieba.Tokenizer()
    with source.get_dict_file() as f:
        raw = f.read()
    with source.get_dict_file() as f:
        freq, total = source.gen_pfdict(f)
    trie = marisa_trie.RecordTrie("<I", ((word, (count,)) for word, count in freq.items()))
    folder.mkdir(parents=True, exist_ok=True)
    trie.save(str(folder / FREQ_FILE))
    info = {"total": total, "jieba": jieba.__version__, "dict_sha256": hashlib.sha256(raw).hexdigest(),
            "entries": len(freq)}
    (folder / INFO_FILE).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info

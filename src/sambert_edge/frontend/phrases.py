"""pypinyin's phrase dictionary, memory-mapped instead of parsed into Python lists.

pypinyin (0.55) parses ``phrases_dict.json`` at import into a dict of 47k phrases whose values
are lists of lists of strings: ~600k Python objects, about 35 MB resident, the largest part of the
frontend's memory after jieba's. Here the same entries live in a MARISA trie
(``data/pypinyin_phrases.marisa``, built by ``tools/build_frontend_data.py`` from the installed
pypinyin's JSON) and each value is decoded only when pypinyin looks a phrase up.

pypinyin reads the table through one module attribute, ``pypinyin.phrases_dict.phrases_dict``,
which ``pypinyin.constants`` binds as ``PHRASES_DICT`` for the converter and the mmseg segmenter;
with ``PYPINYIN_NO_DICT_COPY`` set it binds that object itself rather than a copy. So
:func:`install` puts a stand-in ``pypinyin.phrases_dict`` module holding :class:`TriePhrases` into
``sys.modules`` before pypinyin is first imported: pypinyin's own code then runs unchanged on the
same entries (``tests/test_segmenter.py`` checks entry-for-entry equality with pypinyin's JSON).
If pypinyin was imported before (by another library), nothing is replaced and pypinyin keeps its
own dict: readings are the same either way, only the memory differs.
"""

from __future__ import annotations

import json
import os
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path

import marisa_trie

PHRASES_FILE = "pypinyin_phrases.marisa"
"""Phrase -> UTF-8 JSON of pypinyin's value (a list of per-character reading lists), as a ``BytesTrie``."""


class TriePhrases(Mapping):
    """Read-only ``{phrase: [[reading, ...], ...]}`` decoded from the trie on each lookup."""

    def __init__(self, trie: marisa_trie.BytesTrie) -> None:
        self._trie = trie

    def __getitem__(self, phrase: str) -> list[list[str]]:
        found = self._trie.get(phrase) if isinstance(phrase, str) else None
        if not found:
            raise KeyError(phrase)
        return json.loads(found[0])

    def __contains__(self, phrase: object) -> bool:
        return isinstance(phrase, str) and phrase in self._trie

    def __iter__(self) -> Iterator[str]:
        return self._trie.iterkeys()

    def __len__(self) -> int:
        return len(self._trie)


def load(folder: Path) -> TriePhrases:
    return TriePhrases(marisa_trie.BytesTrie().mmap(str(folder / PHRASES_FILE)))


def install(folder: Path) -> bool:
    """Make the next ``import pypinyin`` use the memory-mapped phrases; False if pypinyin is already loaded."""
    if "pypinyin" in sys.modules or not (folder / PHRASES_FILE).is_file():
        return False
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")  # bind the shared object, not a dict copy
    module = types.ModuleType("pypinyin.phrases_dict", "memory-mapped stand-in (sambert_edge.frontend.phrases)")
    module.phrases_dict = load(folder)
    sys.modules["pypinyin.phrases_dict"] = module
    return True


def build_phrases(folder: Path) -> int:
    """Write ``PHRASES_FILE`` into ``folder`` from the installed pypinyin's ``phrases_dict.json``; returns entries."""
    from importlib import resources

    source = Path(str(resources.files("pypinyin") / "phrases_dict.json"))
    entries = json.loads(source.read_text(encoding="utf-8"))
    trie = marisa_trie.BytesTrie(
        (phrase, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        for phrase, value in entries.items()
    )
    folder.mkdir(parents=True, exist_ok=True)
    trie.save(str(folder / PHRASES_FILE))
    return len(entries)

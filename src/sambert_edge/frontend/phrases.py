"""pypinyin's phrase and character dictionaries, memory-mapped instead of parsed into Python objects.

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

pypinyin's mmseg segmenter (``pypinyin.seg.mmseg``, which the converter uses to find phrases) also
builds a ``set`` of every prefix of every phrase at import, another ~11 MB; :func:`install` registers
``sambert_edge.frontend._mmseg`` in its place, the same code with the prefix set asked of the trie.
Phrases added at run time (``pypinyin.load_phrases_dict``) go to a small overlay dict.

The character table (``pypinyin.pinyin_dict.pinyin_dict``, 41k code points -> readings, ~7 MB as a
dict built from JSON) is replaced the same way by :class:`TrieChars` (``data/pypinyin_chars.marisa``).
The tries are used only when ``data/pypinyin_tables.json`` names the installed pypinyin version and
its source files' sizes; otherwise pypinyin keeps its own dicts.
"""

from __future__ import annotations

import json
import os
import re
import sys
import types
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import marisa_trie

PHRASES_FILE = "pypinyin_phrases.marisa"
"""Phrase -> UTF-8 JSON of pypinyin's value (a list of per-character reading lists), as a ``BytesTrie``."""
CHARS_FILE = "pypinyin_chars.marisa"
"""Character -> UTF-8 of pypinyin's readings string (``"zhōng,zhòng"``), as a ``BytesTrie``."""
INFO_FILE = "pypinyin_tables.json"
"""{"pypinyin": version, "<source json>": {"bytes", "sha256", "entries"}} of the tables the tries hold."""
_SOURCES = {PHRASES_FILE: "phrases_dict.json", CHARS_FILE: "pinyin_dict.json"}


class TriePhrases(MutableMapping):
    """``{phrase: [[reading, ...], ...]}`` decoded from the trie on each lookup, plus an overlay for
    phrases added at run time (``pypinyin.load_phrases_dict``)."""

    def __init__(self, trie: marisa_trie.BytesTrie) -> None:
        self._trie = trie
        self._overlay: dict[str, list[list[str]]] = {}

    @property
    def trie(self) -> marisa_trie.BytesTrie:
        return self._trie

    def __getitem__(self, phrase: str) -> list[list[str]]:
        if self._overlay:
            value = self._overlay.get(phrase)
            if value is not None:
                return value
        found = self._trie.get(phrase) if isinstance(phrase, str) else None
        if not found:
            raise KeyError(phrase)
        return json.loads(found[0])

    def __contains__(self, phrase: object) -> bool:
        return (phrase in self._overlay) or (isinstance(phrase, str) and phrase in self._trie)

    def __setitem__(self, phrase: str, value: list[list[str]]) -> None:
        self._overlay[phrase] = value

    def __delitem__(self, phrase: str) -> None:
        raise TypeError("pypinyin's phrase table is read-only here; add phrases with load_phrases_dict")

    def __iter__(self) -> Iterator[str]:
        yield from self._overlay
        yield from (p for p in self._trie.iterkeys() if p not in self._overlay)

    def __len__(self) -> int:
        return len(self._trie) + sum(1 for p in self._overlay if p not in self._trie)


class TrieChars(MutableMapping):
    """pypinyin's ``{code point: "reading,reading"}`` read from the trie (keyed by the character), plus
    an overlay for characters added at run time (``pypinyin.load_single_dict``)."""

    def __init__(self, trie: marisa_trie.BytesTrie) -> None:
        self._trie = trie
        self._overlay: dict[int, str] = {}

    def __getitem__(self, code: int) -> str:
        if self._overlay:
            value = self._overlay.get(code)
            if value is not None:
                return value
        key = _char(code)
        found = self._trie.get(key) if key is not None else None
        if not found:
            raise KeyError(code)
        return found[0].decode("utf-8")

    def __contains__(self, code: object) -> bool:
        if code in self._overlay:
            return True
        key = _char(code)
        return key is not None and key in self._trie

    def __setitem__(self, code: int, value: str) -> None:
        self._overlay[code] = value

    def __delitem__(self, code: int) -> None:
        raise TypeError("pypinyin's character table is read-only here; add readings with load_single_dict")

    def __iter__(self) -> Iterator[int]:
        yield from self._overlay
        yield from (c for c in map(ord, self._trie.iterkeys()) if c not in self._overlay)

    def __len__(self) -> int:
        return len(self._trie) + sum(1 for c in self._overlay if _char(c) not in self._trie)


def _char(code: object) -> str | None:
    """The trie key of a code point: its character, None for what no key can be (surrogates, non-ints)."""
    if isinstance(code, int) and 0 <= code < 0x110000 and not 0xD800 <= code < 0xE000:
        return chr(code)
    return None


def load_chars(folder: Path) -> TrieChars:
    return TrieChars(marisa_trie.BytesTrie().mmap(str(folder / CHARS_FILE)))


def load(folder: Path) -> TriePhrases:
    return TriePhrases(marisa_trie.BytesTrie().mmap(str(folder / PHRASES_FILE)))


def install(folder: Path) -> bool:
    """Make the next ``import pypinyin`` use the memory-mapped tables and the trie-backed mmseg.

    Returns False (and changes nothing but ``PYPINYIN_NO_DICT_COPY``) when pypinyin is already
    imported or the tables in ``folder`` were not built from the installed pypinyin."""
    if "pypinyin" in sys.modules:
        return False
    # Required by the stand-ins (also set in sambert_edge/frontend/__init__.py): without it
    # pypinyin.constants calls ``.copy()`` on both tables, and the mmseg stand-in must see the very
    # table object that pypinyin's converter reads and load_phrases_dict writes.
    if not os.environ.get("PYPINYIN_NO_DICT_COPY"):
        os.environ["PYPINYIN_NO_DICT_COPY"] = "true"
    if not _matches_installed_pypinyin(folder):
        return False  # pypinyin's own tables: readings of the installed version, only more memory
    chars = types.ModuleType("pypinyin.pinyin_dict", "memory-mapped stand-in (sambert_edge.frontend.phrases)")
    chars.pinyin_dict = load_chars(folder)
    sys.modules["pypinyin.pinyin_dict"] = chars
    table = load(folder)
    module = types.ModuleType("pypinyin.phrases_dict", "memory-mapped stand-in (sambert_edge.frontend.phrases)")
    module.phrases_dict = table
    sys.modules["pypinyin.phrases_dict"] = module
    from . import _mmseg

    _mmseg.bind(table, table.trie)
    sys.modules["pypinyin.seg.mmseg"] = _mmseg  # no prefix set of ~87k strings (see _mmseg)
    return True


def _pypinyin_dir() -> Path | None:
    from importlib.util import find_spec

    spec = find_spec("pypinyin")  # locates the package without importing it
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def _matches_installed_pypinyin(folder: Path) -> bool:
    """Whether the tries in ``folder`` were built from the installed pypinyin (version and file sizes).

    Cheap on purpose (``importlib.metadata`` alone would cost 4 MB): the version is read from
    pypinyin's ``__init__.py`` and the source JSON files are only stat'ed.
    """
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        source = _pypinyin_dir()
        if source is None or not all((folder / f).is_file() for f in _SOURCES):
            return False
        version = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""",
                            (source / "__init__.py").read_text(encoding="utf-8"), re.MULTILINE)
        return (version is not None and version.group(1) == info["pypinyin"] and all(
            (source / name).stat().st_size == info[name]["bytes"] for name in _SOURCES.values()))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def build_tables(folder: Path) -> dict:
    """Write ``PHRASES_FILE``, ``CHARS_FILE`` and ``INFO_FILE`` into ``folder`` from the installed pypinyin."""
    import hashlib

    source = _pypinyin_dir()
    version = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""",
                        (source / "__init__.py").read_text(encoding="utf-8"), re.MULTILINE)
    info: dict = {"pypinyin": version.group(1)}
    for trie_file, build in ((PHRASES_FILE, build_phrases), (CHARS_FILE, build_chars)):
        raw = (source / _SOURCES[trie_file]).read_bytes()
        info[_SOURCES[trie_file]] = {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest(),
                                     "entries": build(folder)}
    (folder / INFO_FILE).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def build_chars(folder: Path) -> int:
    """Write ``CHARS_FILE`` into ``folder`` from the installed pypinyin's ``pinyin_dict.json``; returns entries."""
    from importlib import resources

    source = Path(str(resources.files("pypinyin") / "pinyin_dict.json"))
    entries = json.loads(source.read_text(encoding="utf-8"))
    trie = marisa_trie.BytesTrie((chr(int(code)), value.encode("utf-8")) for code, value in entries.items())
    folder.mkdir(parents=True, exist_ok=True)
    trie.save(str(folder / CHARS_FILE))
    return len(entries)


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

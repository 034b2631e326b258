"""What decides a text's reading, as one short hash: audio caches key on it.

A cache entry is keyed by the text, the voice's model version and the synthesis options; the
reading of the text (normalization, segmentation, pinyin, sandhi, prosody) is not in any of
those. Without this fingerprint an upgrade that reads 13800138000 in digit groups, or a user
lexicon that fixes a name, would keep serving the old audio from a persistent (or Redis) cache.

The fingerprint covers this package's frontend code and data files, the versions of the text
libraries it reads with, the merged lexicon entries and the chunking setting. Hashing the ~3 MB
of files takes a few milliseconds, once per process.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata, resources
from typing import Any

LIBRARIES = ("jieba", "pypinyin", "g2pM", "cn2an", "opencc")
"""Distributions whose tables change readings; the ones not installed count as absent."""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 hex over the frontend package's files (path and bytes, sorted) and the library versions."""
    digest = hashlib.sha256()
    root = resources.files("sambert_edge.frontend")
    for path, data in sorted(_files(root, "")):
        digest.update(path.encode("utf-8") + b"\0" + len(data).to_bytes(8, "little") + data)
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\n".encode())
    return digest.hexdigest()


def _files(folder: Any, prefix: str) -> list[tuple[str, bytes]]:
    out = []
    for item in folder.iterdir():
        name = f"{prefix}{item.name}"
        if item.is_dir():
            if item.name != "__pycache__":
                out.extend(_files(item, name + "/"))
        elif not item.name.endswith((".pyc", ".pyo")):
            out.append((name, item.read_bytes()))
    return out


def reading_fingerprint(lexicon: dict[str, tuple[str, ...]], max_chunk_syllables: int) -> str:
    """16 hex digits: :func:`code_fingerprint` plus the frontend's own lexicon and chunk length."""
    setting = json.dumps({"lexicon": sorted(lexicon.items()), "chunk": max_chunk_syllables},
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((code_fingerprint() + setting).encode("utf-8")).hexdigest()[:16]

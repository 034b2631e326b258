"""Text frontend: Chinese text -> sentences of KAN-TTS linguistic symbols (torch-free).

``Frontend().analyze(text)`` is the only entry the engine uses; the submodules are public for
tools and tests (``normalize``, ``pinyin``, ``spoken``, ``syllables``, ``symbols``, ``prosody``).
The heavy parts (jieba, the polyphone model) load on first use of ``Frontend``, so importing
``sambert_edge.frontend.symbols`` alone stays cheap for the engine and training code.
"""

import os
from importlib import import_module

from .errors import FrontendError

# pypinyin.constants copies its character and phrase tables at import (a second dict of every
# entry, ~2 MB) unless this is set; it reads it once, at pypinyin's first import, which may come from
# another library before our pinyin module installs the memory-mapped tables (phrases.install, which
# needs it too). Nothing here changes those tables at run time, so the copy buys nothing.
os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "true")

_LAZY = {
    "Analysis": ".analysis", "Sentence": ".analysis", "Syllable": ".analysis", "Word": ".analysis",
    "Frontend": ".pipeline", "FrontendConfig": ".pipeline",
}

__all__ = ["Analysis", "Frontend", "FrontendConfig", "FrontendError", "Sentence", "Syllable", "Word"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
